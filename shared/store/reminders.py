"""Reminders as stored, and the repository the reminders feature and the tick need.

The schedule is stored as the feature gives it (a wall-clock rule plus an IANA
zone, as plain JSON); the store never interprets it. What the store does know
is delivery: ``next_fire`` (epoch seconds, UTC) is indexed, and ``claim_due``
leases due reminders atomically so that overlapping ticks never take the same
one. A lease is written by moving ``next_fire`` to the lease's end, so a
reminder whose tick died becomes due again by itself, with ``lease_fire`` (the
occurrence being delivered) kept so the retry posts the very same message.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

#: Claims at most this many reminders per call (a tick claims in rounds).
MAX_CLAIM = 500


class ReminderState(enum.StrEnum):
    ACTIVE = "active"  # will fire at next_fire
    PAUSED = "paused"  # Nudge was removed from its space; resumes when added back
    DONE = "done"  # a one-off that fired and was acknowledged (or had no nagging)
    DISABLED = "disabled"  # posting failed for good (403/404); the owner was told


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True, kw_only=True)
class Reminder:
    """One reminder: what, where, when, and where its delivery stands."""

    id: str
    owner: str  # users/{id} who set it
    text: str
    #: Which feature's post this is: ``reminder`` (typed by a person), ``meeting`` (from a
    #: calendar)…; the posting engine renders and advances it by kind.
    kind: str = "reminder"
    #: What the kind needs to render its post (JSON-able; opaque to the store).
    payload: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))
    #: Where to post: spaces/{id}; empty means the owner's DM with the app.
    space: str
    #: The space it was set in (fallback when a DM cannot be found).
    origin_space: str
    #: users/{id} to mention when posting (the "who" of /remind @someone), or "".
    mention: str = ""
    #: The feature's schedule, as JSON (opaque to the store).
    schedule: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))
    zone: str = ""
    state: ReminderState = ReminderState.ACTIVE
    #: Epoch seconds (UTC) of the next delivery; ``None`` once nothing is left.
    next_fire: float | None = None
    #: Identifies the next delivery (an occurrence, or a nag of one): a posted message's ID
    #: derives from (id, due_key), so a retried delivery posts the same message.
    due_key: str = ""
    #: One thread per reminder series, so recurring posts stack.
    thread_key: str = ""
    nag_every: int = 0  # seconds between nags until Done; 0 = no nagging
    nag_cap: int = 0
    nag_count: int = 0
    #: The last message posted for it (so Done and Snooze can update it in place).
    last_message: str = ""
    #: A reason when DISABLED.
    note: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    #: Bumped by every save; ``save`` is compare-and-set on it.
    version: int = 0
    #: While a tick delivers it: who holds the lease and the occurrence's due time.
    lease_owner: str = ""
    lease_fire: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "schedule", _frozen(self.schedule))
        object.__setattr__(self, "payload", _frozen(self.payload))


@dataclass(frozen=True, slots=True)
class ReminderPage:
    """One page of a listing; ``next_offset`` is ``None`` on the last page."""

    items: tuple[Reminder, ...]
    total: int
    next_offset: int | None


class ReminderStore(Protocol):
    """Reminders, indexed by owner, space and next fire time."""

    def add(self, reminder: Reminder) -> None:
        """Store a new reminder; ``ValueError`` if the ID exists."""
        ...

    def get(self, reminder_id: str) -> Reminder | None: ...

    def save(self, reminder: Reminder) -> Reminder | None:
        """Write ``reminder`` if the stored version is still ``reminder.version``.

        Returns the stored reminder (with its version bumped), or ``None`` when
        someone changed or deleted it meanwhile.
        """
        ...

    def delete(self, reminder_id: str) -> bool: ...

    def owned_by(
        self, owner: str, *, kind: str = "reminder", offset: int = 0, limit: int = 10
    ) -> ReminderPage:
        """The owner's posts of ``kind`` that are not done, soonest first."""
        ...

    def listing(self, *, offset: int = 0, limit: int = 100) -> ReminderPage:
        """Every stored reminder, soonest first (done ones last): for operators and the CLI."""
        ...

    def in_space(self, space: str) -> list[Reminder]:
        """Every reminder that posts into (or was set in) ``space``."""
        ...

    def claim_due(
        self, now: float, *, limit: int, lease_seconds: float, worker: str
    ) -> list[Reminder]:
        """Lease up to ``limit`` active reminders due at ``now``, oldest first, atomically.

        Each comes back with ``lease_owner = worker``, ``lease_fire`` set to the
        occurrence being delivered (kept from an expired earlier lease), and
        ``next_fire = now + lease_seconds``; no other claim gets it until then.
        """
        ...

    def count_due(self, now: float) -> int:
        """How many active reminders are due at ``now`` (leased ones excluded)."""
        ...
