"""The simulator's heart: it plays Google Chat between the page, the app and the emulator.

A person's message is stored in the emulator (as that person, through the REST API),
then sent to the app as a signed event when Chat would send one: in a DM, for a
configured slash command, or when the app is @mentioned. The app's answer is carried
out as Chat would: a reply is stored in the same thread (as the app), an update
patches the clicked message, a dialog opens in the page, and so on. Every exchange
is recorded for the inspector.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from devkit.web.commands import Command, ask_help
from devkit.web.events import (
    CONFIG_COMPLETE,
    Actor,
    Interaction,
    Person,
    annotate_mentions,
    build_event,
    command_annotation,
    space_json,
)
from devkit.web.exchanges import Exchange, ExchangeLog
from devkit.web.forms import FormError, for_format, form_inputs, read_action
from devkit.web.replies import Answer, read_answer
from devkit.web.textfmt import safe_url
from devkit.web.upstream import AppClient, EmulatorClient, UpstreamError

Json = dict[str, Any]
AUTOCOMPLETE_QUERY = "autocomplete_widget_query"


@dataclass
class Outcome:
    """What the page should show after an action."""

    dialog: Json | None = None
    close_dialog: bool = False
    toast: str = ""
    config_url: str = ""
    suggestions: list[Json] = field(default_factory=list)
    error: str = ""
    exchange: int = 0
    space: str = ""

    def json(self) -> Json:
        return {
            "ok": not self.error,
            "closeDialog": self.close_dialog,
            "toast": self.toast,
            "configUrl": self.config_url,
            "suggestions": self.suggestions,
            "error": self.error,
            "exchange": self.exchange,
            "space": self.space,
        }


@dataclass
class _Context:
    """Where an answer lands: the space, the thread, and the message acted on."""

    actor: Actor
    space: str
    thread: str = ""
    message: str = ""
    in_dialog: bool = False


class Simulator:
    """Google Chat's part: people, spaces, events out, answers carried out."""

    def __init__(
        self,
        emulator: EmulatorClient,
        app: AppClient,
        command_ids: Mapping[str, int],
        log: ExchangeLog | None = None,
    ) -> None:
        self.emulator = emulator
        self.app = app
        self.command_ids = dict(command_ids)
        self.log = log or ExchangeLog()
        self._commands: list[Command] | None = None
        #: Chat's "configuration complete" page; ``WebSimulator`` points it at its own.
        self.config_complete_url = CONFIG_COMPLETE
        self._lock = threading.Lock()

    # --- the directory ------------------------------------------------------------------

    def people(self) -> list[Person]:
        """Every person who has joined a space in the emulator (its seeded users first)."""
        found: dict[str, Person] = {}
        for space in self.emulator.spaces():
            for membership in self.emulator.members(space["name"]):
                member = membership.get("member") or {}
                if member.get("type") == "HUMAN" and membership.get("state") == "JOINED":
                    name = str(member.get("name"))
                    found.setdefault(name, Person(name, str(member.get("displayName") or name)))
        return sorted(found.values(), key=lambda p: p.name)

    def spaces(self, person: Person) -> list[Json]:
        """The spaces and DMs ``person`` has joined."""
        out = []
        for space in self.emulator.spaces():
            members = self.emulator.members(space["name"])
            if any(
                (m.get("member") or {}).get("name") == person.name and m.get("state") == "JOINED"
                for m in members
            ):
                out.append(space)
        return out

    def space(self, name: str) -> Json:
        for space in self.emulator.spaces():
            if space.get("name") == name:
                return space
        raise UpstreamError(f"the emulator has no space {name}")

    # --- acting --------------------------------------------------------------------------

    def send(self, actor: Actor, space_name: str, text: str, thread: str = "") -> Outcome:
        """``actor`` types ``text`` into ``space_name`` (in ``thread``, when replying)."""
        text = text.strip()
        if not text:
            return Outcome(error="Type a message first.")
        space = self.space(space_name)
        spelled, mentions = annotate_mentions(text, self.people())
        command = self._command(spelled)
        person = actor.person

        def token() -> str:
            return self.emulator.user_token(person.name, person.display_name)

        stored = self.emulator.create_message(space_name, {"text": spelled}, token, thread)
        app_mentioned = any(a["userMention"]["user"]["type"] == "BOT" for a in mentions)
        is_dm = space.get("spaceType") == "DIRECT_MESSAGE"
        if command is None and not (is_dm or app_mentioned):
            return Outcome(toast="Sent. Nudge only hears DMs, slash commands and @Nudge.")
        message = dict(stored)
        annotations = list(mentions)
        if command is not None:
            annotations.insert(0, command_annotation(command.name, command.id))
            message["slashCommand"] = {"commandId": str(command.id)}
            message["argumentText"] = spelled[len(command.name) :]
        else:
            message["argumentText"] = _without_app_mentions(spelled, mentions)
        message["annotations"] = annotations
        what = Interaction(
            kind="APP_COMMAND" if command is not None else "MESSAGE",
            space=space_json(space),
            message=message,
            command_id=command.id if command is not None else None,
        )
        title = f"{what.kind} {command.name if command else _short(spelled)}"
        context = _Context(actor, space_name, _thread_of(stored), str(stored.get("name", "")))
        return self._exchange(title, actor, what, context)

    def click(
        self,
        actor: Actor,
        space_name: str,
        message_name: str,
        action: Any,
        fields: Any,
        in_dialog: bool = False,
    ) -> Outcome:
        """``actor`` clicks a button (or submits the open dialog) on ``message_name``."""
        try:
            function, parameters, interaction = read_action(action)
            function, parameters, note = for_format(function, parameters, actor.format)
            inputs = form_inputs(fields, ZoneInfo(actor.zone))
        except FormError as exc:
            return Outcome(error=str(exc))
        space = self.space(space_name)
        message = self.emulator.message(message_name) if message_name else None
        dialog = ""
        if in_dialog:
            dialog = "SUBMIT_DIALOG"
        elif interaction == "OPEN_DIALOG":
            dialog = "REQUEST_DIALOG"
        what = Interaction(
            kind="CARD_CLICKED",
            space=space_json(space),
            message=message,
            function=function,
            parameters=parameters,
            form_inputs=inputs,
            dialog=dialog,
        )
        title = f"CARD_CLICKED {parameters.get('actionName') or function}"
        if dialog:
            title += f" ({dialog})"
        context = _Context(actor, space_name, _thread_of(message), message_name, in_dialog)
        return self._exchange(title, actor, what, context, note)

    def cancel_dialog(
        self, actor: Actor, space_name: str, message_name: str, action: Any
    ) -> Outcome:
        """The dialog's close icon: ``CANCEL_DIALOG``; the dialog closes whatever the answer."""
        try:
            function, parameters, _ = read_action(action)
            function, parameters, note = for_format(function, parameters, actor.format)
        except FormError:
            function, parameters, note = "", {}, "the dialog had no button to name"
        message = self.emulator.message(message_name) if message_name else None
        what = Interaction(
            kind="CARD_CLICKED",
            space=space_json(self.space(space_name)),
            message=message,
            function=function,
            parameters=parameters,
            dialog="CANCEL_DIALOG",
        )
        context = _Context(actor, space_name, _thread_of(message), message_name, True)
        outcome = self._exchange("CARD_CLICKED (CANCEL_DIALOG)", actor, what, context, note)
        outcome.dialog = None
        outcome.close_dialog = True
        return outcome

    def widget_update(
        self,
        actor: Actor,
        space_name: str,
        message_name: str,
        action: Any,
        query: str,
        fields: Any,
    ) -> Outcome:
        """Typing into an autocomplete field: ``WIDGET_UPDATED`` with the query."""
        try:
            function, parameters, _ = read_action(action)
            function, parameters, note = for_format(function, parameters, actor.format)
            inputs = form_inputs(fields, ZoneInfo(actor.zone))
        except FormError as exc:
            return Outcome(error=str(exc))
        message = self.emulator.message(message_name) if message_name else None
        what = Interaction(
            kind="WIDGET_UPDATED",
            space=space_json(self.space(space_name)),
            message=message,
            function=function,
            parameters={**parameters, AUTOCOMPLETE_QUERY: query},
            form_inputs=inputs,
        )
        context = _Context(actor, space_name, _thread_of(message), message_name)
        return self._exchange(f"WIDGET_UPDATED {query!r}", actor, what, context, note)

    def open_dm(self, actor: Actor) -> Outcome:
        """The person's DM with Nudge; made (with ``ADDED_TO_SPACE``) the first time."""
        for space in self.spaces(actor.person):
            if space.get("spaceType") == "DIRECT_MESSAGE" and space.get("singleUserBotDm"):
                return Outcome(space=str(space["name"]))
        name = f"spaces/DM-{actor.person.name.removeprefix('users/')}"
        spec = {"name": name, "spaceType": "DIRECT_MESSAGE", "members": [actor.person.name]}
        space = self.emulator.add_space({**spec, "singleUserBotDm": True})
        what = Interaction(kind="ADDED_TO_SPACE", space=space_json(space))
        outcome = self._exchange("ADDED_TO_SPACE (new DM)", actor, what, _Context(actor, name))
        outcome.space = name
        return outcome

    def forget(self) -> None:
        """Ask for the command list again, and register tokens again, on next use."""
        with self._lock:
            self._commands = None
        self.emulator.forget_tokens()

    # --- commands ------------------------------------------------------------------------

    def _command(self, text: str) -> Command | None:
        name = text.split(maxsplit=1)[0] if text.startswith("/") else ""
        if name not in self.command_ids:
            return None
        return Command(name, self.command_ids[name])

    def commands(self, actor: Actor, refresh: bool = False) -> list[Command]:
        """The configured slash commands, described by the app's own ``/help`` card.

        Asked once (a signed ``/help`` event whose answer is read, not posted).
        """
        with self._lock:
            if self._commands is not None and not refresh:
                return self._commands
        described: dict[str, tuple[str, str]] = {}
        if "/help" in self.command_ids:
            described = self._ask_help(actor)
        found = [
            Command(name, command_id, *described.get(name, ("", "")))
            for name, command_id in sorted(self.command_ids.items(), key=lambda i: i[1])
        ]
        with self._lock:
            self._commands = found
        return found

    def _ask_help(self, actor: Actor) -> dict[str, tuple[str, str]]:
        spaces = self.spaces(actor.person)
        if not spaces:
            return {}
        space = space_json(spaces[0])
        return ask_help(
            self.app, self.log, actor, space, self.command_ids, self.config_complete_url
        )

    # --- carrying out answers --------------------------------------------------------------

    def _exchange(
        self, title: str, actor: Actor, what: Interaction, context: _Context, note: str = ""
    ) -> Outcome:
        what.redirect = self.config_complete_url
        delivery = self.app.deliver(build_event(actor, what))
        if note:
            delivery.notes.append(note)
        exchange = self.log.record(title, actor.person.name, actor.format, delivery)
        if delivery.error or delivery.body is None:
            return Outcome(error=delivery.error or "no answer", exchange=exchange.id)
        answer = read_answer(delivery.body)
        exchange.outcome = answer.kind + (f" ({answer.detail})" if answer.detail else "")
        try:
            outcome = self._carry_out(answer, context, exchange)
        except UpstreamError as exc:
            self.log.note(exchange, f"the emulator refused: {exc.message}")
            outcome = Outcome(error=f"Chat would refuse the app's answer: {exc.message}")
        outcome.exchange = exchange.id
        return outcome

    def _carry_out(self, answer: Answer, context: _Context, exchange: Exchange) -> Outcome:
        closing = context.in_dialog
        if answer.kind == "message" and answer.message is not None:
            posted = self.emulator.create_message(
                context.space, answer.message, self.emulator.app_token, context.thread
            )
            self.log.note(exchange, f"posted {posted.get('name')} as the app")
            return Outcome(close_dialog=closing)
        if answer.kind == "update" and answer.message is not None:
            if not context.message:
                return Outcome(error="The app answered UPDATE_MESSAGE to no click.")
            self.emulator.update_message(context.message, answer.message, self.emulator.app_token)
            self.log.note(exchange, f"updated {context.message} in place")
            return Outcome(close_dialog=closing)
        if answer.kind == "dialog":
            return Outcome(dialog=answer.dialog, toast=answer.toast)
        if answer.kind == "close":
            toast = answer.toast
            if answer.status not in ("", "OK"):
                toast = f"{answer.status}: {toast}" if toast else answer.status
            return Outcome(close_dialog=True, toast=toast)
        if answer.kind == "toast":
            return Outcome(toast=answer.toast)
        if answer.kind == "config":
            url = safe_url(answer.url)
            if url is None:
                return Outcome(error=f"The app's configuration URL is not http(s): {answer.url!r}")
            return Outcome(config_url=url)
        if answer.kind == "suggestions":
            return Outcome(suggestions=answer.suggestions)
        if answer.kind == "unknown":
            return Outcome(error=f"The simulator does not understand this answer: {answer.detail}")
        return Outcome(close_dialog=closing)


def _thread_of(message: Json | None) -> str:
    thread = (message or {}).get("thread")
    return str(thread.get("name") or "") if isinstance(thread, dict) else ""


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _without_app_mentions(text: str, mentions: list[Json]) -> str:
    out = text
    for annotation in sorted(mentions, key=lambda a: a["startIndex"], reverse=True):
        if annotation["userMention"]["user"]["type"] == "BOT":
            start = annotation["startIndex"]
            out = out[:start] + out[start + annotation["length"] :]
    return out
