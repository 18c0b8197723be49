"""Read a Workspace add-on event (``commonEventObject`` + ``chat``) into an ``Envelope``.

Exactly one ``chat.<x>Payload`` says what happened. Chat add-ons get no
``commonEventObject.invokedFunction``; Nudge's renderer puts the handler name
in the ``actionName`` parameter instead, which is taken out of ``parameters``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from shared.chat.cards.base import ACTION_NAME_PARAMETER as ACTION_NAME
from shared.chat.events.fields import (
    KNOWN_TYPES,
    UNMODELLED_TYPES,
    BadEvent,
    Envelope,
    Node,
    UnsupportedEvent,
)
from shared.chat.events.models import EventFormat

#: Payload key -> the legacy event type it stands for.
PAYLOAD_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "messagePayload": "MESSAGE",
        "addedToSpacePayload": "ADDED_TO_SPACE",
        "removedFromSpacePayload": "REMOVED_FROM_SPACE",
        "buttonClickedPayload": "CARD_CLICKED",
        "widgetUpdatedPayload": "WIDGET_UPDATED",
        "appCommandPayload": "APP_COMMAND",
    }
)

#: Top-level keys never kept in ``Event.raw``: they hold OAuth and ID tokens.
_SECRET_KEYS = ("authorizationEventObject",)


def is_addon(payload: Mapping[str, Any]) -> bool:
    """Whether ``payload`` is in the add-on shape (also used by App Home events)."""
    return "chat" in payload and "commonEventObject" in payload


def read_addon(root: Node) -> Envelope:
    """The envelope of an add-on event; ``BadEvent`` or ``UnsupportedEvent`` otherwise."""
    chat = root.require("chat", "chat object")
    common = root.require("commonEventObject", "commonEventObject")
    key = _payload_key(chat)
    payload = chat.require(key)

    parameters = common.str_map("parameters")
    function = parameters.pop(ACTION_NAME, "") or common.text("invokedFunction")
    space = payload.obj("space") or chat.require("space", "space")
    return Envelope(
        format=EventFormat.ADDON,
        kind=PAYLOAD_KINDS[key],
        payload=payload,
        user=chat.require("user", "user"),
        space=space,
        common=common,
        event_time=chat.timestamp("eventTime"),
        function=function,
        parameters=parameters,
        is_dialog_event=payload.flag("isDialogEvent"),
        dialog_event_type=payload.text("dialogEventType"),
        redirect_url=payload.opt_text("configCompleteRedirectUri"),
        raw=MappingProxyType({k: v for k, v in root.data.items() if k not in _SECRET_KEYS}),
    )


def _payload_key(chat: Node) -> str:
    """The one known ``*Payload`` key present in ``chat``."""
    present = [k for k, v in chat.data.items() if k.endswith("Payload") and v is not None]
    known = [k for k in present if k in PAYLOAD_KINDS]
    if len(known) > 1:
        raise BadEvent("The event has more than one payload: " + ", ".join(sorted(known)), "chat")
    if known:
        return known[0]
    if present:
        raise UnsupportedEvent(present[0][:60])
    chat_type = chat.text("type").strip()
    if chat_type in UNMODELLED_TYPES:
        # App Home and SUBMIT_FORM arrive in this shape, even for legacy apps.
        raise UnsupportedEvent(chat_type)
    if chat_type and chat_type not in KNOWN_TYPES:
        raise BadEvent(f"Unknown event type {chat_type[:40]!r}", "chat.type")
    raise BadEvent("The event has no payload (such as chat.messagePayload)", "chat")
