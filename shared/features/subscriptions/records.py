"""``SubscriptionRecord`` transitions: what Nudge remembers about each subscription it made.

Every change is a new frozen record (``dataclasses.replace``); the store keeps
the latest by name. ``notes`` carries short markers: ``BLOCKED`` means the last
renewal needed the subscriber's permission again, so the tick leaves the record
alone until *Reauthorize* (or a fresh ``/subscribe``) clears it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from shared.store.subscriptions import SubscriptionRecord

if TYPE_CHECKING:
    from shared.workspace.subscription_json import Subscription

#: A note on a record whose renewal waits for the subscriber to grant access again.
BLOCKED = "blocked: renewal needs the subscriber's permission"
_MAX_NOTES = 5


def record_of(
    sub: Subscription, *, authority: str, creator: str, now: float, space: str = ""
) -> SubscriptionRecord:
    """A new record for ``sub``, made by ``creator`` as ``authority`` (``users/…`` or ``app``);
    ``space`` is the Chat space it serves (by default, the one it watches)."""
    from shared.workspace.targets import space_of_target

    return SubscriptionRecord(
        name=sub.name,
        target=sub.target,
        space=space or space_of_target(sub.target),
        event_types=tuple(sub.event_types),
        authority=authority,
        creator=creator,
        include_resource=sub.include_resource,
        state=sub.state or "ACTIVE",
        suspension_reason=sub.suspension_reason,
        expire_time=sub.expire_time.timestamp() if sub.expire_time else 0.0,
        created_at=now,
        updated_at=now,
    )


def refreshed(record: SubscriptionRecord, sub: Subscription, *, now: float) -> SubscriptionRecord:
    """``record`` brought up to date with what the API said (and no longer blocked)."""
    return replace(
        record,
        state=sub.state or record.state,
        suspension_reason=sub.suspension_reason,
        expire_time=sub.expire_time.timestamp() if sub.expire_time else record.expire_time,
        event_types=tuple(sub.event_types) or record.event_types,
        include_resource=sub.include_resource,
        updated_at=now,
        notes=tuple(n for n in record.notes if n != BLOCKED),
    )


def noted(record: SubscriptionRecord, note: str) -> tuple[str, ...]:
    """``record.notes`` plus ``note`` (once), keeping the last few."""
    notes = (*(n for n in record.notes if n != note), note[:200])
    return notes[-_MAX_NOTES:]


def suspended(record: SubscriptionRecord, reason: str, *, now: float) -> SubscriptionRecord:
    return replace(record, state="SUSPENDED", suspension_reason=reason, updated_at=now)


def blocked(record: SubscriptionRecord, *, now: float) -> SubscriptionRecord:
    return replace(record, notes=noted(record, BLOCKED), updated_at=now)


def ended(record: SubscriptionRecord, why: str, *, now: float) -> SubscriptionRecord:
    """Kept as DELETED (so later events about it are ignored), with why."""
    return replace(record, state="DELETED", notes=noted(record, why), updated_at=now)


def is_blocked(record: SubscriptionRecord) -> bool:
    return BLOCKED in record.notes
