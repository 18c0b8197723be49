"""A dialog's whole life through the deployed chat_app, in both formats: open, submit, close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    DateTimePicker,
    FixedFooter,
    Section,
    TextInput,
)
from shared.chat.events.models import DialogRequestEvent, DialogSubmitEvent
from shared.chat.responses import CloseDialog, DialogStatus, OpenDialog, Response, UpdateMessage
from shared.core.context import Context
from shared.core.feature import Feature
from shared.core.router import Router
from tests.scenarios.conftest import ChatHarness, fixture
from tests.scenarios.test_events import check_addon, strict_message

seen: list[DialogSubmitEvent] = []


def reminder_router() -> Router:
    router = Router()

    @router.action("editReminder")
    def open_editor(event: DialogRequestEvent, ctx: Context) -> Response:
        save = Button("Save", Action("saveReminder", {"id": event.parameters["id"]}))
        return OpenDialog(
            Card(
                sections=[
                    Section(
                        [
                            TextInput("what", label="What"),
                            DateTimePicker("when", label="When"),
                            ButtonList([save]),
                        ]
                    )
                ],
                fixed_footer=FixedFooter(save),
            )
        )

    @router.dialog_submit("saveReminder")
    def save(event: DialogSubmitEvent, ctx: Context) -> Response:
        seen.append(event)
        if not event.form_inputs.text("what"):
            return CloseDialog(DialogStatus.INVALID_ARGUMENT, "Say what to remind you of.")
        return CloseDialog(DialogStatus.OK, f"Saved {event.parameters['id']}")

    @router.action("snooze")
    def snooze(event: object, ctx: Context) -> Response:
        return UpdateMessage(text="Snoozed for 20 minutes")

    return router


@pytest.fixture
def dialog_harness(make_harness: Callable[..., ChatHarness]) -> Callable[[str], ChatHarness]:
    seen.clear()
    return lambda mode: make_harness(
        mode, extra_features=[Feature("dialogs_under_test", reminder_router())]
    )


def test_legacy_dialog_opens_submits_with_typed_inputs_and_closes(
    dialog_harness: Callable[[str], ChatHarness],
) -> None:
    harness = dialog_harness("project_number")
    opened = harness.post(fixture("legacy", "dialog_request")).json
    assert opened["actionResponse"]["type"] == "DIALOG"
    body = opened["actionResponse"]["dialogAction"]["dialog"]["body"]
    assert body["fixedFooter"]["primaryButton"]["text"] == "Save"
    strict_message(opened)

    closed = harness.post(fixture("legacy", "dialog_submit")).json
    status = closed["actionResponse"]["dialogAction"]["actionStatus"]
    assert status == {"statusCode": "OK", "userFacingMessage": "Saved r-42"}
    strict_message(closed)
    event = seen[-1]
    assert event.form_inputs.text("what") == "stand-up"
    assert event.form_inputs.values("who") == (
        "users/112233445566778899001",
        "users/112233445566778899002",
    )
    assert event.form_inputs.time("at") == dt.time(9, 30)
    assert event.form_inputs.datetime("when") == dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)
    assert event.form_inputs.date("day") == dt.date(2026, 1, 15)
    assert event.time_zone is not None
    assert event.time_zone.id == "Europe/Berlin"


def test_a_validation_error_keeps_the_user_informed(
    dialog_harness: Callable[[str], ChatHarness],
) -> None:
    harness = dialog_harness("project_number")
    event = fixture("legacy", "dialog_submit")
    event["common"]["formInputs"]["what"] = {"stringInputs": {"value": [""]}}
    closed = harness.post(event).json
    status = closed["actionResponse"]["dialogAction"]["actionStatus"]
    assert status["statusCode"] == "INVALID_ARGUMENT"


def test_addon_dialog_uses_navigations_and_endpoint_url_actions(
    dialog_harness: Callable[[str], ChatHarness],
) -> None:
    harness = dialog_harness("addon")
    opened = harness.post(fixture("addon", "dialog_request")).json
    check_addon(opened)
    card = opened["action"]["navigations"][0]["pushCard"]
    button = card["sections"][0]["widgets"][2]["buttonList"]["buttons"][0]
    action = button["onClick"]["action"]
    assert action["function"].startswith("https://")
    assert {"key": "actionName", "value": "saveReminder"} in action["parameters"]

    closed = harness.post(fixture("addon", "dialog_submit")).json
    assert closed["action"]["navigations"] == [{"endNavigation": {"action": "CLOSE_DIALOG"}}]
    assert closed["action"]["notification"]["text"] == "Saved r-42"
    assert seen[-1].time_zone is not None
    assert seen[-1].time_zone.offset_ms == -18_000_000


def test_a_button_on_the_apps_message_updates_it_in_both_formats(
    dialog_harness: Callable[[str], ChatHarness],
) -> None:
    legacy = dialog_harness("project_number").post(fixture("legacy", "card_clicked")).json
    assert legacy["actionResponse"]["type"] == "UPDATE_MESSAGE"
    strict_message(legacy)
    addon = dialog_harness("addon").post(fixture("addon", "card_clicked")).json
    check_addon(addon)
    update = addon["hostAppDataAction"]["chatDataAction"]["updateMessageAction"]
    assert update["message"]["text"] == "Snoozed for 20 minutes"
