"""Event families: what a subscription on a Chat space watches, as CloudEvent types and
as the scopes that cover them (a user's, incremental; or the app's ``chat.app.*``); and
the same for a Google Meet space (user auth only, names-only payloads)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

_AUTH = "https://www.googleapis.com/auth/"


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


# --- Google Meet (a Meet space's events, user auth only) ----------------------------------

_MEET = "google.workspace.meet."
#: Every subscribable Meet event type (REFERENCE-calendar §7); payloads carry names only.
MEET_EVENT_TYPES: tuple[str, ...] = (
    f"{_MEET}conference.v2.started",
    f"{_MEET}conference.v2.ended",
    f"{_MEET}participant.v2.joined",
    f"{_MEET}participant.v2.left",
    *(f"{_MEET}{r}.v2.{a}" for r in ("recording", "transcript") for a in ("started", "ended")),
    f"{_MEET}recording.v2.fileGenerated",
    f"{_MEET}transcript.v2.fileGenerated",
)
#: User scopes that cover Meet events; the first is the one Nudge asks for.
MEET_USER_SCOPES: tuple[str, ...] = (
    _AUTH + "meetings.space.readonly",
    _AUTH + "meetings.space.created",
)


def is_meet_type(event_type: str) -> bool:
    return event_type.startswith(_MEET)


def meet_user_scopes_for(granted: Iterable[str] = ()) -> tuple[str, ...]:
    """The Meet scope to act with: one the user granted already, else the read-only one."""
    have = frozenset(granted)
    return (next((s for s in MEET_USER_SCOPES if s in have), MEET_USER_SCOPES[0]),)
