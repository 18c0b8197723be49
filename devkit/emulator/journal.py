"""The request log (bounded) and counters behind ``/_emulator/requests`` and ``/stats``."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any

MAX_LOGGED_REQUESTS = 1000


class Journal:
    """Thread-safe request log keeping the last ``maxlen`` requests, plus counters."""

    def __init__(self, maxlen: int = MAX_LOGGED_REQUESTS) -> None:
        self._lock = threading.Lock()
        self._requests: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._counts: Counter[str] = Counter()

    def record(self, entry: dict[str, Any]) -> None:
        """Log one request (never with query strings: webhook URLs carry secrets)."""
        with self._lock:
            self._requests.append(entry)
            self._counts["requests"] += 1
            self._counts[f"status_{entry.get('status')}"] += 1

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._requests]

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(self._counts)
        statuses = {
            k.removeprefix("status_"): v for k, v in counts.items() if k.startswith("status_")
        }
        out: dict[str, Any] = {k: v for k, v in counts.items() if not k.startswith("status_")}
        for key in (
            "requests", "api_requests", "reads", "writes", "message_writes", "membership_writes",
            "webhook_posts", "rate_limited", "faults", "faults_after_commit", "timeouts",
        ):  # fmt: skip
            out.setdefault(key, 0)
        out["statuses"] = statuses
        return out

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._counts.clear()
