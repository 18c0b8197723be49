"""Where the emulator's Workspace subscriptions deliver: memory, and optionally a Pub/Sub emulator.

Every event is kept in memory (``events()``, and ``GET /_emulator/workspace/events``),
in the shape Workspace publishes (REFERENCE §6.1, CloudEvents Pub/Sub *binary
mode*): ``attributes`` holding ``ce-id``, ``ce-type``, ``ce-source``,
``ce-subject``, ``ce-time``, ``ce-specversion`` and ``ce-datacontenttype``;
``data`` the base64 of the JSON payload; ``orderingKey`` the subscription's
full name. With a Pub/Sub emulator configured (``pubsub_host``, the value of
``PUBSUB_EMULATOR_HOST``), each event is also published over REST,
``POST http://HOST/v1/projects/P/topics/T:publish``, to the subscription's own
topic (or to ``topic``, when set, for every subscription). A single worker
thread publishes in order, so events of one subscription keep their order.

A topic that does not exist (404) or refuses the publisher (403) suspends the
subscription (``ENDPOINT_NOT_FOUND`` / ``ENDPOINT_PERMISSION_DENIED``), as
Workspace does; a Pub/Sub emulator that cannot be reached is only logged in
the event's ``delivery`` field (a local setup problem, not the subscription's).
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Json = dict[str, Any]
#: Events kept in memory at most (the oldest are dropped first).
MAX_KEPT = 10_000
_TIMEOUT_S = 10.0

#: ``on_endpoint_error(subscription_name, suspension_reason)``.
EndpointError = Callable[[str, str], None]


def pubsub_message(attributes: dict[str, str], payload: Any, ordering_key: str) -> Json:
    """A Pub/Sub message in binary mode: ``ce-*`` attributes, base64 JSON ``data``."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return {
        "attributes": dict(attributes),
        "data": base64.b64encode(data).decode("ascii"),
        "orderingKey": ordering_key,
    }


@dataclass
class SinkConfig:
    """``pubsub_host`` (``host:port`` of a Pub/Sub emulator) and an optional ``topic`` override."""

    pubsub_host: str | None = None
    topic: str | None = None

    def to_json(self) -> Json:
        return {"pubsubHost": self.pubsub_host, "topic": self.topic}


class Publisher:
    """Keeps every event and forwards it to the configured Pub/Sub emulator, in order."""

    def __init__(
        self,
        config: SinkConfig | None = None,
        *,
        on_endpoint_error: EndpointError | None = None,
    ) -> None:
        self.config = config or SinkConfig()
        self.on_endpoint_error = on_endpoint_error
        self._lock = threading.Lock()
        self._events: deque[Json] = deque(maxlen=MAX_KEPT)
        self._queue: queue.Queue[Json | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._seq = 0

    def configure(self, pubsub_host: str | None = None, topic: str | None = None) -> None:
        """Publish to the Pub/Sub emulator at ``pubsub_host`` (``None``: memory only)."""
        if pubsub_host is not None and (not pubsub_host.strip() or "/" in pubsub_host):
            raise ValueError("pubsubHost is host:port, as in PUBSUB_EMULATOR_HOST")
        if topic is not None and not _is_topic(topic):
            raise ValueError("topic must be projects/PROJECT/topics/TOPIC")
        with self._lock:
            self.config = SinkConfig(pubsub_host or None, topic or None)

    # --- publishing -----------------------------------------------------------------

    def publish(
        self,
        *,
        subscription: str,
        topic: str,
        message: Json,
        payload: Any,
        memory_only: bool = False,
    ) -> Json:
        """Record ``message`` for ``subscription`` and queue it for Pub/Sub; returns the record."""
        with self._lock:
            self._seq += 1
            host, override = self.config.pubsub_host, self.config.topic
            if memory_only:
                host = None
            record: Json = {
                "seq": self._seq,
                "subscription": subscription,
                "topic": override or topic,
                "message": message,
                "payload": payload,
                "delivery": "pending" if host else "memory",
            }
            self._events.append(record)
        if host:
            self._ensure_worker()
            self._queue.put(record | {"_host": host})
        return record

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="workspace-events-publisher", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._send(item)
            except Exception:  # the worker must outlive any one event
                log.exception("publishing a Workspace event failed")
            finally:
                self._queue.task_done()

    def _send(self, item: Json) -> None:
        host, topic = item["_host"], item["topic"]
        url = f"http://{host}/v1/{topic}:publish"
        body = json.dumps({"messages": [item["message"]]}).encode()
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:  # noqa: S310
                ids = json.loads(response.read() or b"{}").get("messageIds") or []
            self._mark(item["seq"], f"published:{ids[0] if ids else '?'}")
        except urllib.error.HTTPError as exc:
            self._mark(item["seq"], f"failed:HTTP {exc.code}")
            reason = {404: "ENDPOINT_NOT_FOUND", 403: "ENDPOINT_PERMISSION_DENIED"}.get(exc.code)
            if exc.code == 429:
                reason = "ENDPOINT_RESOURCE_EXHAUSTED"
            if reason and self.on_endpoint_error is not None:
                self.on_endpoint_error(item["subscription"], reason)
        except (OSError, ValueError) as exc:
            self._mark(item["seq"], f"failed:{type(exc).__name__}")
            log.warning("the Pub/Sub emulator at %s could not be reached: %s", host, exc)

    def _mark(self, seq: int, delivery: str) -> None:
        with self._lock:
            for record in reversed(self._events):
                if record["seq"] == seq:
                    record["delivery"] = delivery
                    return

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event was sent to Pub/Sub; False if ``timeout`` passed."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)

    def stop(self) -> None:
        """End the worker thread after what is queued."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None and worker.is_alive():
            self._queue.put(None)
            worker.join(timeout=5)

    # --- reading ------------------------------------------------------------------------

    def events(self, *, clear: bool = False) -> list[Json]:
        """Every recorded event, oldest first (``clear``: and forget them)."""
        with self._lock:
            out = [json.loads(json.dumps(r)) for r in self._events]
            if clear:
                self._events.clear()
        return out

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


def _is_topic(value: str) -> bool:
    parts = value.split("/")
    return len(parts) == 4 and parts[0] == "projects" and parts[2] == "topics" and all(parts)
