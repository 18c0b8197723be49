"""A small kit for the reminder scenarios: talk to chat_app as Google Chat would, in either format.

``ChatSession`` sends signed events through the real entry point (``make_harness``)
and reads every answer back into one shape (``Answer``), whatever the format, after
checking it against Google's protos (``strict_message``/``check_addon``). Buttons
come out of the rendered cards and are pressed as Chat would press them: the
function and parameters the card carried, plus the user's time zone.

The few tests at the end check the kit itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from devkit.sample_events import APP_USER, Persona, addon_message_event, legacy_message_event
from shared.services import Services
from shared.wiring import runtime
from tests.scenarios.conftest import ChatHarness
from tests.scenarios.test_events import check_addon, strict_message

COMMAND_IDS = {"/help": 1, "/remind": 5, "/reminders": 6}
SPACE = "spaces/AAAAteam"
ADA = Persona(user_id="111", display_name="Ada Lovelace", email="ada@example.com", space=SPACE)
BOB = Persona(user_id="222", display_name="Bob Stone", email="bob@example.com", space=SPACE)
ADA_DM = Persona(
    user_id="111", display_name="Ada Lovelace", space="spaces/dmAda", space_type="DIRECT_MESSAGE"
)
BOB_DM = Persona(
    user_id="222", display_name="Bob Stone", space="spaces/dmBob", space_type="DIRECT_MESSAGE"
)
BERLIN = "Europe/Berlin"
FORMATS = ["legacy", "addon"]


@dataclass(frozen=True)
class Button:
    """A button as rendered: its label, the function it calls and its parameters."""

    label: str
    function: str
    params: Mapping[str, str]
    opens_dialog: bool = False


@dataclass
class Answer:
    """What chat_app answered, the same for both formats.

    ``kind``: ``new`` (a new message), ``update`` (replace the clicked message),
    ``dialog`` (open or redraw a dialog), ``close`` (close it) or ``ack``.
    """

    kind: str
    message: dict[str, Any] = field(default_factory=dict)
    dialog: dict[str, Any] = field(default_factory=dict)
    toast: str = ""
    status: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    #: The name Chat gives the posted message (a sync reply's body carries none).
    name: str = field(default_factory=lambda: f"{SPACE}/messages/{uuid.uuid4().hex[:11]}")

    @property
    def text(self) -> str:
        return str(self.message.get("text", ""))

    @property
    def private(self) -> bool:
        return "privateMessageViewer" in self.message

    @property
    def cards(self) -> list[dict[str, Any]]:
        if self.kind == "dialog":
            return [self.dialog]
        return [c["card"] for c in self.message.get("cardsV2", [])]

    @property
    def card_ids(self) -> list[str]:
        return [c["cardId"] for c in self.message.get("cardsV2", [])]

    def card_text(self) -> str:
        """Every string in the cards, joined: for "does it say …" assertions."""
        out: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)
            elif isinstance(value, str):
                out.append(value)

        walk(self.cards)
        return "\n".join(out)

    def buttons(self) -> list[Button]:
        found: list[Button] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if "onClick" in value and "action" in value["onClick"]:
                    action = value["onClick"]["action"]
                    params = {p["key"]: p["value"] for p in action.get("parameters", [])}
                    function = params.pop("actionName", action["function"])
                    opens = action.get("interaction") == "OPEN_DIALOG"
                    found.append(Button(value.get("text", ""), function, params, opens))
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(self.cards)
        return found

    def button(self, label: str, **params: str) -> Button:
        """The one button labelled ``label`` whose parameters include ``params``."""
        matches = [
            b
            for b in self.buttons()
            if b.label == label and all(b.params.get(k) == v for k, v in params.items())
        ]
        assert len(matches) == 1, (
            label,
            params,
            [(b.label, dict(b.params)) for b in self.buttons()],
        )
        return matches[0]


def read_answer(body: dict[str, Any], kind: str) -> Answer:
    """Check ``body`` against Google's protos and read it into an ``Answer``."""
    if kind == "legacy":
        strict_message(body)
        action = body.get("actionResponse", {})
        kind_of = action.get("type", "")
        if kind_of == "DIALOG":
            dialog_action = action["dialogAction"]
            if "dialog" in dialog_action:
                return Answer("dialog", dialog=dialog_action["dialog"]["body"], raw=body)
            status = dialog_action["actionStatus"]
            return Answer(
                "close",
                toast=status.get("userFacingMessage", ""),
                status=status["statusCode"],
                raw=body,
            )
        message = {k: v for k, v in body.items() if k != "actionResponse"}
        if kind_of == "UPDATE_MESSAGE":
            return Answer("update", message=message, raw=body)
        return Answer("new" if body else "ack", message=message, raw=body)
    check_addon(body)
    data = body.get("hostAppDataAction", {}).get("chatDataAction", {})
    if "createMessageAction" in data:
        return Answer("new", message=data["createMessageAction"]["message"], raw=body)
    if "updateMessageAction" in data:
        return Answer("update", message=data["updateMessageAction"]["message"], raw=body)
    navigations = body.get("action", {}).get("navigations", [])
    if navigations and "pushCard" in navigations[0]:
        return Answer("dialog", dialog=navigations[0]["pushCard"], raw=body)
    if navigations:
        toast = body["action"].get("notification", {}).get("text", "")
        return Answer("close", toast=toast, status="OK", raw=body)
    assert body == {}, body
    return Answer("ack", raw=body)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def add_mentions(event: dict[str, Any], people: Sequence[Persona], kind: str) -> None:
    """Annotate each ``@Display Name`` in the message as Chat does (``USER_MENTION``)."""
    message = (
        event["message"]
        if kind == "legacy"
        else (event["chat"].get("messagePayload") or event["chat"]["appCommandPayload"])["message"]
    )
    for person in people:
        at = "@" + person.display_name
        start = message["text"].index(at)
        message["annotations"].append(
            {
                "type": "USER_MENTION",
                "startIndex": start,
                "length": len(at),
                "userMention": {"user": person.user, "type": "MENTION"},
            }
        )


def click_event(
    kind: str,
    button: Button,
    persona: Persona,
    *,
    zone: str | None = BERLIN,
    message: Mapping[str, Any] | None = None,
    dialog: str = "",
    form: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The event Chat sends when ``persona`` presses ``button`` (or submits a dialog)."""
    name = f"{persona.space}/messages/{uuid.uuid4().hex[:11]}"
    clicked = dict(message or {"name": name, "sender": APP_USER, "text": ""})
    common: dict[str, Any] = {"hostApp": "CHAT", "userLocale": "en-GB"}
    if zone is not None:
        common["timeZone"] = {"id": zone, "offset": 3_600_000}
    if form:
        common["formInputs"] = dict(form)
    dialog_fields = {"isDialogEvent": True, "dialogEventType": dialog} if dialog else {}
    if kind == "legacy":
        return {
            "type": "CARD_CLICKED",
            "eventTime": _now(),
            "space": persona.space_json,
            "user": persona.user,
            "message": clicked,
            "action": {
                "actionMethodName": button.function,
                "parameters": [{"key": k, "value": v} for k, v in button.params.items()],
            },
            "common": common
            | {"invokedFunction": button.function, "parameters": dict(button.params)},
            **dialog_fields,
        }
    common["parameters"] = {"actionName": button.function, **button.params}
    return {
        "commonEventObject": common,
        "authorizationEventObject": {},
        "chat": {
            "user": persona.user,
            "eventTime": _now(),
            "buttonClickedPayload": {
                "message": clicked,
                "space": persona.space_json,
                **({"isDialogEvent": False} | dialog_fields),
            },
        },
    }


def added_event(kind: str, persona: Persona) -> dict[str, Any]:
    if kind == "legacy":
        return {"type": "ADDED_TO_SPACE", "space": persona.space_json, "user": persona.user}
    return {
        "commonEventObject": {"hostApp": "CHAT"},
        "authorizationEventObject": {},
        "chat": {
            "user": persona.user,
            "eventTime": _now(),
            "addedToSpacePayload": {"space": persona.space_json},
        },
    }


def removed_event(kind: str, persona: Persona) -> dict[str, Any]:
    if kind == "legacy":
        return {"type": "REMOVED_FROM_SPACE", "space": persona.space_json, "user": persona.user}
    return {
        "commonEventObject": {"hostApp": "CHAT"},
        "authorizationEventObject": {},
        "chat": {
            "user": persona.user,
            "eventTime": _now(),
            "removedFromSpacePayload": {"space": persona.space_json},
        },
    }


@dataclass
class ChatSession:
    """One chat_app (one store) in one format; every answer checked against the protos."""

    harness: ChatHarness
    kind: str

    @property
    def services(self) -> Services:
        return runtime().services

    def post(self, event: dict[str, Any]) -> Answer:
        response = self.harness.post(event)
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.json
        return read_answer(body, self.kind)

    def event(
        self, text: str, persona: Persona = ADA, mentions: Sequence[Persona] = ()
    ) -> dict[str, Any]:
        build = legacy_message_event if self.kind == "legacy" else addon_message_event
        event = build(text, persona, COMMAND_IDS)
        add_mentions(event, mentions, self.kind)
        return event

    def say(self, text: str, persona: Persona = ADA, mentions: Sequence[Persona] = ()) -> Answer:
        """``persona`` types ``text`` (a slash command when it starts with ``/``)."""
        return self.post(self.event(text, persona, mentions))

    def press(
        self,
        button: Button,
        persona: Persona = ADA,
        *,
        zone: str | None = BERLIN,
        message: Answer | Mapping[str, Any] | None = None,
        dialog: str = "",
        form: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Press ``button`` on ``message`` (an earlier answer, or a posted message)."""
        shown = message.message if isinstance(message, Answer) else message
        carried = None
        if shown is not None:
            fallback = message.name if isinstance(message, Answer) else ""
            carried = {
                "name": shown.get("name") or fallback or f"{persona.space}/messages/x",
                "sender": APP_USER,
                "text": shown.get("text", ""),
            }
        return self.post(
            click_event(
                self.kind, button, persona, zone=zone, message=carried, dialog=dialog, form=form
            )
        )

    def removed(self, persona: Persona = ADA) -> Answer:
        return self.post(removed_event(self.kind, persona))

    def added(self, persona: Persona = ADA) -> Answer:
        return self.post(added_event(self.kind, persona))


def session_factory(make_harness: Callable[..., ChatHarness]) -> Callable[[str], ChatSession]:
    """``build("legacy")`` or ``build("addon")``: a fresh app and store (each module's
    ``chat_session`` fixture returns this)."""
    ids = ",".join(f"{name}={number}" for name, number in COMMAND_IDS.items())

    def build(kind: str) -> ChatSession:
        mode = "project_number" if kind == "legacy" else "addon"
        return ChatSession(make_harness(mode, NUDGE_COMMAND_IDS=ids), kind)

    return build


@pytest.fixture
def chat_session(make_harness: Callable[..., ChatHarness]) -> Callable[[str], ChatSession]:
    return session_factory(make_harness)


def text_input(value: str) -> dict[str, Any]:
    return {"stringInputs": {"value": [value]}}


def date_time_input(moment: datetime) -> dict[str, Any]:
    ms = str(int(moment.timestamp() * 1000))
    return {"dateTimeInput": {"msSinceEpoch": ms, "hasDate": True, "hasTime": True}}


# --- the kit's own checks ------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_help_through_the_kit_reads_the_same_in_both_formats(
    chat_session: Callable[[str], ChatSession], kind: str
) -> None:
    answer = chat_session(kind).say("/help")
    assert answer.kind == "new"
    assert answer.card_ids == ["help"]
    assert "/remind" in answer.card_text()
    assert json.dumps(answer.raw)


@pytest.mark.parametrize("kind", FORMATS)
def test_mentions_are_annotated_where_the_text_says_them(kind: str) -> None:
    build = legacy_message_event if kind == "legacy" else addon_message_event
    event = build("/remind @Bob Stone to call at 3pm", ADA, COMMAND_IDS)
    add_mentions(event, [BOB], kind)
    from shared.chat.events.parse import parse_event

    parsed = parse_event(event)
    message = getattr(parsed, "message", None)
    assert message is not None
    assert [u.name for u in message.mentions] == [BOB.user["name"]]
