"""A subscription on the wire: the typed ``Subscription`` read from the Workspace Events
API's JSON, and the JSON its ``create``, ``patch`` (TTL) and ``list`` (filter) take."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from shared.chat.events.fields import BadEvent, to_datetime
from shared.workspace.families import Family, families_of
from shared.workspace.targets import space_of_target

#: ``ttl`` meaning "the longest lifetime allowed".
MAX_TTL = "0s"
#: Lifetimes the API allows (REFERENCE §5.2): names only, and with the resource.
MAX_LIFETIME_NAMES_ONLY = timedelta(days=7)
MAX_LIFETIME_WITH_RESOURCE = timedelta(hours=4)


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
