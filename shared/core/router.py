"""Bind handlers to commands, messages, card actions, dialogs and space events.

    router = Router()

    @router.command("/remind", command_id=2, description="Set a reminder")
    def remind(event: CommandEvent, ctx: Context) -> Response: ...

A router knows nothing about HTTP or wire formats: ``resolve`` takes a typed
event and returns the handler to call, or ``None``. Routers compose with
``include``; a conflict (the same command name or ID, action, dialog or
space handler twice) is an error at start-up, never "the first one wins".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shared.chat.events.models import CommandEvent, Event

#: ``handler(event, ctx)``; ``ctx`` is a ``shared.core.context.Context``.
Handler = Callable[..., Any]
F = TypeVar("F", bound=Callable[..., Any])


class RouteConflict(ValueError):
    """Two handlers claim the same command, ID, action or event."""


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


def command_name(name: str) -> str:
    """``/help`` for ``help`` or ``/help``; ``ValueError`` for anything but one word."""
    name = name.strip()
    if not name or any(c.isspace() for c in name) or name == "/":
        raise ValueError(f"command name {name!r} must be one word such as '/help'")
    return name if name.startswith("/") else "/" + name


class Router:
    """A table of handlers for interaction events."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._messages: list[_MessageRoute] = []
        self._added: list[Handler] = []
        self._removed: list[Handler] = []
        # Keyed tables, by the event kind they serve.
        self._keyed: dict[str, dict[str, Handler]] = {
            "action": {},
            "dialog_submit": {},
            "dialog_cancel": {},
            "widget_update": {},
        }
        self._lookups = self._lookup_table()

    # --- registration -------------------------------------------------------

    def command(
        self, name: str, *, command_id: int | None = None, description: str = "", usage: str = ""
    ) -> Callable[[F], F]:
        """Handle a slash or quick command by name and, when configured, by ID."""
        key = command_name(name)

        def register(handler: F) -> F:
            self._add_command(CommandSpec(key, command_id, description, usage, handler))
            return handler

        return register

    def _add_command(self, spec: CommandSpec) -> None:
        if spec.name in self._commands:
            raise RouteConflict(f"command {spec.name} is registered twice")
        if spec.command_id is not None:
            for other in self._commands.values():
                if other.command_id == spec.command_id:
                    raise RouteConflict(
                        f"commands {other.name} and {spec.name} both claim ID {spec.command_id}"
                    )
        self._commands[spec.name] = spec

    def message(
        self, pattern: str | None = None, *, flags: int = re.IGNORECASE
    ) -> Callable[[F], F]:
        """Handle messages whose argument text matches ``pattern`` (all, if None)."""
        compiled = re.compile(pattern, flags) if pattern is not None else None

        def register(handler: F) -> F:
            self._add_message(_MessageRoute(compiled, handler))
            return handler

        return register

    def _add_message(self, route: _MessageRoute) -> None:
        for other in self._messages:
            same = (other.pattern is None and route.pattern is None) or (
                other.pattern is not None
                and route.pattern is not None
                and other.pattern.pattern == route.pattern.pattern
            )
            if same:
                what = route.pattern.pattern if route.pattern else "every message"
                raise RouteConflict(f"two message handlers for {what!r}")
        self._messages.append(route)

    def added(self, handler: F) -> F:
        """Run when the app is added to a space or DM; every registered one runs, in order.

        The first to return an answer (the welcome card) is the reply; the others
        act on the side (such as resuming a space's paused reminders) and return None.
        """
        if handler not in self._added:
            self._added.append(handler)
        return handler

    def removed(self, handler: F) -> F:
        """Run when the app is removed from a space; every registered one runs."""
        self._removed.append(handler)
        return handler

    def action(self, function: str) -> Callable[[F], F]:
        """Handle a card button (and ``OPEN_DIALOG`` requests) by function name."""
        return self._register("action", function)

    def dialog_submit(self, function: str) -> Callable[[F], F]:
        """Handle a button pressed inside a dialog."""
        return self._register("dialog_submit", function)

    def dialog_cancel(self, function: str = "*") -> Callable[[F], F]:
        """Handle a dialog closed by its close icon (``*`` for any dialog)."""
        return self._register("dialog_cancel", function)

    def widget_update(self, function: str) -> Callable[[F], F]:
        """Handle autocomplete for the widget whose action is ``function``."""
        return self._register("widget_update", function)

    def _register(self, table: str, key: str) -> Callable[[F], F]:
        if not key:
            raise ValueError(f"{table.replace('_', ' ')} needs a function name")

        def register(handler: F) -> F:
            handlers = self._keyed[table]
            if key in handlers:
                raise RouteConflict(f"{table.replace('_', ' ')} {key!r} is registered twice")
            handlers[key] = handler
            return handler

        return register

    def include(self, other: Router) -> None:
        """Merge another router's routes into this one (conflicts raise ``RouteConflict``)."""
        for spec in other._commands.values():
            self._add_command(spec)
        for route in other._messages:
            self._add_message(route)
        for table, handlers in other._keyed.items():
            for key, handler in handlers.items():
                self._register(table, key)(handler)
        for handler in other._added:
            self.added(handler)
        self._removed.extend(other._removed)

    def check_ids(self, configured: Mapping[str, int]) -> None:
        """Refuse configured command IDs (``NUDGE_COMMAND_IDS``) that collide or name nothing."""
        owners: dict[int, str] = {}
        for spec in self._commands.values():
            wanted = configured.get(spec.name, spec.command_id)
            if wanted is None:
                continue
            if wanted in owners:
                raise RouteConflict(
                    f"commands {owners[wanted]} and {spec.name} both have ID {wanted}"
                )
            owners[wanted] = spec.name
        unknown = sorted(set(configured) - set(self._commands))
        if unknown:
            raise RouteConflict(
                "NUDGE_COMMAND_IDS names commands no feature registers: " + ", ".join(unknown)
            )

    # --- lookup -------------------------------------------------------------

    def commands(self) -> Iterator[CommandSpec]:
        """Registered commands in name order (what ``/help`` lists)."""
        return iter(sorted(self._commands.values(), key=lambda spec: spec.name))

    def command_for(
        self, event: CommandEvent, ids: Mapping[str, int] | None = None
    ) -> CommandSpec | None:
        """The command an event names: by its ID when that ID is known, else by name.

        The ID is what Chat's configuration binds a command to, so it wins; the
        name (from the slash-command annotation) serves when no ID is configured,
        as in local runs.
        """
        configured = ids or {}
        if event.command_id is not None:
            for spec in self._commands.values():
                if configured.get(spec.name, spec.command_id) == event.command_id:
                    return spec
        if event.command_name:
            try:
                return self._commands.get(command_name(event.command_name))
            except ValueError:
                return None  # Chat sent a name no command can have
        return None

    def removed_handlers(self) -> tuple[Handler, ...]:
        return tuple(self._removed)

    def resolve(self, event: Event, ids: Mapping[str, int] | None = None) -> Handler | None:
        """The handler for ``event``, by its ``kind``, or ``None`` when nothing is registered."""
        lookup = self._lookups.get(event.kind)
        return lookup(event, ids or {}) if lookup is not None else None

    def _lookup_table(self) -> dict[str, Callable[[Any, Mapping[str, int]], Handler | None]]:
        """How each event kind finds its handler: the one table to extend for a new kind."""
        keyed = self._keyed
        return {
            "command": lambda e, ids: getattr(self.command_for(e, ids), "handler", None),
            "message": lambda e, ids: self._message_handler(e.argument_text),
            "added": lambda e, ids: self._run_added if self._added else None,
            "removed": lambda e, ids: self._run_removed if self._removed else None,
            "action": lambda e, ids: keyed["action"].get(e.function),
            "dialog_request": lambda e, ids: keyed["action"].get(e.function),
            "dialog_submit": lambda e, ids: (
                keyed["dialog_submit"].get(e.function) or keyed["action"].get(e.function)
            ),
            "dialog_cancel": lambda e, ids: (
                keyed["dialog_cancel"].get(e.function) or keyed["dialog_cancel"].get("*")
            ),
            "widget_update": lambda e, ids: keyed["widget_update"].get(e.function),
        }

    def _message_handler(self, text: str) -> Handler | None:
        fallback: Handler | None = None
        for route in self._messages:
            if route.pattern is None:
                fallback = fallback or route.handler
            elif route.pattern.search(text):
                return route.handler
        return fallback

    def _run_added(self, event: Event, ctx: Any) -> Any:
        """Every ``added`` handler; the first answer is the reply, failures raise after all ran."""
        answer: Any = None
        failures: list[Exception] = []
        for handler in self._added:
            try:
                result = handler(event, ctx)
            except Exception as exc:  # noqa: BLE001 - re-raised below once all have run
                failures.append(exc)
                continue
            if answer is None:
                answer = result
        if failures and answer is None:
            raise failures[0]
        return answer

    def _run_removed(self, event: Event, ctx: Any) -> None:
        """Every ``removed`` handler; one failing does not stop the others."""
        failures: list[Exception] = []
        for handler in self._removed:
            try:
                handler(event, ctx)
            except Exception as exc:  # noqa: BLE001 - re-raised below once all have run
                failures.append(exc)
        if failures:
            raise failures[0]
