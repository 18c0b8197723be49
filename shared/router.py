"""Bind handlers to commands, messages, card actions, dialogs and space events.

    router = Router()

    @router.command("/remind", command_id=2, description="Set a reminder")
    def remind(event: CommandEvent, ctx: Context) -> Response: ...

A router knows nothing about HTTP or wire formats: ``resolve`` takes a typed
event and returns the handler to call, or ``None``. Routers compose with
``include`` so each feature keeps its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

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

if TYPE_CHECKING:
    from shared.context import Context

Handler = Callable[[Any, "Context"], Any]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A registered command, as ``/help`` lists it."""

    name: str
    command_id: int | None
    description: str
    usage: str
    handler: Handler = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class _MessageRoute:
    pattern: re.Pattern[str] | None
    handler: Handler


def _command_name(name: str) -> str:
    name = name.strip()
    if not name or " " in name:
        raise ValueError(f"command name {name!r} must be one word such as '/help'")
    return name if name.startswith("/") else "/" + name


class Router:
    """A table of handlers; the first matching route wins."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._messages: list[_MessageRoute] = []
        self._added: Handler | None = None
        self._removed: Handler | None = None
        self._actions: dict[str, Handler] = {}
        self._dialog_submits: dict[str, Handler] = {}
        self._dialog_cancels: dict[str, Handler] = {}
        self._widget_updates: dict[str, Handler] = {}

    # --- registration -------------------------------------------------------

    def command(
        self, name: str, *, command_id: int | None = None, description: str = "", usage: str = ""
    ) -> Callable[[F], F]:
        """Handle a slash or quick command by name and, when configured, by ID."""
        key = _command_name(name)

        def register(handler: F) -> F:
            if key in self._commands:
                raise ValueError(f"command {key} is already registered")
            self._commands[key] = CommandSpec(key, command_id, description, usage, handler)
            return handler

        return register

    def message(
        self, pattern: str | None = None, *, flags: int = re.IGNORECASE
    ) -> Callable[[F], F]:
        """Handle messages whose argument text matches ``pattern`` (all, if None)."""
        compiled = re.compile(pattern, flags) if pattern is not None else None

        def register(handler: F) -> F:
            self._messages.append(_MessageRoute(compiled, handler))
            return handler

        return register

    def added(self, handler: F) -> F:
        """Handle the app being added to a space or DM."""
        self._added = handler
        return handler

    def removed(self, handler: F) -> F:
        """Handle the app being removed from a space (Chat ignores any reply)."""
        self._removed = handler
        return handler

    def action(self, function: str) -> Callable[[F], F]:
        """Handle a card button (and ``OPEN_DIALOG`` requests) by function name."""
        return self._keyed(self._actions, function, "action")

    def dialog_submit(self, function: str) -> Callable[[F], F]:
        """Handle a button pressed inside a dialog."""
        return self._keyed(self._dialog_submits, function, "dialog submit")

    def dialog_cancel(self, function: str = "*") -> Callable[[F], F]:
        """Handle a dialog closed by its close icon (``*`` for any dialog)."""
        return self._keyed(self._dialog_cancels, function, "dialog cancel")

    def widget_update(self, function: str) -> Callable[[F], F]:
        """Handle autocomplete for the widget whose action is ``function``."""
        return self._keyed(self._widget_updates, function, "widget update")

    def include(self, other: Router) -> None:
        """Merge another router's routes into this one (conflicts are errors)."""
        for spec in other._commands.values():
            self.command(
                spec.name,
                command_id=spec.command_id,
                description=spec.description,
                usage=spec.usage,
            )(spec.handler)
        self._messages.extend(other._messages)
        for table, theirs, what in (
            (self._actions, other._actions, "action"),
            (self._dialog_submits, other._dialog_submits, "dialog submit"),
            (self._dialog_cancels, other._dialog_cancels, "dialog cancel"),
            (self._widget_updates, other._widget_updates, "widget update"),
        ):
            for key, handler in theirs.items():
                self._keyed(table, key, what)(handler)
        self._added = other._added or self._added
        self._removed = other._removed or self._removed

    @staticmethod
    def _keyed(table: dict[str, Handler], key: str, what: str) -> Callable[[F], F]:
        if not key:
            raise ValueError(f"{what} needs a function name")

        def register(handler: F) -> F:
            if key in table:
                raise ValueError(f"{what} {key!r} is already registered")
            table[key] = handler
            return handler

        return register

    # --- lookup -------------------------------------------------------------

    def commands(self) -> Iterator[CommandSpec]:
        """Registered commands in name order (what ``/help`` lists)."""
        return iter(sorted(self._commands.values(), key=lambda spec: spec.name))

    def command_for(
        self, event: CommandEvent, ids: dict[str, int] | None = None
    ) -> CommandSpec | None:
        """The command an event names, by name first and then by configured ID."""
        if event.command_name:
            spec = self._commands.get(_command_name(event.command_name))
            if spec is not None:
                return spec
        if event.command_id is None:
            return None
        configured = ids or {}
        for spec in self._commands.values():
            wanted = configured.get(spec.name, spec.command_id)
            if wanted == event.command_id:
                return spec
        return None

    def resolve(self, event: Event, ids: dict[str, int] | None = None) -> Handler | None:
        """The handler for ``event``, or ``None`` when nothing is registered."""
        if isinstance(event, CommandEvent):
            spec = self.command_for(event, ids)
            return spec.handler if spec else None
        if isinstance(event, MessageEvent):
            text = event.argument_text
            fallback: Handler | None = None
            for route in self._messages:
                if route.pattern is None:
                    fallback = fallback or route.handler
                elif route.pattern.search(text):
                    return route.handler
            return fallback
        if isinstance(event, AddedToSpaceEvent):
            return self._added
        if isinstance(event, RemovedFromSpaceEvent):
            return self._removed
        if isinstance(event, DialogSubmitEvent):
            return self._dialog_submits.get(event.function) or self._actions.get(event.function)
        if isinstance(event, DialogCancelEvent):
            return self._dialog_cancels.get(event.function) or self._dialog_cancels.get("*")
        if isinstance(event, WidgetUpdateEvent):
            return self._widget_updates.get(event.function)
        if isinstance(event, CardClickEvent | DialogRequestEvent):
            return self._actions.get(event.function)
        return None
