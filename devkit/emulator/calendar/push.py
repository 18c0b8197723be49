"""``events.watch`` channels and their deliveries by HTTP POST (§1).

A new channel gets a ``sync`` message (number 1) at once; every later change
to its calendar gets one ``exists`` message, numbered higher than the one
before but not one by one (Google: "not sequential"). A message is a POST
with an empty body and the ``X-Goog-*`` headers of §1.5, sent by one
background thread in order, with a short timeout; 500/502/503/504 answers are
retried with exponential backoff (§1.6), anything else is a failed delivery.
It may also arrive before the ``watch`` response does, as with Google.

Channels expire (default and maximum lifetime 7 days, §1.7), then send nothing.
``channels.stop`` works for the channel's own user only; anything else is a 404.
``PushConfig`` drops or duplicates deliveries (pushes are "not 100% reliable").
"""

from __future__ import annotations

import http.client
import queue
import random
import threading
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from devkit.emulator.calendar.channels import Channel, PushConfig, new_channel
from devkit.emulator.calendar.errors import CalendarError, required
from devkit.emulator.calendar.times import from_epoch, rfc3339

Json = dict[str, Any]

PROJECT = "000000000000"
USER_AGENT = "APIs-Google (+https://developers.google.com/webmasters/APIs-Google.html)"
SUCCESS = frozenset({102, 200, 201, 202, 204})
RETRIED = frozenset({500, 502, 503, 504})
MAX_LOGGED = 1000


@dataclass(frozen=True)
class _Job:
    channel: Channel
    number: int
    state: str
    duplicate: bool = False


class Notifier:
    """Channels, the delivery queue and its worker thread, and the delivery log."""

    def __init__(
        self, clock: Callable[[], float], wait: Callable[[float], object] | None = None
    ) -> None:
        self.clock = clock
        self.stopping = threading.Event()
        self.wait = wait or self.stopping.wait
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.channels: dict[str, Channel] = {}
            self.log: deque[Json] = deque(maxlen=MAX_LOGGED)
        self.configure(PushConfig())

    def configure(self, config: PushConfig) -> None:
        with self._lock:
            self.config, self._rng = config, random.Random(config.seed)

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self.stopping.clear()
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="calendar-push", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has been made; ``False`` on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    # --- the API -------------------------------------------------------------------------------

    def watch(self, user: str, calendar_id: str, requested: str, body: Json) -> Json:
        channel = new_channel(user, calendar_id, requested, body, self.clock())
        host = urllib.parse.urlsplit(channel.address).hostname or ""
        with self._lock:
            if host in self.config.unauthorized_hosts:
                raise CalendarError(
                    400,
                    f"Unauthorized WebHook callback channel: {channel.address}",
                    "push.webhookUrlUnauthorized",
                )
            existing = self.channels.get(channel.id)
            if existing is not None and existing.state != "stopped":
                raise CalendarError(400, "Channel id not unique", "channelIdNotUnique")
            self.channels[channel.id] = channel
            self._enqueue_locked(channel, "sync")
        return channel.to_json()

    def stop_channel(self, user: str, body: Json) -> None:
        channel_id, resource_id = str(body.get("id") or ""), str(body.get("resourceId") or "")
        if not channel_id:
            raise required("Channel id is required.", "id")
        if not resource_id:
            raise required("Resource id is required.", "resourceId")
        with self._lock:
            channel = self.channels.get(channel_id)
            self._expire_locked(channel)
            if (
                channel is None
                or channel.state != "active"
                or channel.user != user
                or channel.resource_id != resource_id
            ):
                raise CalendarError(
                    404, f"Channel '{channel_id}' not found for project '{PROJECT}'", "notFound"
                )
            channel.state = "stopped"

    def calendars_changed(self, calendar_ids: set[str]) -> None:
        """Store listener: one ``exists`` message per live channel on these calendars."""
        with self._lock:
            for channel in self.channels.values():
                self._expire_locked(channel)
                if channel.state == "active" and channel.calendar_id in calendar_ids:
                    self._enqueue_locked(channel, "exists")

    def expire(self, channel_id: str | None = None) -> int:
        """Expire one channel (or all) now; returns how many were live."""
        with self._lock:
            live = [
                c
                for c in self.channels.values()
                if c.state == "active" and channel_id in (None, c.id)
            ]
            for channel in live:
                channel.state = "expired"
            return len(live)

    def snapshot(self) -> tuple[list[Json], list[Json]]:
        """Channels (with state, user, calendar, address) and the delivery log."""
        with self._lock:
            channels = [
                {
                    **c.to_json(),
                    "state": c.state,
                    "user": c.user,
                    "calendarId": c.calendar_id,
                    "address": c.address,
                    "lastMessageNumber": c.number,
                }
                for c in self.channels.values()
            ]
            return channels, [dict(d) for d in self.log]

    # --- delivery ------------------------------------------------------------------------------

    def _expire_locked(self, channel: Channel | None) -> None:
        now_ms = self.clock() * 1000
        if channel is not None and channel.state == "active" and now_ms >= channel.expiration_ms:
            channel.state = "expired"

    def _enqueue_locked(self, channel: Channel, state: str) -> None:
        channel.number = 1 if state == "sync" else channel.number + channel.steps.randint(1, 3)
        job = _Job(channel, channel.number, state)
        config = self.config
        if config.drop_next > 0 or (config.drop_rate and self._rng.random() < config.drop_rate):
            config.drop_next = max(0, config.drop_next - 1)
            self._record(job, status=None, attempts=0, dropped=True)
            return
        copies = 1
        if config.duplicate_next > 0 or (
            config.duplicate_rate and self._rng.random() < config.duplicate_rate
        ):
            config.duplicate_next = max(0, config.duplicate_next - 1)
            copies = 2
        for n in range(copies):
            self._pending += 1
            self._queue.put(_Job(channel, job.number, state, duplicate=n > 0))

    def _record(self, job: _Job, *, status: int | None, attempts: int, **extra: Any) -> None:
        entry: Json = {
            "channelId": job.channel.id,
            "messageNumber": job.number,
            "resourceState": job.state,
            "address": job.channel.address,
            "status": status,
            "attempts": attempts,
            "dropped": False,
            "duplicate": job.duplicate,
            "time": rfc3339(from_epoch(self.clock())),
        }
        entry.update(extra)
        self.log.append(entry)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._deliver(job)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _headers(self, job: _Job) -> dict[str, str]:
        channel = job.channel
        headers = {
            "Content-Type": "application/json; utf-8",
            "User-Agent": USER_AGENT,
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": formatdate(channel.expiration_ms / 1000, usegmt=True),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": job.state,
            "X-Goog-Message-Number": str(job.number),
        }
        if channel.token is not None:
            headers["X-Goog-Channel-Token"] = channel.token
        return headers

    def _deliver(self, job: _Job) -> None:
        # Whether a message goes out is decided when it is queued (at the change), so a
        # stop or an expiry afterwards does not recall it: Google's stop is not instant.
        with self._lock:
            timeout, retries, backoff = (
                self.config.timeout_s,
                self.config.retries,
                self.config.backoff_s,
            )
        attempt, status, error = 0, None, ""
        while not self.stopping.is_set():
            attempt += 1
            status, error = self._post(job, timeout)
            if status in SUCCESS or status not in RETRIED or attempt > retries:
                break
            self.wait(backoff * 2 ** (attempt - 1))
        with self._lock:
            extra = {"error": error} if error else {}
            self._record(job, status=status, attempts=attempt, **extra)

    def _post(self, job: _Job, timeout: float) -> tuple[int | None, str]:
        """One POST with the headers spelled as Google spells them (urllib would recase them)."""
        parts = urllib.parse.urlsplit(job.channel.address)
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = kind(parts.netloc, timeout=timeout)
        path = parts.path or "/"
        try:
            connection.request(
                "POST", path + (f"?{parts.query}" if parts.query else ""), b"", self._headers(job)
            )
            response = connection.getresponse()
            response.read()
            return int(response.status), ""
        except (OSError, http.client.HTTPException) as exc:
            return None, str(exc) or type(exc).__name__
        finally:
            connection.close()
