"""Deferred work: a handler hands slow work to a job and answers Chat at once.

Chat waits 30 s for an answer, and Cloud Functions throttles the CPU as soon as
the response is sent, so a thread left running is not safe. Work that may take
longer is *deferred*: published as a job (a CloudEvent of Nudge's own type) to
the jobs topic, delivered by Pub/Sub to ``workspace_events``, deduplicated by
its ID like any Workspace event, run by the feature's job handler, which posts
its result through the Chat API under a message ID derived from the job's ID,
so a retried job cannot post twice::

    @router.command("/invite")
    def invite(event: CommandEvent, ctx: Context) -> Response:
        ctx.defer("account.invite", key=event.message.name, space=event.space.name, ...)
        return Reply("Adding them… I'll post the result here.", private=True)

    @feature.job("account.invite")
    def run_invite(job: JobEvent, services: Services) -> None:
        ...  # the slow part; raise for a retry, or Permanent to give up
        post_result(job, services, job.args["space"], Reply(summary))

See docs/decisions/0015-deferred-work.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from shared.chat.render import render_message
from shared.chat.responses import Reply, UpdateMessage
from shared.chatapi.ids import client_message_id
from shared.services import Services
from shared.workspace.jobs import JobPublisher, new_job
from shared.workspace.models import JobEvent

log = logging.getLogger(__name__)


class JobsUnavailable(RuntimeError):
    """Deferred work is not configured here (no ``NUDGE_JOBS_TOPIC`` on Cloud Functions)."""


class Deferrer:
    """Publishes jobs for the handlers of one app; ``ctx.defer`` calls ``defer``.

    ``publisher`` is called on the first ``defer`` (so the Pub/Sub client is
    built only when a job is); ``None`` means jobs are unavailable. ``names``
    are the registered job names: deferring any other is a programming error,
    caught when it happens rather than when the job arrives nowhere.
    """

    def __init__(
        self,
        publisher: Callable[[], JobPublisher] | None,
        names: Iterable[str],
        *,
        clock: Callable[[], float] = time.time,
        unavailable: str = "deferred work is not configured: set NUDGE_JOBS_TOPIC",
    ) -> None:
        self._publisher = publisher
        self.names = frozenset(names)
        self._clock = clock
        self._unavailable = unavailable

    @property
    def available(self) -> bool:
        """Whether ``defer`` can hand a job over here."""
        return self._publisher is not None

    def defer(self, name: str, args: Mapping[str, Any], *, key: str | None = None) -> str:
        """Publish job ``name`` with ``args``; returns its ID (``jobs/NAME/KEY-or-UUID``).

        Raises ``ValueError`` for an unknown name or arguments that are not plain
        JSON, ``JobsUnavailable`` where jobs are not configured, and
        ``shared.workspace.jobs.JobNotQueued`` when the job could not be handed over.
        """
        if name not in self.names:
            known = ", ".join(sorted(self.names)) or "none"
            raise ValueError(f"no feature handles job {name!r} (registered: {known})")
        if self._publisher is None:
            raise JobsUnavailable(self._unavailable)
        job = new_job(name, args, key=key, now=self._clock())
        message_id = self._publisher().publish(job)
        log.info(
            "Deferred job %s",
            name,
            extra={"fields": {"job": name, "job_id": job.id, "message_id": message_id}},
        )
        return job.id


def result_message_id(job_id: str, part: str = "") -> str:
    """The client message ID of a job's post: the same job (and ``part``) always gets the same."""
    return client_message_id("nudge-job", job_id, part)


def post_result(
    job: JobEvent,
    services: Services,
    space: str,
    response: Reply | UpdateMessage | str,
    *,
    private_to: str | None = None,
    thread_name: str | None = None,
    thread_key: str | None = None,
    part: str = "",
    deadline: float | None = None,
) -> dict[str, Any]:
    """Post a job's result to ``space`` as the app, at most once however often the job runs.

    The message ID derives from the job's ID (and ``part``, for a job that posts
    more than one message), so a redelivered job that already posted gets the
    existing message back instead of a second one. ``private_to`` (``users/ID``)
    makes a private ``Reply`` visible to that person only.
    """
    settings = services.settings
    body = render_message(
        response,
        private_to=private_to,
        addon=settings.app_format == "addon",
        endpoint_url=settings.endpoint_url,
    )
    return services.chat().create_message(
        space,
        body,
        thread_name=thread_name or None,
        thread_key=thread_key,
        message_id=result_message_id(job.id, part),
        deadline=deadline,
    )
