"""Workspace events to the features that handle them, at least once delivered, handled once.

``WorkspaceDispatcher.handle`` takes the data of the Pub/Sub CloudEvent that
``workspace_events`` receives and decides, per event:

* **permanent failures** (a malformed envelope, bad base64, data that is not
  JSON, an unknown type, a handler's non-retryable API error) are logged with
  their reason, counted, and acknowledged, so no message poisons the subscription;
* **transient failures** (a retryable API error, a timeout, an unavailable store,
  another delivery of the same event still in progress) raise, so Pub/Sub
  delivers the message again (and, after enough attempts, dead-letters it);
* an event handled before (same Workspace ``ce-id``) is acknowledged and does
  nothing; messages sent by bots (Nudge itself included) are ignored, so Nudge
  never loops on its own posts.

Handlers never assume ordering: an ``updated`` may arrive before its ``created``.

Nudge's own deferred jobs (``dev.nudge.job.v1``, see ``shared.core.defer``)
arrive through the same door and follow the same rules; each runs the one
handler registered for its name (``@feature.job``), and a job no feature
handles is a permanent failure (deploy ``workspace_events`` before the
``chat_app`` that defers a new job).

``message_body`` gives a handler the full message of an event whose
subscription sends resource names only, fetched through the Chat API.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, cast

from shared.chat.events.models import Message
from shared.core.feature import EventHandler, Feature
from shared.core.router import RouteConflict
from shared.google.errors import ApiError
from shared.log import RequestContext, request_context
from shared.services import Services
from shared.store.events import Begin
from shared.workspace.envelope import BadEnvelope, decode_cloud_event_data
from shared.workspace.models import ChatMessageEvent, JobEvent, WorkspaceEvent
from shared.workspace.parse import message_from, parse_events

log = logging.getLogger(__name__)

#: How long one delivery may hold an event before another may take it over.
LEASE_SECONDS = 300.0
#: How long a handled event's mark is kept: longer than Pub/Sub keeps a message (7 days).
HANDLED_TTL_SECONDS = 8 * 24 * 3600.0


class RetryLater(Exception):
    """A transient condition: raise it (or let one propagate) and Pub/Sub delivers again."""


class Permanent(Exception):
    """A handler's verdict that retrying cannot help: logged, counted, acknowledged."""


class WorkspaceDispatcher:
    """Routes decoded Workspace events to every feature handler registered for their type.

    A handler registered for a family wildcard (``google.workspace.chat.message.v1.*``)
    receives every action of it. ``counts`` tallies outcomes for operators and tests.
    """

    def __init__(
        self,
        services: Services,
        features: Sequence[Feature],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.services = services
        self.clock = clock
        self.handlers: dict[str, list[EventHandler]] = {}
        #: Job name -> its one handler (typed for the job, called like an event handler).
        self.jobs: dict[str, EventHandler] = {}
        for feature in features:
            for event_type, handlers in feature.event_handlers.items():
                self.handlers.setdefault(event_type, []).extend(handlers)
            for name, job_handler in feature.job_handlers.items():
                if name in self.jobs:
                    raise RouteConflict(f"job {name} is handled by two features")
                self.jobs[name] = cast(EventHandler, job_handler)
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.counts[outcome] += 1

    def handle(self, data: Any, *, outer_id: str = "") -> list[WorkspaceEvent]:
        """Decode ``data`` and handle its events; returns those handled now."""
        with request_context(RequestContext(outer_id or "workspace-event")):
            try:
                events = parse_events(decode_cloud_event_data(data))
            except BadEnvelope as exc:
                self._count("dropped")
                log.error(
                    "Dropping a Pub/Sub message that can never be handled: %s",
                    exc,
                    extra={"fields": {"cloud_event_id": outer_id, "reason": str(exc)[:300]}},
                )
                return []
            return [event for event in events if self.dispatch(event)]

    def handlers_for(self, event: WorkspaceEvent) -> list[EventHandler]:
        if isinstance(event, JobEvent):
            job = self.jobs.get(event.job)
            return [job] if job is not None else []
        family = event.type.rsplit(".", 1)[0] + ".*"
        return [*self.handlers.get(event.type, ()), *self.handlers.get(family, ())]

    def dispatch(self, event: WorkspaceEvent) -> bool:
        """Handle one event once; True when handlers ran. Raises for a transient failure."""
        fields = {"ce_id": event.id, "ce_type": event.type, "subject": event.subject}
        if isinstance(event, ChatMessageEvent) and event.is_from_a_bot:
            self._count("ignored_bot")
            log.debug("Ignoring a message sent by a bot", extra={"fields": fields})
            return False
        handlers = self.handlers_for(event)
        if not handlers and isinstance(event, JobEvent):
            self._count("unknown_job")
            log.error(
                "Dropping job %s: no installed feature handles it",
                event.job[:100],
                extra={"fields": {**fields, "job": event.job[:100]}},
            )
            return False
        if not handlers:
            self._count("unhandled")
            log.info("No handler for Workspace event %s", event.type, extra={"fields": fields})
            return False
        journal = self.services.events()
        now = self.clock()
        begun = journal.begin(event.id, now=now, lease_seconds=LEASE_SECONDS)
        if begun is Begin.DONE:
            self._count("duplicate")
            log.info("Already handled this event; acknowledging", extra={"fields": fields})
            return False
        if begun is Begin.BUSY:
            self._count("busy")
            raise RetryLater(f"event {event.id} is being handled by another delivery")
        try:
            for handler in handlers:
                handler(event, self.services)
        except Permanent as exc:
            return self._give_up(event, fields, str(exc))
        except ApiError as exc:
            if not exc.retryable:
                return self._give_up(event, fields, str(exc))
            journal.abandon(event.id)
            self._count("retry")
            raise
        except BaseException:
            journal.abandon(event.id)
            self._count("retry")
            raise
        journal.finish(event.id, expires_at=now + HANDLED_TTL_SECONDS)
        self._count("handled")
        log.info("Handled Workspace event %s", event.type, extra={"fields": fields})
        return True

    def _give_up(self, event: WorkspaceEvent, fields: dict[str, Any], reason: str) -> bool:
        """A permanent failure: remember the event as done so it is not tried again."""
        self.services.events().finish(event.id, expires_at=self.clock() + HANDLED_TTL_SECONDS)
        self._count("failed_permanently")
        log.error(
            "Giving up on a Workspace event: %s",
            reason[:300],
            extra={"fields": {**fields, "reason": reason[:300]}},
        )
        return False


def message_body(event: ChatMessageEvent, services: Services) -> Message:
    """The event's message with its body, fetched through the Chat API when the event has none.

    A subscription created without resource data (``includeResource=false``)
    delivers only the message's name; so do deletions, whose message is gone
    (returned as is). The fetch acts as the app: a message the app cannot see
    raises ``NotFound`` or ``PermissionDenied`` (permanent, so the dispatcher
    gives the event up); a 5xx or timeout raises a retryable ``ApiError``.
    """
    if not event.names_only or event.action == "deleted":
        return event.message
    return message_from(services.chat().get_message(event.message.name))
