"""Every fixture that exists in both wire formats parses to the same model and fields.

Each test runs once per format (``fmt``: add-on, then legacy); what only one
format has is tested in test_addon_events.py and test_legacy_events.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

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
    MessageEvent,
    RemovedFromSpaceEvent,
    SpaceType,
    StringInput,
    TimeInput,
    WidgetUpdateEvent,
)
from tests.events.conftest import ADA, EVENT_TIME, Format

ROOM = "spaces/AAAAtEam01"
DM = "spaces/dmAAAA42"
THREAD = "spaces/AAAAtEam01/threads/Tq1rS7bGm2o"


def test_message_in_a_space(fmt: Format) -> None:
    event = fmt.parse("message")
    assert isinstance(event, MessageEvent)
    assert event.kind == "message"
    assert event.space.name == ROOM
    assert event.space.type is SpaceType.SPACE
    assert event.space.display_name == "Platform team"
    assert event.space.threading_state == "THREADED_MESSAGES"
    assert not event.space.is_dm
    assert not event.space.single_user_bot_dm
    assert event.thread is not None
    assert event.thread.name == THREAD  # add-on: from the message; messagePayload has no thread
    assert event.locale == "en-GB"
    assert event.time_zone is None
    assert event.config_complete_redirect_url == fmt.redirect
    assert event.argument_text == "remind @Grace Hopper about stand-up"
    message = event.message
    assert message.text == "@Nudge remind @Grace Hopper about stand-up"
    assert message.create_time == EVENT_TIME
    assert message.sender is not None
    assert message.sender.name == ADA
    assert [u.display_name for u in message.mentions] == ["Nudge", "Grace Hopper"]
    assert [u.is_bot for u in message.mentions] == [True, False]
    assert message.annotations[1].start_index == 14  # the add-on sends 14.0
    grace = message.annotations[1]
    assert (grace.type, grace.start_index, grace.length) == ("USER_MENTION", 14, 13)
    assert message.slash_command_id is None


def test_message_in_a_dm_derives_argument_text(fmt: Format) -> None:
    event = fmt.parse("message_dm")
    assert isinstance(event, MessageEvent)
    assert event.space.type is SpaceType.DIRECT_MESSAGE  # add-on: "type": "DM", no spaceType
    assert event.space.is_dm
    assert event.space.single_user_bot_dm
    assert event.space.name == DM
    assert event.message.argument_text == "  list my reminders  "  # no argumentText sent
    assert event.argument_text == "list my reminders"
    assert event.locale is None


def test_app_command(fmt: Format) -> None:
    event = fmt.parse("app_command")
    assert isinstance(event, CommandEvent)
    assert event.command_id == 2
    assert type(event.command_id) is int  # the add-on writes it as a double
    assert event.command_name == "/snooze"
    assert event.command_type is CommandType.SLASH_COMMAND
    assert event.argument_text == "r-42 10m"
    assert not event.is_dialog_request  # add-on: dialogEventType sent, but isDialogEvent false
    assert event.thread is not None
    assert event.thread.name == THREAD
    assert event.config_complete_redirect_url == fmt.redirect


def test_quick_command_has_no_message(fmt: Format) -> None:
    event = fmt.parse("quick_command")
    assert isinstance(event, CommandEvent)
    assert event.command_id == 3
    assert event.command_name is None
    assert event.command_type is CommandType.QUICK_COMMAND
    assert event.argument_text == ""
    assert event.message is None
    assert event.thread is None


def test_added_to_a_dm(fmt: Format) -> None:
    event = fmt.parse("added_to_space_dm")
    assert isinstance(event, AddedToSpaceEvent)
    assert event.space.is_dm
    assert event.space.single_user_bot_dm
    assert event.message is None
    assert event.locale == "de"


def test_added_to_a_room(fmt: Format) -> None:
    event = fmt.parse("added_to_space_room")
    assert isinstance(event, AddedToSpaceEvent)
    assert not event.space.is_dm
    assert event.space.type is SpaceType.SPACE
    assert event.message is None
    assert event.config_complete_redirect_url == fmt.redirect


def test_added_by_mention_keeps_the_message(fmt: Format) -> None:
    event = fmt.parse("added_by_mention")
    assert isinstance(event, AddedToSpaceEvent)
    assert event.message is not None
    assert event.message.argument_text.strip() == "help"
    assert event.message.mentions[0].is_bot


def test_removed(fmt: Format) -> None:
    event = fmt.parse("removed_from_space")
    assert isinstance(event, RemovedFromSpaceEvent)
    assert event.kind == "removed"
    assert event.space.name == ROOM
    assert event.config_complete_redirect_url is None


def test_card_clicked(fmt: Format) -> None:
    event = fmt.parse("card_clicked")
    assert isinstance(event, CardClickEvent)
    assert event.function == "snooze"  # add-on: taken from actionName
    assert dict(event.parameters) == {"id": "r-42", "minutes": "10"}  # add-on: actionName removed
    assert event.time_zone == fmt.time_zone  # add-on: offset sent as -1.8E7
    assert event.locale == "en-GB"
    assert event.message is not None
    assert event.message.sender is not None
    assert event.message.sender.is_bot
    assert len(event.form_inputs) == 0


def test_dialog_request_from_a_button(fmt: Format) -> None:
    event = fmt.parse("dialog_request")
    assert isinstance(event, DialogRequestEvent)
    assert event.function == "editReminder"
    assert dict(event.parameters) == {"id": "r-42"}


def test_dialog_request_from_a_slash_command(fmt: Format) -> None:
    event = fmt.parse("dialog_request_command")
    assert isinstance(event, CommandEvent)
    assert event.is_dialog_request
    assert event.command_id == 4
    assert event.command_name == "/newreminder"
    assert event.argument_text == ""


def test_dialog_submit_has_typed_form_inputs(fmt: Format) -> None:
    event = fmt.parse("dialog_submit")
    assert isinstance(event, DialogSubmitEvent)
    assert event.function == "saveReminder"  # add-on: actionName wins over the endpoint URL
    assert event.time_zone == fmt.time_zone
    inputs = event.form_inputs
    assert inputs.inputs["what"] == StringInput(("stand-up",))
    assert inputs.text("what") == "stand-up"
    assert len(inputs.values("who")) == 2
    assert inputs.values("who") == ("users/112233445566778899001", "users/112233445566778899002")
    assert inputs.inputs["day"] == DateInput(1_768_435_200_000)
    assert inputs.date("day") == date(2026, 1, 15)
    assert inputs.inputs["at"] == TimeInput(9, 30)
    assert inputs.time("at") == time(9, 30)
    assert inputs.inputs["when"] == DateTimeInput(1_768_471_200_000, True, True)
    assert inputs.datetime("when") == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def test_dialog_cancel(fmt: Format) -> None:
    event = fmt.parse("dialog_cancel")
    assert isinstance(event, DialogCancelEvent)
    assert event.function == "saveReminder"
    assert dict(event.parameters) == {}


def test_widget_updated(fmt: Format) -> None:
    event = fmt.parse("widget_updated")
    assert isinstance(event, WidgetUpdateEvent)
    assert event.function == "suggestPeople"
    assert event.query == "ad"
