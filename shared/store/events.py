"""The record of Workspace events already handled: at-least-once delivery, handled once.

Pub/Sub may deliver an event again, and Workspace may publish it twice; the
key is the Workspace ``ce-id``. ``begin`` marks an event as being handled for a
short lease; ``finish`` keeps it as done until it can no longer be redelivered;
``abandon`` forgets a failed attempt so the redelivery runs it again. A mark
whose lease ran out (a crash mid-handling) counts as never begun.
"""

from __future__ import annotations

import enum
from typing import Protocol


class Begin(enum.StrEnum):
    NEW = "new"  # handle it now
    DONE = "done"  # handled before: acknowledge and do nothing
    BUSY = "busy"  # another delivery is handling it right now: retry later


class EventLog(Protocol):
    """Which events were handled, keyed by event ID."""

    def begin(self, key: str, *, now: float, lease_seconds: float) -> Begin: ...

    def finish(self, key: str, *, expires_at: float) -> None:
        """Mark ``key`` handled; the mark may be forgotten after ``expires_at``."""
        ...

    def abandon(self, key: str) -> None:
        """Forget ``key``'s mark (the attempt failed), so a redelivery handles it."""
        ...
