"""Ready-to-paste handler code for events that nothing handles yet."""

from __future__ import annotations

import re

from shared.events.models import (
    AddedToSpaceEvent,
    CardClickEvent,
    CommandEvent,
    DialogCancelEvent,
    DialogRequestEvent,
    DialogSubmitEvent,
    Event,
    MessageEvent,
    RemovedFromSpaceEvent,
    WidgetUpdateEvent,
)


def _identifier(text: str, default: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower()
    if not name or name[0].isdigit():
        return default
    return name


def _decorator(event: Event) -> tuple[str, str, str]:
    """(decorator line, function name, event class) for ``event``."""
    if isinstance(event, CommandEvent):
        name = event.command_name or f"/command{event.command_id or ''}"
        args = repr(name)
        if event.command_id is not None:
            args += f", command_id={event.command_id}"
        return f"@router.command({args})", _identifier(name, "command"), "CommandEvent"
    if isinstance(event, MessageEvent):
        return "@router.message()", "on_message", "MessageEvent"
    if isinstance(event, AddedToSpaceEvent):
        return "@router.added", "on_added", "AddedToSpaceEvent"
    if isinstance(event, RemovedFromSpaceEvent):
        return "@router.removed", "on_removed", "RemovedFromSpaceEvent"
    if isinstance(event, DialogSubmitEvent):
        fn = event.function
        return f"@router.dialog_submit({fn!r})", _identifier(fn, "on_submit"), "DialogSubmitEvent"
    if isinstance(event, DialogCancelEvent):
        fn = event.function or "*"
        return f"@router.dialog_cancel({fn!r})", "on_dialog_cancel", "DialogCancelEvent"
    if isinstance(event, WidgetUpdateEvent):
        fn = event.function
        return (
            f"@router.widget_update({fn!r})",
            _identifier(fn, "autocomplete"),
            "WidgetUpdateEvent",
        )
    if isinstance(event, DialogRequestEvent):
        fn = event.function
        return f"@router.action({fn!r})", _identifier(fn, "open_dialog"), "DialogRequestEvent"
    if isinstance(event, CardClickEvent):
        fn = event.function
        return f"@router.action({fn!r})", _identifier(fn, "on_click"), "CardClickEvent"
    return "@router.message()", "on_event", type(event).__name__


def handler_hint(event: Event) -> str:
    """Python source for a handler that would take ``event``."""
    decorator, function, cls = _decorator(event)
    return (
        "from shared.events.models import " + cls + "\n"
        "from shared.context import Context\n"
        "from shared.responses import Reply, Response\n\n"
        f"{decorator}\n"
        f"def {function}(event: {cls}, ctx: Context) -> Response:\n"
        f'    return Reply("TODO: handle {event.kind}")\n'
    )
