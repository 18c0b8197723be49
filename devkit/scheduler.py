"""The local Cloud Scheduler: a tick pushed to ``reminders_tick`` as Pub/Sub would push it."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime


def push_tick(url: str, when: datetime | None = None, timeout: float = 120.0) -> int:
    """POST one tick to ``reminders_tick`` as a Pub/Sub push subscription would; the status."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "message": {
            "data": base64.b64encode(b'{"source":"nudge-local-scheduler"}').decode(),
            "messageId": f"tick-{int(moment.timestamp())}",
            "publishTime": stamp,
            "attributes": {},
        },
        "subscription": "projects/nudge-local/subscriptions/nudge-tick",
    }
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class Scheduler(threading.Thread):
    """Pushes a tick every ``seconds``, on the boundary, until stopped (Cloud Scheduler's job)."""

    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(name="nudge-scheduler", daemon=True)
        self.url = url
        self.seconds = seconds
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.seconds - time.time() % self.seconds):
            try:
                status = push_tick(self.url)
            except OSError as exc:
                print(f"nudge local: the tick could not be pushed: {exc}", file=sys.stderr)
                continue
            if status >= 300:
                print(f"nudge local: reminders_tick answered {status}", file=sys.stderr)

    def stop(self) -> None:
        self.stopped.set()
