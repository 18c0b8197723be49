"""What a handler answers: one model, rendered later into the request's format.

Handlers return one of these (or a plain ``str``, which means ``Reply(text)``).
``shared.chat.render`` turns it into a legacy ``Message`` JSON or an add-on
action, so a handler never knows which format Chat used.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.chat.cards import Card


@dataclass(frozen=True, slots=True)
class Reply:
    """Post a new message. ``private`` shows it only to the user who acted."""

    text: str = ""
    cards: tuple[Card, ...] = ()
    private: bool = False
    fallback_text: str = ""


@dataclass(frozen=True, slots=True)
class UpdateMessage:
    """Replace the app's message that carried the clicked card."""

    text: str = ""
    cards: tuple[Card, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenDialog:
    """Open a dialog (or move an open one to this card)."""

    card: Card


class DialogStatus(enum.Enum):
    """``google.rpc.Code`` names Chat accepts when a dialog closes."""

    OK = "OK"
    CANCELLED = "CANCELLED"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    INTERNAL = "INTERNAL"
    UNAVAILABLE = "UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class CloseDialog:
    """Close the open dialog, optionally with a toast for the user."""

    status: DialogStatus = DialogStatus.OK
    message: str = ""


@dataclass(frozen=True, slots=True)
class RequestConfig:
    """Ask the user, privately, to authorize or configure at ``url``."""

    url: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One autocomplete item for a selection input."""

    text: str
    value: str = ""
    start_icon_uri: str = ""


@dataclass(frozen=True, slots=True)
class UpdateWidget:
    """Answer an autocomplete (``WIDGET_UPDATED``) with suggestions."""

    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True, slots=True)
class Ack:
    """Acknowledge without replying (``{}``); post later through the API if needed."""


Response = Reply | UpdateMessage | OpenDialog | CloseDialog | RequestConfig | UpdateWidget | Ack
