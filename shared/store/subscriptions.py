"""Workspace Events subscriptions Nudge made, and who made them (for renewal and recreation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionRecord:
    """What Nudge keeps about one subscription.

    ``authority`` is ``users/{id}`` for a subscription made with a user's grant,
    or ``app`` for one made as the Chat app; ``space`` is the Chat space it
    watches (``spaces/S``) and ``creator`` the user who asked for it.
    """

    name: str  # subscriptions/{id}
    target: str  # //chat.googleapis.com/spaces/S
    space: str
    event_types: tuple[str, ...]
    authority: str
    creator: str
    include_resource: bool = True
    state: str = "ACTIVE"  # ACTIVE | SUSPENDED | DELETED
    suspension_reason: str = ""
    expire_time: float = 0.0  # epoch seconds
    created_at: float = 0.0
    updated_at: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Epoch seconds after which Nudge deletes it instead of renewing it (0: never), e.g.
    #: a Meet space watched only for the transcript of one meeting.
    retire_after: float = 0.0


class SubscriptionStore(Protocol):
    def put_subscription(self, record: SubscriptionRecord) -> None:
        """Insert or replace by name."""
        ...

    def get_subscription(self, name: str) -> SubscriptionRecord | None: ...

    def delete_subscription(self, name: str) -> bool: ...

    def subscriptions_for(self, space: str) -> list[SubscriptionRecord]:
        """Every subscription watching ``space``."""
        ...

    def expiring_before(self, instant: float) -> list[SubscriptionRecord]:
        """ACTIVE subscriptions whose ``expire_time`` is before ``instant``, soonest first."""
        ...
