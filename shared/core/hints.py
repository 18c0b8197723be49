"""Ready-to-paste handler code for events that nothing handles yet."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

from shared.chat.events.models import CommandEvent, Event

#: Per event kind: (router decorator, default function name, event class).
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
#: Names the pasted module already uses (or Python does): a handler must not shadow them.
_TAKEN = frozenset(dir(builtins)) | {
    "router",
    "feature",
    "ctx",
    "event",
    "Context",
    "Reply",
    "Response",
    "Feature",
    "Router",
}


def slug(text: str) -> str:
    """``text`` as lower-case ``a_z0_9`` words (accents folded); "" when nothing is left."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", "_", folded.lower()).strip("_")


def function_name(text: str, default: str) -> str:
    """A Python function name from ``text`` that shadows nothing; ``default`` when empty."""
    name = slug(text)
    if not name:
        return default
    if name[0].isdigit() or keyword.iskeyword(name) or name in _TAKEN:
        return "on_" + name
    return name


def _command(event: CommandEvent) -> tuple[str, str, str]:
    # Chat's command IDs run from 1; 0 or none means no ID was configured.
    command_id = event.command_id if event.command_id else None
    fallback = "command" if command_id is None else f"command_{command_id}"
    name = event.command_name or "/" + fallback
    args = repr(name) + (f", command_id={command_id}" if command_id is not None else "")
    # ``on_`` keeps names such as ``help`` or ``list`` from shadowing builtins.
    function = "on_" + (slug(event.command_name or "") or fallback)
    return f"@router.command({args})", function, "CommandEvent"


def _decorator(event: Event) -> tuple[str, str, str]:
    """(decorator line, function name, event class) for ``event``."""
    if isinstance(event, CommandEvent):
        return _command(event)
    decorator, default, cls = _TEMPLATES.get(event.kind, ("@router.message()", "on_event", ""))
    invoked = str(getattr(event, "function", "") or "")
    fn = invoked or "*"
    name = function_name(invoked, default) if "{fn" in decorator else default
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
