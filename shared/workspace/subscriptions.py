"""``SubscriptionManager``: Workspace Events subscriptions on Chat (and Meet) spaces, created,
found, renewed and deleted as whoever the client's credentials are.

It wraps ``WorkspaceEventsClient`` with Nudge's vocabulary: event families and
their scopes (``families``), targets (``targets``), and typed ``Subscription``
values instead of JSON (``subscription_json``). Every mutation's long-running
operation is waited on, and ``ALREADY_EXISTS`` (one subscription per principal
per target) is resolved by finding the existing one with ``list``.

Who the manager acts as is decided by the credentials its client was built
with; the subscriptions feature picks them (the stored grant of
``subscription.authority``, or the app's).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from shared.google.errors import AlreadyExists, NotFound
from shared.workspace.client import WorkspaceEventsClient
from shared.workspace.families import ALL_CHAT_EVENT_TYPES, MEET_EVENT_TYPES
from shared.workspace.subscription_json import (
    Subscription,
    duration,
    list_filter,
    subscription_body,
)
from shared.workspace.targets import is_meet_target

log = logging.getLogger(__name__)


class SubscriptionManager:
    """Subscriptions as whoever ``client``'s credentials are (a user, or the app).

    ``operation_deadline`` bounds the wait for each mutation's operation (seconds);
    every method also takes ``deadline`` for callers that must stop in time.
    """

    def __init__(self, client: WorkspaceEventsClient, *, operation_deadline: float = 60.0) -> None:
        self.client = client
        self.operation_deadline = operation_deadline

    def __repr__(self) -> str:
        return f"SubscriptionManager({self.client!r})"

    def _limit(self, deadline: float | None) -> float:
        if deadline is None:
            return self.operation_deadline
        return min(deadline, self.operation_deadline)

    def create(
        self,
        *,
        target: str,
        event_types: Sequence[str],
        topic: str,
        include_resource: bool = True,
        field_mask: str = "",
        ttl: timedelta | None = None,
        deadline: float | None = None,
    ) -> Subscription:
        """Create a subscription and wait for it; ``AlreadyExists`` if the principal has one
        for ``target`` already (see ``create_or_find``)."""
        body = subscription_body(
            target=target,
            event_types=event_types,
            topic=topic,
            include_resource=include_resource,
            field_mask=field_mask,
            ttl=ttl,
        )
        operation = self.client.create(body, deadline=deadline)
        result = self.client.wait(
            operation, method="subscriptions.create", target=target, deadline=self._limit(deadline)
        )
        created = Subscription.from_json(result)
        log.info(
            "created a Workspace subscription",
            extra={"fields": {"subscription": created.name, "target": target}},
        )
        return created

    def create_or_find(
        self,
        *,
        target: str,
        event_types: Sequence[str],
        topic: str,
        include_resource: bool = True,
        field_mask: str = "",
        ttl: timedelta | None = None,
        deadline: float | None = None,
    ) -> tuple[Subscription, bool]:
        """``(subscription, created)``: a new one, or the principal's existing one for
        ``target`` when the API answers ``ALREADY_EXISTS`` (then ``created`` is False)."""
        try:
            return (
                self.create(
                    target=target,
                    event_types=event_types,
                    topic=topic,
                    include_resource=include_resource,
                    field_mask=field_mask,
                    ttl=ttl,
                    deadline=deadline,
                ),
                True,
            )
        except AlreadyExists:
            existing = self.find(target)
            if existing is None:
                raise  # it exists, yet list cannot see it: say so rather than guess
            log.info(
                "a Workspace subscription for this target exists already; reusing it",
                extra={"fields": {"subscription": existing.name, "target": target}},
            )
            return existing, False

    def get(self, name: str, *, deadline: float | None = None) -> Subscription:
        return Subscription.from_json(self.client.get(name, deadline=deadline))

    def list(
        self, event_types: Sequence[str] = ALL_CHAT_EVENT_TYPES, target: str | None = None
    ) -> list[Subscription]:
        """The principal's subscriptions with any of ``event_types`` (on ``target``)."""
        return [
            Subscription.from_json(item)
            for item in self.client.list(list_filter(event_types, target))
        ]

    def find(self, target: str) -> Subscription | None:
        """The principal's subscription on ``target`` (whatever its event types), if any."""
        types = MEET_EVENT_TYPES if is_meet_target(target) else ALL_CHAT_EVENT_TYPES
        found = [s for s in self.list(types, target) if s.target == target]
        return found[0] if found else None

    def renew(
        self, name: str, *, ttl: timedelta | None = None, deadline: float | None = None
    ) -> Subscription:
        """Extend the lifetime (``ttl`` ``None``: the maximum allowed), as ``patch ttl``."""
        operation = self.client.patch(
            name, {"ttl": duration(ttl)}, update_mask="ttl", deadline=deadline
        )
        result = self.client.wait(
            operation, method="subscriptions.patch", target=name, deadline=self._limit(deadline)
        )
        renewed = Subscription.from_json(result) if result else self.get(name, deadline=deadline)
        log.info(
            "renewed a Workspace subscription",
            extra={
                "fields": {
                    "subscription": name,
                    "expire_time": renewed.expire_time.isoformat() if renewed.expire_time else None,
                }
            },
        )
        return renewed

    def set_event_types(
        self, name: str, event_types: Sequence[str], *, deadline: float | None = None
    ) -> Subscription:
        """Change what a subscription delivers (``updateMask=event_types``)."""
        operation = self.client.patch(
            name, {"eventTypes": list(event_types)}, update_mask="event_types", deadline=deadline
        )
        result = self.client.wait(
            operation, method="subscriptions.patch", target=name, deadline=self._limit(deadline)
        )
        return Subscription.from_json(result) if result else self.get(name, deadline=deadline)

    def reactivate(self, name: str, *, deadline: float | None = None) -> Subscription:
        """SUSPENDED -> ACTIVE. The expiry stays as it was: ``renew`` afterwards."""
        operation = self.client.reactivate(name, deadline=deadline)
        result = self.client.wait(
            operation,
            method="subscriptions.reactivate",
            target=name,
            deadline=self._limit(deadline),
        )
        return Subscription.from_json(result) if result else self.get(name, deadline=deadline)

    def delete(
        self,
        name: str,
        *,
        etag: str | None = None,
        allow_missing: bool = True,
        deadline: float | None = None,
    ) -> bool:
        """Delete and wait. False when the API said it was not there (with ``allow_missing``
        Google usually answers OK for a missing one, so True means "it is gone now")."""
        try:
            operation = self.client.delete(
                name, etag=etag, allow_missing=allow_missing, deadline=deadline
            )
            self.client.wait(
                operation,
                method="subscriptions.delete",
                target=name,
                deadline=self._limit(deadline),
            )
        except NotFound:
            if not allow_missing:
                raise
            return False
        log.info("deleted a Workspace subscription", extra={"fields": {"subscription": name}})
        return True
