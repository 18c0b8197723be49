"""Read a legacy Chat interaction event (``DeprecatedEvent``) into an ``Envelope``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from shared.chat.events.fields import (
    KNOWN_TYPES,
    UNMODELLED_TYPES,
    BadEvent,
    Envelope,
    Node,
    UnsupportedEvent,
)
from shared.chat.events.models import EventFormat

#: Top-level keys never kept in ``Event.raw`` (the static verification token).
_SECRET_KEYS = ("token",)


def read_legacy(root: Node) -> Envelope:
    """The envelope of a legacy event; ``BadEvent`` or ``UnsupportedEvent`` otherwise."""
    kind = root.text("type").strip()
    if not kind:
        raise BadEvent("The event has no type", "type")
    if kind in UNMODELLED_TYPES:
        raise UnsupportedEvent(kind)
    if kind not in KNOWN_TYPES:
        raise BadEvent(f"Unknown event type {kind[:40]!r}", "type")

    common = root.obj("common")
    function, parameters = _action(root, common)
    return Envelope(
        format=EventFormat.LEGACY,
        kind=kind,
        payload=root,
        user=root.require("user", "user"),
        space=root.require("space", "space"),
        common=common,
        event_time=root.timestamp("eventTime"),
        thread_key=root.text("threadKey"),
        function=function,
        parameters=parameters,
        is_dialog_event=root.flag("isDialogEvent"),
        dialog_event_type=root.text("dialogEventType"),
        redirect_url=root.opt_text("configCompleteRedirectUrl"),
        raw=_raw(root.data),
    )


def _action(root: Node, common: Node | None) -> tuple[str, dict[str, str]]:
    """The invoked function and its parameters: ``common`` first, then legacy ``action``."""
    action = root.obj("action")
    parameters: dict[str, str] = {}
    function = ""
    if action is not None:
        function = action.text("actionMethodName")
        for item in action.objects("parameters"):
            key = item.text("key")
            if key:
                parameters[key] = item.text("value")
    if common is not None:
        function = common.text("invokedFunction") or function
        parameters.update(common.str_map("parameters"))
    return function, parameters


def _raw(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({k: v for k, v in data.items() if k not in _SECRET_KEYS})
