"""The event inspector's record: each signed event sent, the raw answer, what followed."""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devkit.web.upstream import Delivery

MAX_KEPT = 200


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


@dataclass
class Exchange:
    """One event and its answer, as the inspector shows them."""

    id: int
    at: str
    title: str
    user: str
    format: str
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    event: str = ""
    status: int = 0
    response: str = ""
    ms: float = 0.0
    outcome: str = ""
    notes: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def summary(self) -> str:
        status = str(self.status) if self.status else "no answer"
        return f"{self.title} → {status} {self.outcome}".strip()


class ExchangeLog:
    """The last ``MAX_KEPT`` exchanges, newest last; safe across request threads."""

    def __init__(self, size: int = MAX_KEPT) -> None:
        self._items: deque[Exchange] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, title: str, user: str, fmt: str, delivery: Delivery) -> Exchange:
        response = delivery.raw
        if delivery.body is not None:
            response = _pretty(delivery.body)
        with self._lock:
            exchange = Exchange(
                id=next(self._ids),
                at=datetime.now(UTC).strftime("%H:%M:%S"),
                title=title,
                user=user,
                format=fmt,
                url=delivery.url,
                headers=dict(delivery.headers),
                event=_pretty(delivery.event),
                status=delivery.status,
                response=response,
                ms=delivery.ms,
                notes=list(delivery.notes),
                error=delivery.error,
            )
            self._items.append(exchange)
        return exchange

    def note(self, exchange: Exchange, text: str) -> None:
        with self._lock:
            exchange.notes.append(text)

    def after(self, last_id: int = 0) -> list[Exchange]:
        """Exchanges newer than ``last_id``, newest first."""
        with self._lock:
            return [e for e in reversed(self._items) if e.id > last_id]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    @property
    def last_id(self) -> int:
        with self._lock:
            return self._items[-1].id if self._items else 0
