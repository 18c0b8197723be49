"""Nudge's deferred jobs on the wire, and the two ways to send them.

A job is a CloudEvent of Nudge's own type (``dev.nudge.job.v1``) in Pub/Sub
*binary mode*, the shape Workspace publishes its events in: the attributes
``ce-type``, ``ce-id``, ``ce-source``, ``ce-specversion``, ``ce-time``,
``ce-subject`` (the job's name) and ``ce-datacontenttype``, and the JSON data
``{"job": NAME, "args": {...}}``. ``workspace_events`` decodes, deduplicates
(by ``ce-id``) and dispatches it exactly as it does a Workspace event.

* ``PubSubJobs`` publishes to the jobs topic (google-cloud-pubsub, imported on
  the first publish, so a ``/help`` never pays for it).
* ``InlineJobs`` runs the job in this process, through the same
  decode-deduplicate-dispatch path: for ``make run`` without gcloud, and tests.
  Never on Cloud Functions, which throttles the CPU once the response is sent.

See docs/decisions/0015-deferred-work.md.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Protocol

from shared.workspace.models import JOB_TYPE

log = logging.getLogger(__name__)

#: ``ce-source`` of every job: Nudge's own interaction function deferred it.
JOB_SOURCE = "//nudge.dev/chat_app"
#: What a job name looks like (``Feature.job`` checks it at registration).
JOB_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}(\.[a-z][a-z0-9_-]{0,39}){0,3}")
#: A caller's deterministic key: printable ASCII without spaces (a Chat resource name fits).
JOB_KEY = re.compile(r"[!-~]{1,300}")
#: The largest encoded ``data`` a job may carry. Pass IDs and names, not documents.
MAX_JOB_BYTES = 64 * 1024
#: The subscription name ``InlineJobs`` reports, as a push subscription would.
INLINE_SUBSCRIPTION = "projects/nudge-local/subscriptions/nudge-jobs-inline"


class JobNotQueued(RuntimeError):
    """The job could not be handed over (Pub/Sub unreachable, refused, or too slow)."""


@dataclass(frozen=True, slots=True)
class Job:
    """One deferred job: ``id`` is its ``ce-id``, the key it is deduplicated by."""

    name: str
    id: str
    time: str
    args: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str = JOB_SOURCE

    @property
    def data(self) -> bytes:
        """The CloudEvent data, as published."""
        return _encode({"job": self.name, "args": dict(self.args)})

    @property
    def attributes(self) -> dict[str, str]:
        """The binary-mode ``ce-*`` attributes."""
        return {
            "ce-specversion": "1.0",
            "ce-type": JOB_TYPE,
            "ce-id": self.id,
            "ce-source": self.source,
            "ce-subject": self.name,
            "ce-time": self.time,
            "ce-datacontenttype": "application/json",
        }

    def message(self, message_id: str) -> dict[str, Any]:
        """The Pub/Sub message a push subscription would deliver (base64 ``data``)."""
        return {
            "attributes": self.attributes,
            "data": base64.b64encode(self.data).decode("ascii"),
            "messageId": message_id,
            "publishTime": self.time,
        }


def _encode(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def new_job(
    name: str, args: Mapping[str, Any], *, key: str | None = None, now: float | None = None
) -> Job:
    """A job named ``name`` with JSON ``args``; ``ValueError`` for what could never be sent.

    Its ID is ``jobs/NAME/KEY`` when the caller passes a deterministic ``key``
    (the same key twice is one job, handled once), else ``jobs/NAME/<uuid4>``.
    """
    if not JOB_NAME.fullmatch(name):
        raise ValueError(f"job name {name!r} must match {JOB_NAME.pattern}")
    if key is not None and not JOB_KEY.fullmatch(key):
        raise ValueError("a job key is 1 to 300 printable ASCII characters without spaces")
    try:
        size = len(_encode({"job": name, "args": dict(args)}))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"job {name} args are not plain JSON: {exc}") from None
    if size > MAX_JOB_BYTES:
        raise ValueError(f"job {name} carries {size:,} bytes; the limit is {MAX_JOB_BYTES:,}")
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return Job(
        name=name,
        id=f"jobs/{name}/{key if key is not None else uuid.uuid4().hex}",
        time=moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        # A copy through JSON: the handler sees exactly what a Pub/Sub delivery carries.
        args=MappingProxyType(json.loads(_encode(dict(args)))),
    )


class JobPublisher(Protocol):
    """Hands a job over for running later; returns the transport's message ID."""

    def publish(self, job: Job) -> str: ...


class PubSubJobs:
    """Publishes jobs to a Pub/Sub topic (``projects/P/topics/T``).

    ``publish`` waits for Pub/Sub's acknowledgement (tens of milliseconds), so a
    handler that answers "working on it" knows the job is safely queued; past
    ``timeout`` seconds it raises ``JobNotQueued``. With ``PUBSUB_EMULATOR_HOST``
    set, the client talks to the emulator without credentials.
    """

    def __init__(self, topic: str, *, timeout: float = 10.0, client: Any = None) -> None:
        self.topic = topic
        self.timeout = timeout
        self._client = client
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PubSubJobs({self.topic!r})"

    def client(self) -> Any:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    from google.cloud.pubsub_v1 import PublisherClient, types

                    # One message per batch: publish() waits for it, so no batch would fill.
                    settings = types.BatchSettings(max_messages=1)
                    self._client = PublisherClient(batch_settings=settings)
                client = self._client
        return client

    def publish(self, job: Job) -> str:
        try:
            future = self.client().publish(self.topic, job.data, **job.attributes)
            message_id = future.result(timeout=self.timeout)
        except Exception as exc:
            raise JobNotQueued(f"job {job.id} was not published to {self.topic}: {exc}") from exc
        return str(message_id)


class InlineJobs:
    """Runs jobs in this process, as a push subscription would deliver them.

    ``deliver`` gets what the door would (``{"message": ..., "subscription": ...}``,
    the data of the ``messagePublished`` CloudEvent); raising means "deliver
    again", which happens up to ``attempts`` times with doubling pauses, as a
    subscription's retry policy would, and then the job is logged as lost (a
    dead-letter topic would keep it). With ``background`` (the default) jobs run
    one at a time on a worker thread, after the handler has answered; without,
    ``publish`` runs the job before it returns (tests).
    """

    def __init__(
        self,
        deliver: Callable[[Mapping[str, Any]], object],
        *,
        background: bool = True,
        attempts: int = 5,
        backoff: float = 0.5,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.deliver = deliver
        self.background = background
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self._ids = itertools.count(1)
        self._queue: queue.Queue[tuple[Job, str]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InlineJobs(background={self.background})"

    def publish(self, job: Job) -> str:
        message_id = f"inline-{next(self._ids)}"
        if not self.background:
            self.run(job, message_id)
            return message_id
        self._queue.put((job, message_id))
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="nudge-jobs", daemon=True)
                self._worker.start()
        return message_id

    def run(self, job: Job, message_id: str) -> bool:
        """Deliver ``job`` until it is acknowledged or the attempts run out; True if it was."""
        message = job.message(message_id)
        for attempt in range(1, self.attempts + 1):
            try:
                self.deliver(
                    {
                        "message": message,
                        "subscription": INLINE_SUBSCRIPTION,
                        "deliveryAttempt": attempt,
                    }
                )
                return True
            except Exception as exc:  # noqa: BLE001 - any failure means "deliver again"
                fields = {"job": job.name, "job_id": job.id, "attempt": attempt}
                if attempt == self.attempts:
                    log.error(
                        "A job failed %d times; giving up on it: %s",
                        attempt,
                        exc,
                        extra={"fields": fields},
                    )
                    return False
                log.warning("A job failed; running it again: %s", exc, extra={"fields": fields})
                self.sleep(self.backoff * 2 ** (attempt - 1))
        return False  # pragma: no cover - the loop returns

    def _work(self) -> None:
        while True:
            job, message_id = self._queue.get()
            try:
                self.run(job, message_id)
            except Exception:  # the worker must outlive any one job
                log.exception("The inline job runner failed on %s", job.id)
            finally:
                self._queue.task_done()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every published job has run; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True
