"""Every legacy fixture parses to the right model with the right fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from shared.chat.events import load_body, parse_event
from shared.chat.events.models import (
    AddedToSpaceEvent,
    CardClickEvent,
    CommandEvent,
    CommandType,
    DateInput,
    DateTimeInput,
    DialogCancelEvent,
    DialogRequestEvent,
    DialogSubmitEvent,
    EventFormat,
    MessageEvent,
    RemovedFromSpaceEvent,
    SpaceType,
    StringInput,
    TimeInput,
    TimeZone,
    UserType,
    WidgetUpdateEvent,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
Load = Callable[[str, str], dict[str, Any]]
ROOM = "spaces/AAAAtEam01"
DM = "spaces/dmAAAA42"
THREAD = "spaces/AAAAtEam01/threads/Tq1rS7bGm2o"
ADA = "users/112233445566778899001"
EVENT_TIME = datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)
REDIRECT = "https://chat.google.com/api/bot_config_complete?token=AbCdEf123"
BERLIN = TimeZone(id="Europe/Berlin", offset_ms=3_600_000)


def parse(load: Load, name: str) -> Any:
    event = parse_event(load("legacy", name))
    assert event.format is EventFormat.LEGACY
    assert event.user.name == ADA
    assert event.user.email == "ada@example.com"
    assert event.user.display_name == "Ada Lovelace"
    assert event.user.type is UserType.HUMAN
    assert event.event_time == EVENT_TIME
    return event


def test_message_in_a_space(load: Load) -> None:
    event = parse(load, "message")
    assert isinstance(event, MessageEvent)
    assert event.kind == "message"
    assert event.space.name == ROOM
    assert event.space.type is SpaceType.SPACE
    assert event.space.display_name == "Platform team"
    assert event.space.threading_state == "THREADED_MESSAGES"
    assert not event.space.is_dm
    assert not event.space.single_user_bot_dm
    assert event.thread is not None
    assert event.thread.name == THREAD
    assert event.locale == "en-GB"
    assert event.time_zone is None
    assert event.config_complete_redirect_url == REDIRECT
    assert event.argument_text == "remind @Grace Hopper about stand-up"
    message = event.message
    assert message.text == "@Nudge remind @Grace Hopper about stand-up"
    assert message.create_time == EVENT_TIME
    assert message.sender is not None
    assert message.sender.name == ADA
    assert [u.display_name for u in message.mentions] == ["Nudge", "Grace Hopper"]
    assert [u.is_bot for u in message.mentions] == [True, False]
    grace = message.annotations[1]
    assert (grace.type, grace.start_index, grace.length) == ("USER_MENTION", 14, 13)
    assert message.slash_command_id is None


def test_message_in_a_dm_derives_argument_text(load: Load) -> None:
    event = parse(load, "message_dm")
    assert isinstance(event, MessageEvent)
    assert event.space.is_dm
    assert event.space.single_user_bot_dm
    assert event.space.name == DM
    assert event.message.argument_text == "  list my reminders  "  # no argumentText sent
    assert event.argument_text == "list my reminders"
    assert event.locale is None


def test_slash_command_as_message(load: Load) -> None:
    event = parse(load, "slash_command_legacy")
    assert isinstance(event, CommandEvent)
    assert event.kind == "command"
    assert event.command_id == 1
    assert isinstance(event.command_id, int)
    assert event.command_name == "/remind"
    assert event.command_type is CommandType.SLASH_COMMAND
    assert event.argument_text == "15m stand-up"
    assert not event.is_dialog_request
    assert event.message is not None
    assert event.message.slash_command_id == 1
    assert event.thread is not None
    assert event.thread.name == THREAD


def test_app_command(load: Load) -> None:
    event = parse(load, "app_command")
    assert isinstance(event, CommandEvent)
    assert event.command_id == 2
    assert event.command_name == "/snooze"
    assert event.command_type is CommandType.SLASH_COMMAND
    assert event.argument_text == "r-42 10m"
    assert event.config_complete_redirect_url == REDIRECT


def test_quick_command_has_no_message(load: Load) -> None:
    event = parse(load, "quick_command")
    assert isinstance(event, CommandEvent)
    assert event.command_id == 3
    assert event.command_name is None
    assert event.command_type is CommandType.QUICK_COMMAND
    assert event.argument_text == ""
    assert event.message is None
    assert event.thread is None


def test_added_to_a_dm(load: Load) -> None:
    event = parse(load, "added_to_space_dm")
    assert isinstance(event, AddedToSpaceEvent)
    assert event.space.is_dm
    assert event.space.single_user_bot_dm
    assert event.message is None
    assert event.locale == "de"


def test_added_to_a_room(load: Load) -> None:
    event = parse(load, "added_to_space_room")
    assert isinstance(event, AddedToSpaceEvent)
    assert event.space.type is SpaceType.SPACE
    assert event.message is None
    assert event.config_complete_redirect_url == REDIRECT


def test_added_by_mention_keeps_the_message(load: Load) -> None:
    event = parse(load, "added_by_mention")
    assert isinstance(event, AddedToSpaceEvent)
    assert event.message is not None
    assert event.message.argument_text.strip() == "help"
    assert event.message.mentions[0].is_bot


def test_removed(load: Load) -> None:
    event = parse(load, "removed_from_space")
    assert isinstance(event, RemovedFromSpaceEvent)
    assert event.kind == "removed"
    assert event.space.name == ROOM


def test_card_clicked(load: Load) -> None:
    event = parse(load, "card_clicked")
    assert isinstance(event, CardClickEvent)
    assert event.function == "snooze"
    assert dict(event.parameters) == {"id": "r-42", "minutes": "10"}
    assert event.time_zone == BERLIN
    assert event.locale == "en-GB"
    assert event.message is not None
    assert event.message.sender is not None
    assert event.message.sender.is_bot
    assert len(event.form_inputs) == 0


def test_dialog_request_from_a_button(load: Load) -> None:
    event = parse(load, "dialog_request")
    assert isinstance(event, DialogRequestEvent)
    assert event.function == "editReminder"
    assert dict(event.parameters) == {"id": "r-42"}


def test_dialog_request_from_a_slash_command(load: Load) -> None:
    event = parse(load, "dialog_request_command")
    assert isinstance(event, CommandEvent)
    assert event.is_dialog_request
    assert event.command_id == 4
    assert event.command_name == "/newreminder"
    assert event.argument_text == ""


def test_dialog_submit_has_typed_form_inputs(load: Load) -> None:
    event = parse(load, "dialog_submit")
    assert isinstance(event, DialogSubmitEvent)
    assert event.function == "saveReminder"
    assert event.time_zone == BERLIN
    inputs = event.form_inputs
    assert inputs.inputs["what"] == StringInput(("stand-up",))
    assert inputs.text("what") == "stand-up"
    assert inputs.values("who") == ("users/112233445566778899001", "users/112233445566778899002")
    assert inputs.inputs["day"] == DateInput(1_768_435_200_000)
    assert inputs.date("day") == date(2026, 1, 15)
    assert inputs.inputs["at"] == TimeInput(9, 30)
    assert inputs.time("at") == time(9, 30)
    assert inputs.inputs["when"] == DateTimeInput(1_768_471_200_000, True, True)
    assert inputs.datetime("when") == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def test_dialog_cancel(load: Load) -> None:
    event = parse(load, "dialog_cancel")
    assert isinstance(event, DialogCancelEvent)
    assert event.function == "saveReminder"
    assert dict(event.parameters) == {}


def test_widget_updated(load: Load) -> None:
    event = parse(load, "widget_updated")
    assert isinstance(event, WidgetUpdateEvent)
    assert event.function == "suggestPeople"
    assert event.query == "ad"


@pytest.mark.parametrize("path", sorted((FIXTURES / "legacy").glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_loads_from_bytes_without_its_token(path: Path) -> None:
    event = parse_event(load_body(path.read_bytes()))
    assert event.raw["type"]
    assert "token" not in event.raw
