"""Ready-to-paste handler code for events that nothing handles yet."""

from __future__ import annotations

import keyword
import re

from shared.chat.events.models import CommandEvent, Event

#: Per event kind: (router decorator, its argument, default function name, event class).
_TEMPLATES: dict[str, tuple[str, str, str]] = {
    "message": ("@router.message()", "on_message", "MessageEvent"),
    "added": ("@router.added", "on_added", "AddedToSpaceEvent"),
    "removed": ("@router.removed", "on_removed", "RemovedFromSpaceEvent"),
    "action": ("@router.action({fn!r})", "on_click", "CardClickEvent"),
    "dialog_request": ("@router.action({fn!r})", "open_dialog", "DialogRequestEvent"),
    "dialog_submit": ("@router.dialog_submit({fn!r})", "on_submit", "DialogSubmitEvent"),
    "dialog_cancel": ("@router.dialog_cancel({fn!r})", "on_dialog_cancel", "DialogCancelEvent"),
    "widget_update": ("@router.widget_update({fn!r})", "autocomplete", "WidgetUpdateEvent"),
}


def _identifier(text: str, default: str) -> str:
    """A Python function name from ``text``; ``default`` when none can be made."""
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower()
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        return default
    return name


def _command(event: CommandEvent) -> tuple[str, str, str]:
    name = event.command_name or f"/command{event.command_id or ''}"
    args = repr(name)
    if event.command_id is not None:
        args += f", command_id={event.command_id}"
    # ``on_`` keeps names such as ``help`` or ``list`` from shadowing builtins.
    function = "on_" + _identifier(name, f"command_{event.command_id or 'x'}")
    return f"@router.command({args})", function, "CommandEvent"


def _decorator(event: Event) -> tuple[str, str, str]:
    """(decorator line, function name, event class) for ``event``."""
    if isinstance(event, CommandEvent):
        return _command(event)
    decorator, default, cls = _TEMPLATES.get(event.kind, ("@router.message()", "on_event", ""))
    function_name = str(getattr(event, "function", "") or "")
    fn = function_name or "*"
    name = _identifier(function_name, default) if "{fn" in decorator else default
    return decorator.format(fn=fn), name, cls or type(event).__name__


def handler_hint(event: Event) -> str:
    """Python source for a handler that would take ``event``."""
    decorator, function, cls = _decorator(event)
    return (
        "from shared.chat.events.models import " + cls + "\n"
        "from shared.core.context import Context\n"
        "from shared.chat.responses import Reply, Response\n\n"
        f"{decorator}\n"
        f"def {function}(event: {cls}, ctx: Context) -> Response:\n"
        f'    return Reply("TODO: handle {event.kind}")\n'
    )
