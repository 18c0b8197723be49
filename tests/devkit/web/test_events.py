"""The events the simulator sends are the ones Nudge reads, in both formats."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from devkit.web.events import (
    Actor,
    Interaction,
    Person,
    annotate_mentions,
    build_event,
    command_annotation,
)
from devkit.web.forms import FormError, for_format, form_inputs
from shared.chat.events.models import (
    AddedToSpaceEvent,
    CardClickEvent,
    CommandEvent,
    DialogCancelEvent,
    DialogRequestEvent,
    DialogSubmitEvent,
    EventFormat,
    MessageEvent,
    WidgetUpdateEvent,
)
from shared.chat.events.parse import parse_event
from shared.features.reminders.commands import with_mentions
from tests.devkit.web.conftest import ALEX, DEV

SPACE = {"name": "spaces/AAAA", "type": "ROOM", "spaceType": "SPACE", "displayName": "Team"}
DM = {"name": "spaces/DM1", "type": "DM", "spaceType": "DIRECT_MESSAGE", "singleUserBotDm": True}
BOT_MESSAGE = {
    "name": "spaces/AAAA/messages/T1.M1",
    "sender": {"name": "users/app", "type": "BOT"},
    "thread": {"name": "spaces/AAAA/threads/T1"},
    "text": "Reminder set",
}
FORMATS = ["legacy", "addon"]


def person_message(text: str, annotations: list[dict[str, object]]) -> dict[str, object]:
    return {
        "name": "spaces/AAAA/messages/T2.M2",
        "sender": DEV.json(),
        "text": text,
        "thread": {"name": "spaces/AAAA/threads/T2"},
        "annotations": annotations,
    }


def actor(fmt: str, *, everywhere: bool = False) -> Actor:
    return Actor(DEV, "addon" if fmt == "addon" else "legacy", "en-GB", "Europe/Berlin", everywhere)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_slash_command_with_a_mention_reads_as_nudge_expects(fmt: str) -> None:
    text, mentions = annotate_mentions("/remind @alex to stretch in 10 minutes", [DEV, ALEX])
    assert text == "/remind @Alex Example to stretch in 10 minutes"
    message = person_message(text, [command_annotation("/remind", 5), *mentions])
    message |= {"argumentText": text[len("/remind") :], "slashCommand": {"commandId": "5"}}
    what = Interaction("APP_COMMAND", SPACE, message=message, command_id=5)
    event = parse_event(build_event(actor(fmt), what))
    assert isinstance(event, CommandEvent)
    assert event.format is (EventFormat.ADDON if fmt == "addon" else EventFormat.LEGACY)
    assert event.command_id == 5
    assert event.command_name == "/remind"
    assert event.locale == "en-GB"
    assert event.time_zone is None  # Chat sends the zone only with clicks and dialogs
    assert with_mentions(event.argument_text, event.message) == (
        f"<{ALEX.name}> to stretch in 10 minutes"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_dm_message_and_an_app_mention(fmt: str) -> None:
    event = parse_event(
        build_event(actor(fmt), Interaction("MESSAGE", DM, person_message("hi", [])))
    )
    assert isinstance(event, MessageEvent)
    assert event.space.is_dm
    text, mentions = annotate_mentions("@nudge hello", [DEV])
    assert text == "@Nudge hello"
    assert mentions[0]["userMention"]["user"]["type"] == "BOT"
    message = person_message(text, mentions) | {"argumentText": " hello"}
    event = parse_event(build_event(actor(fmt), Interaction("MESSAGE", SPACE, message)))
    assert isinstance(event, MessageEvent)
    assert event.message.argument_text.strip() == "hello"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("dialog", "kind"),
    [
        ("", CardClickEvent),
        ("REQUEST_DIALOG", DialogRequestEvent),
        ("SUBMIT_DIALOG", DialogSubmitEvent),
        ("CANCEL_DIALOG", DialogCancelEvent),
    ],
)
def test_clicks_and_dialog_steps(fmt: str, dialog: str, kind: type) -> None:
    fields = {
        "what": {"kind": "text", "values": ["stand-up"]},
        "when": {"kind": "datetime", "type": "DATE_AND_TIME", "value": "2026-01-15T09:30"},
    }
    what = Interaction(
        "CARD_CLICKED",
        SPACE,
        message=BOT_MESSAGE,
        function="reminders.submit",
        parameters={"id": "r1"},
        form_inputs=form_inputs(fields, ZoneInfo("Europe/Berlin")),
        dialog=dialog,
    )
    event = parse_event(build_event(actor(fmt), what))
    assert isinstance(event, kind)
    assert event.function == "reminders.submit"
    assert dict(event.parameters) == {"id": "r1"}
    assert event.form_inputs.text("what") == "stand-up"
    assert event.form_inputs.datetime("when") == datetime(2026, 1, 15, 8, 30, tzinfo=UTC)
    assert event.time_zone is not None
    assert event.time_zone.id == "Europe/Berlin"
    assert event.message is not None
    assert event.message.name == BOT_MESSAGE["name"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_autocomplete_and_added_to_space(fmt: str) -> None:
    what = Interaction(
        "WIDGET_UPDATED",
        SPACE,
        message=BOT_MESSAGE,
        function="suggest",
        parameters={"autocomplete_widget_query": "ad"},
    )
    event = parse_event(build_event(actor(fmt), what))
    assert isinstance(event, WidgetUpdateEvent)
    assert event.query == "ad"
    event = parse_event(build_event(actor(fmt), Interaction("ADDED_TO_SPACE", DM)))
    assert isinstance(event, AddedToSpaceEvent)


def test_the_zone_on_every_event_when_asked() -> None:
    message = person_message("hi", [])
    plain = build_event(actor("legacy"), Interaction("MESSAGE", DM, message))
    assert "timeZone" not in plain["common"]
    every = build_event(actor("legacy", everywhere=True), Interaction("MESSAGE", DM, message))
    offset = datetime.now(ZoneInfo("Europe/Berlin")).utcoffset()
    assert offset is not None
    assert every["common"]["timeZone"] == {
        "id": "Europe/Berlin",
        "offset": int(offset.total_seconds() * 1000),
    }


def test_add_on_actions_name_the_handler_in_action_name() -> None:
    what = Interaction(
        "CARD_CLICKED",
        SPACE,
        message=BOT_MESSAGE,
        function="http://127.0.0.1:8080",
        parameters={"actionName": "reminders.done", "id": "r1"},
    )
    event = build_event(actor("addon"), what)
    assert "invokedFunction" not in event["commonEventObject"]
    parsed = parse_event(event)
    assert isinstance(parsed, CardClickEvent)
    assert parsed.function == "reminders.done"


@pytest.mark.parametrize(
    ("typed", "spelled", "who"),
    [
        ("hi @Alex Example!", "hi @Alex Example!", [ALEX.name]),
        ("hi @alex example", "hi @Alex Example", [ALEX.name]),
        ("@dev and @alex", "@Dev User and @Alex Example", [DEV.name, ALEX.name]),
        ("mail me at dev@alex.example", "mail me at dev@alex.example", []),
        ("hi @alexander", "hi @alexander", []),
        ("hi @bob", "hi @bob", []),
    ],
)
def test_mentions_of_known_people(typed: str, spelled: str, who: list[str]) -> None:
    text, annotations = annotate_mentions(typed, [DEV, ALEX])
    assert text == spelled
    assert [a["userMention"]["user"]["name"] for a in annotations] == who
    for annotation in annotations:
        start, length = annotation["startIndex"], annotation["length"]
        assert (
            text[start : start + length] == "@" + annotation["userMention"]["user"]["displayName"]
        )


def test_a_first_name_two_people_share_is_no_mention() -> None:
    other = Person("users/3", "Alex Other")
    text, annotations = annotate_mentions("@alex hi", [ALEX, other])
    assert (text, annotations) == ("@alex hi", [])


def test_form_values_become_chats_inputs() -> None:
    zone = ZoneInfo("America/New_York")
    fields = {
        "empty": {"kind": "text", "values": [""]},
        "many": {"kind": "text", "values": ["a", "b"]},
        "day": {"kind": "datetime", "type": "DATE_ONLY", "value": "2026-03-08"},
        "at": {"kind": "datetime", "type": "TIME_ONLY", "value": "09:05"},
        "india": {
            "kind": "datetime",
            "type": "DATE_AND_TIME",
            "value": "2026-01-15T15:30",
            "offset": 330,
        },
        "unset": {"kind": "datetime", "type": "DATE_AND_TIME", "value": ""},
    }
    inputs = form_inputs(fields, zone)
    assert set(inputs) == {"many", "day", "at", "india"}
    assert inputs["many"] == {"stringInputs": {"value": ["a", "b"]}}
    assert inputs["day"] == {"dateInput": {"msSinceEpoch": "1772928000000"}}
    assert inputs["at"] == {"timeInput": {"hours": 9, "minutes": 5}}
    assert inputs["india"]["dateTimeInput"]["msSinceEpoch"] == "1768471200000"
    with pytest.raises(FormError):
        form_inputs({"x": {"kind": "datetime", "type": "DATE_ONLY", "value": "soon"}}, zone)
    with pytest.raises(FormError):
        form_inputs({"x": {"kind": "text", "values": [1]}}, zone)
    with pytest.raises(FormError):
        form_inputs({"x": {"kind": "file"}}, zone)


def test_a_button_drawn_for_the_other_format_still_reaches_its_handler() -> None:
    url = "http://127.0.0.1:8080"
    function, params, note = for_format(url, {"actionName": "go", "id": "1"}, "legacy")
    assert (function, params) == ("go", {"id": "1"})
    assert "add-on" in note
    function, params, note = for_format("go", {"id": "1"}, "addon")
    assert (function, params) == ("go", {"id": "1"})
    assert "invokedFunction" in note
    assert for_format(url, {"actionName": "go"}, "addon") == (url, {"actionName": "go"}, "")
