"""What a subscriptions request may ask for (REFERENCE §5): targets, event types and their
scopes, topics, lifetimes, update masks, list filters and page sizes; 400/403/404 otherwise.

Meet spaces (``//meet.googleapis.com/spaces/{id}``, REFERENCE-calendar §7) take the
``google.workspace.meet.*`` types with user auth and ``meetings.space.readonly`` or
``meetings.space.created``, names only. Our reading: this emulator does not hold Meet
spaces (the Calendar emulator does), so any well-formed Meet space is accepted; a
``payloadOptions.includeResource`` of true on one is refused (Meet events have no
resource data).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from devkit.emulator.auth import APP_USER, Principal
from devkit.emulator.errors import INSUFFICIENT_SCOPES, ApiError, denied, invalid, not_found
from devkit.emulator.state import State, parse_rfc3339
from devkit.emulator.workspace_events.model import (
    CHAT_EVENTS,
    CHAT_TARGET,
    MEET_EVENTS,
    MEET_TARGET,
    PEOPLE_TARGET,
    Json,
)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

FAMILY_TYPES: dict[str, tuple[str, ...]] = {
    "message": tuple(f"{CHAT_EVENTS}message.v1.{a}" for a in ("created", "updated", "deleted")),
    "membership": tuple(
        f"{CHAT_EVENTS}membership.v1.{a}" for a in ("created", "updated", "deleted")
    ),
    "reaction": tuple(f"{CHAT_EVENTS}reaction.v1.{a}" for a in ("created", "deleted")),
    "space": tuple(f"{CHAT_EVENTS}space.v1.{a}" for a in ("updated", "deleted")),
    "meet": (
        *(f"{MEET_EVENTS}conference.v2.{a}" for a in ("started", "ended")),
        *(f"{MEET_EVENTS}participant.v2.{a}" for a in ("joined", "left")),
        *(
            f"{MEET_EVENTS}{kind}.v2.{a}"
            for kind in ("recording", "transcript")
            for a in ("started", "ended", "fileGenerated")
        ),
    ),
}
SUBSCRIBABLE = {t: family for family, types in FAMILY_TYPES.items() for t in types}
#: Scopes that cover each family (REFERENCE §5.4), short names.
USER_SCOPES: dict[str, tuple[str, ...]] = {
    "message": ("chat.messages", "chat.messages.readonly"),
    "reaction": (
        "chat.messages.reactions",
        "chat.messages.reactions.readonly",
        "chat.messages",
        "chat.messages.readonly",
    ),
    "membership": ("chat.memberships", "chat.memberships.readonly"),
    "space": ("chat.spaces", "chat.spaces.readonly"),
    "meet": ("meetings.space.readonly", "meetings.space.created"),
}
APP_SCOPES: dict[str, tuple[str, ...]] = {
    "message": ("chat.app.messages.readonly",),
    "reaction": ("chat.app.messages.readonly",),
    "membership": ("chat.app.memberships", "chat.app.memberships.readonly"),
    "space": ("chat.app.spaces", "chat.app.spaces.readonly"),
    "meet": (),  # the chat.app.* route is Chat-only
}
_TOPIC = re.compile(r"projects/[^/]+/topics/[^/]+")
_DURATION = re.compile(r"(\d+)(\.\d{1,9})?s")
_MASK_PATHS = {
    "ttl": "ttl",
    "expire_time": "expireTime",
    "expireTime": "expireTime",
    "event_types": "eventTypes",
    "eventTypes": "eventTypes",
}
_EVENT_TYPES_CLAUSE = re.compile(r'event_types\s*:\s*"([^"]*)"')
_TARGET_CLAUSE = re.compile(r'target_resource\s*=\s*"([^"]*)"')


def precondition(message: str) -> ApiError:
    return ApiError(400, message, "FAILED_PRECONDITION")


def check_target(state: State, principal: Principal, target: str) -> str:
    """``target`` if ``principal`` may subscribe to it; 400, 403 or 404 otherwise."""
    if not target:
        raise invalid("target_resource is required.")
    if target.startswith(PEOPLE_TARGET):
        if principal.is_app:
            raise invalid("Chat apps can't subscribe to user events.")
        return target
    if target.startswith(MEET_TARGET):
        parts = target.removeprefix(MEET_TARGET).split("/")
        if len(parts) != 2 or parts[0] != "spaces" or not parts[1] or parts[1] == "-":
            raise invalid(
                f"Invalid target resource {target!r}: expected "
                "//meet.googleapis.com/spaces/{space}."
            )
        if principal.is_app:
            raise invalid("Meet events need user authentication.")
        return target
    rest = target.removeprefix(CHAT_TARGET)
    parts = rest.split("/")
    if rest == target or len(parts) != 2 or parts[0] != "spaces" or not parts[1]:
        raise invalid(
            f"Invalid target resource {target!r}: expected //chat.googleapis.com/spaces/{{space}}."
        )
    if parts[1] == "-":
        if principal.is_app:
            raise invalid("//chat.googleapis.com/spaces/- needs user authentication.")
        return target
    problem = access_problem(state, principal, rest)
    if problem == "missing":
        raise not_found(f"Space {rest} not found.")
    if problem:
        raise denied()
    return target


def access_problem(state: State, principal: Principal, target: str) -> str:
    """ "" if the principal can see the target space, else why not."""
    space = target.removeprefix(CHAT_TARGET)
    if not space.startswith("spaces/") or space == "spaces/-":
        return ""
    if space not in state.spaces:
        return "missing"
    who = APP_USER if principal.is_app else principal.user
    member = state.membership_of(space, who)
    if member is None or member.state != "JOINED":
        return "the authorizing principal is not a member of the space"
    return ""


def event_types(raw: Any, target: str = "") -> list[str]:
    """The requested event types, deduplicated; 400 if none, or one is not subscribable
    (on ``target``: Chat types on a Chat space, Meet types on a Meet space)."""
    types = [str(t) for t in raw or []]
    if not types:
        raise invalid("event_types is required: at least one event type.")
    for event_type in types:
        family = SUBSCRIBABLE.get(event_type)
        if family is None or not _fits(target, family):
            raise invalid(
                f"Invalid event type {event_type!r}: it is not a supported event type for "
                "the target resource (lifecycle and batch types are delivered without "
                "being listed)."
            )
    return list(dict.fromkeys(types))


def _fits(target: str, family: str) -> bool:
    if target.startswith(MEET_TARGET):
        return family == "meet"
    if target.startswith(CHAT_TARGET):
        return family != "meet"
    return True


def check_payload(target: str, include_resource: bool) -> None:
    """400 for resource data on a Meet space (our reading: its events carry names only)."""
    if include_resource and target.startswith(MEET_TARGET):
        raise invalid("payload_options are only supported for Google Chat events.")


def check_family_scopes(principal: Principal, types: list[str]) -> None:
    """403 unless ``principal`` holds a scope covering each family of ``types``."""
    table = APP_SCOPES if principal.is_app else USER_SCOPES
    for family in dict.fromkeys(SUBSCRIBABLE[t] for t in types):
        if not table[family] or not principal.has_scope(*table[family]):
            raise denied(INSUFFICIENT_SCOPES)


def topic(body: Json) -> str:
    """The notification endpoint's Pub/Sub topic; 400 unless ``projects/P/topics/T``."""
    found = str((body.get("notificationEndpoint") or {}).get("pubsubTopic") or "")
    if not _TOPIC.fullmatch(found):
        raise invalid(
            "notification_endpoint.pubsub_topic must be projects/{project}/topics/{topic}."
        )
    return found


def expiry(
    body: Json, now: dt.datetime, lifetime: dt.timedelta, *, only: bool | None = None
) -> dt.datetime:
    """When the subscription ``body`` asks for expires: ``ttl`` (``only=True``), ``expireTime``
    (``only=False``) or either; unset or ``0s`` is ``now + lifetime``, longer is 400."""
    ttl, expire_time = body.get("ttl"), body.get("expireTime")
    if only is True:
        expire_time = None
    elif only is False:
        ttl = None
    if ttl is not None and expire_time is not None:
        raise invalid("Set ttl or expire_time, not both.")
    if expire_time is not None:
        try:
            when = parse_rfc3339(str(expire_time))
        except ValueError:
            raise invalid(f"Invalid expire_time {expire_time!r}.") from None
        if when <= now:
            raise invalid("expire_time must be in the future.")
        if when > now + lifetime:
            raise invalid(f"expire_time is beyond the maximum lifetime ({lifetime}).")
        return when
    if ttl is None:
        return now + lifetime
    found = _DURATION.fullmatch(str(ttl))
    if not found:
        raise invalid(f'Invalid ttl {ttl!r}: expected a duration such as "3600s".')
    seconds = float(found.group(1) + (found.group(2) or ""))
    if seconds == 0:
        return now + lifetime
    if dt.timedelta(seconds=seconds) > lifetime:
        raise invalid(f"ttl is beyond the maximum lifetime ({int(lifetime.total_seconds())}s).")
    return now + dt.timedelta(seconds=seconds)


def update_mask(raw: Any, body: Json) -> set[str]:
    """The fields a patch changes (camelCase): its ``updateMask``, else what ``body`` sets."""
    if raw is None or not str(raw).strip():
        fields: set[str] = {k for k in ("ttl", "expireTime", "eventTypes") if k in body}
        if not fields:
            raise invalid("update_mask is required (ttl, expire_time or event_types).")
        return fields
    out: set[str] = set()
    for part in str(raw).split(","):
        path = part.strip()
        if path == "*":
            out |= {k for k in ("ttl", "expireTime") if k in body} | {"eventTypes"}
            continue
        if path not in _MASK_PATHS:
            raise invalid(
                f"Invalid update_mask path {path!r}: only ttl, expire_time and event_types "
                "can be updated."
            )
        out.add(_MASK_PATHS[path])
    if {"ttl", "expireTime"} <= out:
        raise invalid("update_mask may name ttl or expire_time, not both.")
    return out


def page_size(query: Json) -> int:
    """``pageSize``: unset or 0 is the default, capped at the maximum; 400 if negative."""
    size = int(query.get("pageSize") or 0)
    if size < 0:
        raise invalid("page_size must not be negative.")
    return min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def parse_filter(text: str) -> tuple[set[str], str | None]:
    """``(event types, target)`` of a list filter; 400 for anything else.

    Accepted: ``event_types:"T"`` clauses joined by ``OR`` (in parentheses or not)
    and at most one ``target_resource="R"``, joined by ``AND``.
    """
    if not text.strip():
        raise invalid('filter is required: at least one event_types:"…" clause.')
    types: set[str] = set()
    target: str | None = None
    for part in re.split(r"\s+AND\s+", text.strip()):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        if found := _TARGET_CLAUSE.fullmatch(part):
            if target is not None:
                raise invalid(f"Invalid filter {text!r}: only one target_resource.")
            target = found.group(1)
            continue
        alternatives = re.split(r"\s+OR\s+", part)
        for alternative in alternatives:
            found = _EVENT_TYPES_CLAUSE.fullmatch(alternative.strip())
            if not found:
                raise invalid(f"Invalid filter {text!r}.")
            if found.group(1) not in SUBSCRIBABLE:
                raise invalid(f"Invalid filter {text!r}: unknown event type {found.group(1)!r}.")
            types.add(found.group(1))
    if not types:
        raise invalid(f'Invalid filter {text!r}: at least one event_types:"…" clause is required.')
    return types, target
