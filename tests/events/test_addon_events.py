"""Every add-on fixture parses to the same models as its legacy twin."""

from __future__ import annotations

import json
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
    DialogCancelEvent,
    DialogRequestEvent,
    DialogSubmitEvent,
    EventFormat,
    MessageEvent,
    RemovedFromSpaceEvent,
    SpaceType,
    TimeZone,
    WidgetUpdateEvent,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
Load = Callable[[str, str], dict[str, Any]]
ROOM = "spaces/AAAAtEam01"
THREAD = "spaces/AAAAtEam01/threads/Tq1rS7bGm2o"
ADA = "users/112233445566778899001"
EVENT_TIME = datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)
REDIRECT = "https://chat.google.com/api/bot_config_complete?token=AddOn456"
TORONTO = TimeZone(id="America/Toronto", offset_ms=-18_000_000)


def parse(load: Load, name: str) -> Any:
    event = parse_event(load("addon", name))
    assert event.format is EventFormat.ADDON
    assert event.user.name == ADA
    assert event.user.email == "ada@example.com"
    assert event.event_time == EVENT_TIME
    return event


def test_message(load: Load) -> None:
    event = parse(load, "message")
    assert isinstance(event, MessageEvent)
    assert event.space.name == ROOM
    assert event.space.type is SpaceType.SPACE
    assert event.thread is not None
    assert event.thread.name == THREAD  # from the message: messagePayload has no thread
    assert event.locale == "en-GB"
    assert event.config_complete_redirect_url == REDIRECT
    assert event.argument_text == "remind @Grace Hopper about stand-up"
    assert event.message.annotations[1].start_index == 14  # sent as 14.0
    assert [u.display_name for u in event.message.mentions] == ["Nudge", "Grace Hopper"]


def test_message_in_a_dm_with_only_the_legacy_space_type(load: Load) -> None:
    event = parse(load, "message_dm")
    assert isinstance(event, MessageEvent)
    assert event.space.type is SpaceType.DIRECT_MESSAGE  # "type": "DM", no spaceType
    assert event.space.is_dm
    assert event.space.single_user_bot_dm
    assert event.argument_text == "list my reminders"


def test_app_command_id_written_as_a_double(load: Load) -> None:
    event = parse(load, "app_command")
    assert isinstance(event, CommandEvent)
    assert event.command_id == 2
    assert type(event.command_id) is int
    assert event.command_name == "/snooze"
    assert event.argument_text == "r-42 10m"
    assert not event.is_dialog_request  # dialogEventType sent, but isDialogEvent is false
    assert event.thread is not None
    assert event.thread.name == THREAD


def test_quick_command(load: Load) -> None:
    event = parse(load, "quick_command")
    assert isinstance(event, CommandEvent)
    assert event.command_id == 3
    assert event.command_type is CommandType.QUICK_COMMAND
    assert event.message is None


def test_added_to_a_dm(load: Load) -> None:
    event = parse(load, "added_to_space_dm")
    assert isinstance(event, AddedToSpaceEvent)
    assert event.space.is_dm
    assert event.space.single_user_bot_dm
    assert event.locale == "de"
    assert event.message is None


def test_added_to_a_room(load: Load) -> None:
    event = parse(load, "added_to_space_room")
    assert isinstance(event, AddedToSpaceEvent)
    assert not event.space.is_dm
    assert event.config_complete_redirect_url == REDIRECT


def test_added_by_mention(load: Load) -> None:
    event = parse(load, "added_by_mention")
    assert isinstance(event, AddedToSpaceEvent)
    assert event.message is not None
    assert event.message.argument_text.strip() == "help"


def test_removed(load: Load) -> None:
    event = parse(load, "removed_from_space")
    assert isinstance(event, RemovedFromSpaceEvent)
    assert event.config_complete_redirect_url is None


def test_card_clicked_takes_the_function_from_action_name(load: Load) -> None:
    event = parse(load, "card_clicked")
    assert isinstance(event, CardClickEvent)
    assert event.function == "snooze"
    assert dict(event.parameters) == {"id": "r-42", "minutes": "10"}  # actionName removed
    assert event.time_zone == TORONTO  # offset sent as -1.8E7


def test_dialog_request(load: Load) -> None:
    event = parse(load, "dialog_request")
    assert isinstance(event, DialogRequestEvent)
    assert event.function == "editReminder"
    assert dict(event.parameters) == {"id": "r-42"}


def test_dialog_request_from_a_slash_command(load: Load) -> None:
    event = parse(load, "dialog_request_command")
    assert isinstance(event, CommandEvent)
    assert event.is_dialog_request
    assert event.command_id == 4


def test_dialog_submit_prefers_action_name_over_the_endpoint_url(load: Load) -> None:
    event = parse(load, "dialog_submit")
    assert isinstance(event, DialogSubmitEvent)
    assert event.function == "saveReminder"
    assert event.time_zone == TORONTO
    inputs = event.form_inputs
    assert inputs.text("what") == "stand-up"
    assert len(inputs.values("who")) == 2
    assert inputs.date("day") == date(2026, 1, 15)
    assert inputs.time("at") == time(9, 30)
    assert inputs.datetime("when") == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def test_dialog_cancel_without_a_message(load: Load) -> None:
    event = parse(load, "dialog_cancel")
    assert isinstance(event, DialogCancelEvent)
    assert event.function == "saveReminder"
    assert event.message is None


def test_widget_updated(load: Load) -> None:
    event = parse(load, "widget_updated")
    assert isinstance(event, WidgetUpdateEvent)
    assert event.function == "suggestPeople"
    assert event.query == "ad"


def test_invoked_function_is_the_fallback(load: Load) -> None:
    payload = load("addon", "card_clicked")
    payload["commonEventObject"]["parameters"] = {"id": "r-42"}
    payload["commonEventObject"]["invokedFunction"] = "snooze"
    event = parse_event(payload)
    assert isinstance(event, CardClickEvent)
    assert event.function == "snooze"


@pytest.mark.parametrize("path", sorted((FIXTURES / "addon").glob("*.json")), ids=lambda p: p.stem)
def test_tokens_never_reach_raw(path: Path) -> None:
    event = parse_event(load_body(path.read_bytes()))
    assert "authorizationEventObject" not in event.raw
    assert "chat" in event.raw
    assert "ya29" not in json.dumps(dict(event.raw))
    assert "FAKE" not in repr(event)


@pytest.mark.parametrize("path", sorted((FIXTURES / "addon").glob("*.json")), ids=lambda p: p.stem)
def test_add_on_and_legacy_twins_agree(path: Path) -> None:
    twin = FIXTURES / "legacy" / path.name
    addon = parse_event(load_body(path.read_bytes()))
    legacy = parse_event(load_body(twin.read_bytes()))
    assert type(addon) is type(legacy)
    assert addon.kind == legacy.kind
    assert addon.user == legacy.user
    assert addon.space.is_dm == legacy.space.is_dm
