"""Tolerant reading (unknown fields, doubles, strings, nulls), unsupported events, immutability."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.chat.events import BadEvent, UnsupportedEvent, parse_event
from shared.chat.events.models import (
    CommandEvent,
    DialogSubmitEvent,
    MessageEvent,
    SpaceType,
    TimeInput,
    UserType,
)

Load = Callable[[str, str], dict[str, Any]]


def _sprinkle(node: Any) -> None:
    """Add an unknown field to every object in ``node`` (not to ``parameters`` maps)."""
    stack: list[tuple[str, Any]] = [("", node)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.items())
            if key != "parameters":
                item["zzUnknownField"] = {"nested": [1, "two", None]}
        elif isinstance(item, list):
            stack.extend((key, child) for child in item)


@pytest.mark.parametrize(
    "name",
    [
        "legacy/message",
        "legacy/dialog_submit",
        "legacy/app_command",
        "addon/dialog_submit",
        "addon/app_command",
    ],
)
def test_unknown_fields_everywhere_are_ignored(load: Load, name: str) -> None:
    payload = load(*name.split("/"))
    noisy = copy.deepcopy(payload)
    _sprinkle(noisy)
    assert parse_event(noisy) == parse_event(payload)


def test_nulls_mean_absent(load: Load) -> None:
    payload = load("legacy", "message")
    payload["thread"] = None
    payload["common"] = None
    payload["message"]["argumentText"] = None
    payload["message"]["annotations"][1]["startIndex"] = None
    payload["space"]["displayName"] = None
    event = parse_event(payload)
    assert isinstance(event, MessageEvent)
    assert event.locale is None
    assert event.space.display_name == ""
    assert event.message.annotations[1].start_index == 0
    assert event.argument_text == "remind @Grace Hopper about stand-up"  # derived from text


def test_numbers_as_strings_and_doubles(load: Load) -> None:
    payload = load("legacy", "dialog_submit")
    common = payload["common"]
    common["timeZone"]["offset"] = "3600000"
    common["formInputs"]["at"]["timeInput"] = {"hours": "9", "minutes": 30.0}
    common["formInputs"]["day"]["dateInput"]["msSinceEpoch"] = 1768435200000.0
    common["formInputs"]["when"]["dateTimeInput"]["msSinceEpoch"] = "1.7684712E12"
    common["formInputs"]["when"]["dateTimeInput"]["hasTime"] = "false"
    event = parse_event(payload)
    assert isinstance(event, DialogSubmitEvent)
    assert event.time_zone is not None
    assert event.time_zone.offset_ms == 3_600_000
    assert event.form_inputs.inputs["at"] == TimeInput(9, 30)
    assert event.form_inputs.date("day") is not None
    when = event.form_inputs.inputs["when"]
    assert when.ms_since_epoch == 1_768_471_200_000  # type: ignore[union-attr]
    assert when.has_time is False  # type: ignore[union-attr]


def test_app_command_id_as_string_and_command_id_as_number(load: Load) -> None:
    payload = load("legacy", "app_command")
    payload["appCommandMetadata"]["appCommandId"] = "2"
    payload["message"]["slashCommand"]["commandId"] = 2
    event = parse_event(payload)
    assert isinstance(event, CommandEvent)
    assert event.command_id == 2
    assert event.message is not None
    assert event.message.slash_command_id == 2


def test_booleans_absent_are_false(load: Load) -> None:
    payload = load("legacy", "added_to_space_dm")
    del payload["space"]["singleUserBotDm"]
    event = parse_event(payload)
    assert event.space.single_user_bot_dm is False
    assert event.space.is_dm


def test_unknown_enum_values_fall_back(load: Load) -> None:
    payload = load("legacy", "message")
    payload["user"]["type"] = "ROBOT_OVERLORD"
    payload["space"]["spaceType"] = "METAVERSE"
    payload["space"]["type"] = "ROOM"
    event = parse_event(payload)
    assert event.user.type is UserType.HUMAN
    assert event.space.type is SpaceType.SPACE  # falls back to the deprecated type


def test_argument_text_is_derived_when_chat_leaves_it_out(load: Load) -> None:
    payload = load("legacy", "message")
    del payload["message"]["argumentText"]
    event = parse_event(payload)
    assert isinstance(event, MessageEvent)
    assert event.message.argument_text == " remind @Grace Hopper about stand-up"
    assert event.argument_text == "remind @Grace Hopper about stand-up"


def test_a_leading_human_mention_is_kept(load: Load) -> None:
    payload = load("legacy", "message")
    message = payload["message"]
    del message["argumentText"]
    message["text"] = "@Grace Hopper ping"
    grace = message["annotations"][1]
    grace["startIndex"] = 0
    message["annotations"] = [grace]
    event = parse_event(payload)
    assert isinstance(event, MessageEvent)
    assert event.argument_text == "@Grace Hopper ping"


def test_slash_command_argument_text_is_derived(load: Load) -> None:
    payload = load("legacy", "slash_command_legacy")
    del payload["message"]["argumentText"]
    event = parse_event(payload)
    assert isinstance(event, CommandEvent)
    assert event.argument_text == "15m stand-up"


def test_annotation_indexes_past_the_text_do_not_crash(load: Load) -> None:
    payload = load("legacy", "message")
    del payload["message"]["argumentText"]
    payload["message"]["annotations"][0]["length"] = 10_000
    event = parse_event(payload)
    assert isinstance(event, MessageEvent)
    assert event.argument_text == ""


def test_message_with_a_submit_dialog_is_a_dialog_submit(load: Load) -> None:
    payload = load("legacy", "message")
    payload.update(isDialogEvent=True, dialogEventType="SUBMIT_DIALOG")
    payload["common"]["invokedFunction"] = "save"
    event = parse_event(payload)
    assert isinstance(event, DialogSubmitEvent)
    assert event.function == "save"


def test_dialog_event_type_without_is_dialog_event_is_ignored(load: Load) -> None:
    payload = load("legacy", "card_clicked")
    payload["dialogEventType"] = "SUBMIT_DIALOG"
    assert parse_event(payload).kind == "action"


def test_legacy_action_parameters_are_used_without_common(load: Load) -> None:
    payload = load("legacy", "card_clicked")
    del payload["common"]
    event = parse_event(payload)
    assert event.kind == "action"
    assert event.function == "snooze"  # type: ignore[union-attr]
    assert dict(event.parameters) == {"id": "r-42", "minutes": "10"}  # type: ignore[union-attr]


def test_thread_key_link_preview_and_nanosecond_times(load: Load) -> None:
    payload = load("legacy", "message")
    payload["threadKey"] = "reminder-42"
    payload["eventTime"] = "2026-01-15T11:00:00.123456789+01:00"
    payload["message"]["matchedUrl"] = {"url": "https://example.com/r/42"}
    event = parse_event(payload)
    assert isinstance(event, MessageEvent)
    assert event.thread is not None
    assert event.thread.thread_key == "reminder-42"
    assert event.thread.name.endswith("/threads/Tq1rS7bGm2o")
    assert event.event_time == datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)
    assert event.message.matched_url == "https://example.com/r/42"


# --- unsupported -----------------------------------------------------------------


def test_legacy_app_home_is_unsupported_not_bad() -> None:
    payload = {"type": "APP_HOME", "space": {"name": "spaces/A"}, "user": {"name": "users/1"}}
    with pytest.raises(UnsupportedEvent) as caught:
        parse_event(payload)
    assert caught.value.event_type == "APP_HOME"
    assert not isinstance(caught.value, BadEvent)


@pytest.mark.parametrize("chat_type", ["APP_HOME", "SUBMIT_FORM"])
def test_app_home_shape_is_unsupported(chat_type: str) -> None:
    payload = {
        "chat": {"type": chat_type, "user": {"name": "users/1"}, "space": {"name": "spaces/A"}},
        "commonEventObject": {"hostApp": "CHAT", "invokedFunction": "home"},
    }
    with pytest.raises(UnsupportedEvent) as caught:
        parse_event(payload)
    assert caught.value.event_type == chat_type
    assert chat_type in caught.value.message


def test_an_add_on_payload_nudge_does_not_know_is_unsupported(load: Load) -> None:
    payload = load("addon", "message")
    payload["chat"]["messageReactedPayload"] = payload["chat"].pop("messagePayload")
    with pytest.raises(UnsupportedEvent) as caught:
        parse_event(payload)
    assert caught.value.event_type == "messageReactedPayload"


# --- immutability ----------------------------------------------------------------


def test_events_are_frozen(load: Load) -> None:
    event = parse_event(load("legacy", "dialog_submit"))
    assert isinstance(event, DialogSubmitEvent)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.function = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.user.name = "users/evil"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.space.type = SpaceType.DIRECT_MESSAGE  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.parameters["id"] = "r-1"  # type: ignore[index]
    with pytest.raises(TypeError):
        event.form_inputs.inputs["what"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        event.raw["type"] = "MESSAGE"  # type: ignore[index]


def test_message_parts_are_frozen(load: Load) -> None:
    event = parse_event(load("addon", "message"))
    assert isinstance(event, MessageEvent)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.message.text = "x"  # type: ignore[misc]
    assert isinstance(event.message.annotations, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.message.annotations[0].start_index = 3  # type: ignore[misc]


def test_parsing_does_not_mutate_the_payload(load: Load) -> None:
    payload = load("addon", "card_clicked")
    before = copy.deepcopy(payload)
    parse_event(payload)
    assert payload == before  # actionName is removed from the event, not the payload


def test_a_slash_command_annotation_alone_is_not_a_command(load: Load) -> None:
    payload = load("legacy", "slash_command_legacy")
    del payload["message"]["slashCommand"]
    assert parse_event(payload).kind == "message"
