"""Workspace Events subscriptions on Chat spaces: what to ask for, and a manager that asks.

``SubscriptionManager`` wraps ``WorkspaceEventsClient`` with Nudge's vocabulary:

* **event families** (``messages``, ``memberships``, ``reactions``, ``space``),
  each a set of subscribable CloudEvent types;
* the **scopes** each family needs, as a user (incremental: only what the
  chosen families need, preferring scopes the user granted already) or as the
  app (``chat.app.*``, which needs one-time Workspace admin approval);
* typed ``Subscription`` values instead of JSON, every mutation's
  long-running operation waited on, and ``ALREADY_EXISTS`` (one subscription
  per principal per target) resolved by finding the existing one with ``list``.

Who the manager acts as is decided by the credentials its client was built
with; the subscriptions feature picks them (the stored grant of
``subscription.authority``, or the app's).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from shared.chat.events.fields import BadEvent, to_datetime
from shared.google.errors import AlreadyExists, NotFound
from shared.workspace.client import WorkspaceEventsClient

log = logging.getLogger(__name__)

_AUTH = "https://www.googleapis.com/auth/"
CHAT_TARGET_PREFIX = "//chat.googleapis.com/"
SUBSCRIPTION_SOURCE_PREFIX = "//workspaceevents.googleapis.com/"
#: ``ttl`` meaning "the longest lifetime allowed".
MAX_TTL = "0s"
#: Lifetimes the API allows (REFERENCE §5.2): names only, and with the resource.
MAX_LIFETIME_NAMES_ONLY = timedelta(days=7)
MAX_LIFETIME_WITH_RESOURCE = timedelta(hours=4)


class Family(enum.StrEnum):
    """What a subscription watches in a space."""

    MESSAGES = "messages"
    MEMBERSHIPS = "memberships"
    REACTIONS = "reactions"
    SPACE = "space"


_CHAT = "google.workspace.chat."
EVENT_TYPES: Mapping[Family, tuple[str, ...]] = MappingProxyType(
    {
        Family.MESSAGES: tuple(f"{_CHAT}message.v1.{a}" for a in ("created", "updated", "deleted")),
        Family.MEMBERSHIPS: tuple(
            f"{_CHAT}membership.v1.{a}" for a in ("created", "updated", "deleted")
        ),
        Family.REACTIONS: tuple(f"{_CHAT}reaction.v1.{a}" for a in ("created", "deleted")),
        Family.SPACE: tuple(f"{_CHAT}space.v1.{a}" for a in ("updated", "deleted")),
    }
)
#: What /subscribe watches when nothing is chosen.
DEFAULT_FAMILIES: tuple[Family, ...] = (Family.MESSAGES, Family.MEMBERSHIPS, Family.REACTIONS)
#: Every subscribable Chat event type (lifecycle types are always delivered, never listed).
ALL_CHAT_EVENT_TYPES: tuple[str, ...] = tuple(t for f in Family for t in EVENT_TYPES[f])

#: User scopes that cover each family; the first is the one Nudge asks for (read-only).
USER_SCOPES: Mapping[Family, tuple[str, ...]] = MappingProxyType(
    {
        Family.MESSAGES: (_AUTH + "chat.messages.readonly", _AUTH + "chat.messages"),
        Family.MEMBERSHIPS: (_AUTH + "chat.memberships.readonly", _AUTH + "chat.memberships"),
        Family.REACTIONS: (
            _AUTH + "chat.messages.reactions.readonly",
            _AUTH + "chat.messages.reactions",
            _AUTH + "chat.messages.readonly",
            _AUTH + "chat.messages",
        ),
        Family.SPACE: (_AUTH + "chat.spaces.readonly", _AUTH + "chat.spaces"),
    }
)
#: App scopes (``chat.app.*``: one-time Workspace admin approval) that cover each family.
APP_SCOPES: Mapping[Family, tuple[str, ...]] = MappingProxyType(
    {
        Family.MESSAGES: (_AUTH + "chat.app.messages.readonly",),
        Family.MEMBERSHIPS: (
            _AUTH + "chat.app.memberships.readonly",
            _AUTH + "chat.app.memberships",
        ),
        Family.REACTIONS: (_AUTH + "chat.app.messages.readonly",),
        Family.SPACE: (_AUTH + "chat.app.spaces.readonly", _AUTH + "chat.app.spaces"),
    }
)


def event_types_for(families: Iterable[Family | str]) -> tuple[str, ...]:
    """The subscribable CloudEvent types of ``families``, in a stable order."""
    wanted = {Family(f) for f in families}
    return tuple(t for f in Family if f in wanted for t in EVENT_TYPES[f])


def families_of(event_types: Iterable[str]) -> tuple[Family, ...]:
    """The families ``event_types`` belong to (unknown types are left out)."""
    types = set(event_types)
    return tuple(f for f in Family if types & set(EVENT_TYPES[f]))


def user_scopes_for(
    families: Iterable[Family | str], granted: Iterable[str] = ()
) -> tuple[str, ...]:
    """The user scopes to ask for: per family, one the user granted already, else the
    read-only one. Incremental: nothing beyond what these families need."""
    have = frozenset(granted)
    out: dict[str, None] = {}
    wanted = {Family(f) for f in families}
    for family in (f for f in Family if f in wanted):
        accepted = USER_SCOPES[family]
        out[next((s for s in accepted if s in have), accepted[0])] = None
    return tuple(out)


def app_scopes_for(families: Iterable[Family | str]) -> tuple[str, ...]:
    """The ``chat.app.*`` scopes the app needs to subscribe to ``families``."""
    wanted = {Family(f) for f in families}
    return tuple(dict.fromkeys(APP_SCOPES[f][0] for f in Family if f in wanted))


def chat_target(space: str) -> str:
    """``//chat.googleapis.com/spaces/S`` for ``spaces/S``."""
    if not space.startswith("spaces/") or len(space.split("/")) != 2 or space == "spaces/":
        raise ValueError(f"expected a space name like spaces/AAA, not {space!r}")
    return CHAT_TARGET_PREFIX + space


def space_of_target(target: str) -> str:
    """``spaces/S`` for ``//chat.googleapis.com/spaces/S`` ("" for other targets)."""
    rest = target.removeprefix(CHAT_TARGET_PREFIX)
    return rest if rest != target and rest.startswith("spaces/") else ""


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def list_filter(event_types: Sequence[str], target: str | None = None) -> str:
    """``event_types:"A" OR event_types:"B"`` ``AND target_resource="T"``, as ``list`` wants."""
    if not event_types:
        raise ValueError("a list filter needs at least one event type")
    types = " OR ".join(f"event_types:{_quoted(t)}" for t in event_types)
    if len(event_types) > 1:
        types = f"({types})"
    return f"{types} AND target_resource={_quoted(target)}" if target else types


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return to_datetime(value, "time")
    except BadEvent:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """A subscription as the API returned it."""

    name: str
    target: str = ""
    event_types: tuple[str, ...] = ()
    include_resource: bool = False
    field_mask: str = ""
    topic: str = ""
    state: str = ""
    suspension_reason: str = ""
    #: ``users/{id}`` for a user's subscription, "" for one the app made.
    authority: str = ""
    service_account_authority: str = ""
    expire_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    etag: str = ""
    uid: str = ""
    reconciling: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def space(self) -> str:
        return space_of_target(self.target)

    @property
    def families(self) -> tuple[Family, ...]:
        return families_of(self.event_types)

    @property
    def made_by_app(self) -> bool:
        return not self.authority

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Subscription:
        """From the API's camelCase JSON (snake_case keys are accepted too)."""

        def get(camel: str, snake: str) -> Any:
            value = data.get(camel)
            return data.get(snake) if value is None else value

        options = get("payloadOptions", "payload_options") or {}
        endpoint = get("notificationEndpoint", "notification_endpoint") or {}
        types = get("eventTypes", "event_types") or ()
        return cls(
            name=str(data.get("name") or ""),
            target=str(get("targetResource", "target_resource") or ""),
            event_types=tuple(str(t) for t in types),
            include_resource=bool(
                options.get("includeResource", options.get("include_resource", False))
            ),
            field_mask=str(options.get("fieldMask", options.get("field_mask", "")) or ""),
            topic=str(endpoint.get("pubsubTopic", endpoint.get("pubsub_topic", "")) or ""),
            state=str(data.get("state") or ""),
            suspension_reason=str(get("suspensionReason", "suspension_reason") or ""),
            authority=str(
                get("authority", "authority") or get("userAuthority", "user_authority") or ""
            ),
            service_account_authority=str(
                get("serviceAccountAuthority", "service_account_authority") or ""
            ),
            expire_time=_time(get("expireTime", "expire_time")),
            create_time=_time(get("createTime", "create_time")),
            update_time=_time(get("updateTime", "update_time")),
            etag=str(data.get("etag") or ""),
            uid=str(data.get("uid") or ""),
            reconciling=bool(data.get("reconciling", False)),
            raw=MappingProxyType(dict(data)),
        )


def subscription_body(
    *,
    target: str,
    event_types: Sequence[str],
    topic: str,
    include_resource: bool = True,
    field_mask: str = "",
    ttl: timedelta | None = None,
) -> dict[str, Any]:
    """The ``Subscription`` JSON ``create`` takes."""
    if not event_types:
        raise ValueError("a subscription needs at least one event type")
    options: dict[str, Any] = {"includeResource": include_resource}
    if field_mask and include_resource:
        options["fieldMask"] = field_mask
    body: dict[str, Any] = {
        "targetResource": target,
        "eventTypes": list(event_types),
        "notificationEndpoint": {"pubsubTopic": topic},
        "payloadOptions": options,
    }
    body["ttl"] = duration(ttl)
    return body


def duration(ttl: timedelta | None) -> str:
    """A ``google.protobuf.Duration`` string; ``None`` or zero is ``"0s"`` (the maximum)."""
    if ttl is None:
        return MAX_TTL
    seconds = ttl.total_seconds()
    if seconds < 0:
        raise ValueError("a TTL cannot be negative")
    whole = int(seconds)
    return f"{whole}s" if whole == seconds else f"{seconds:.6f}".rstrip("0") + "s"


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
        found = [s for s in self.list(ALL_CHAT_EVENT_TYPES, target) if s.target == target]
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
