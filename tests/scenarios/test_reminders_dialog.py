"""``/remind`` on its own: the dialog opens, shows its errors inside, and creates the reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.schedules.schedule import Schedule
from shared.store.reminders import Reminder
from shared.store.users import ZoneSource
from tests.scenarios.conftest import ChatHarness
from tests.scenarios.test_reminders_kit import (
    ADA,
    ADA_DM,
    BERLIN,
    FORMATS,
    Answer,
    ChatSession,
    date_time_input,
    session_factory,
    text_input,
)

Session = Callable[[str], ChatSession]


@pytest.fixture
def chat_session(make_harness: Callable[..., ChatHarness]) -> Callable[[str], ChatSession]:
    return session_factory(make_harness)


def widgets(answer: Answer) -> list[dict[str, Any]]:
    return [w for section in answer.dialog["sections"] for w in section["widgets"]]


def field_names(answer: Answer) -> list[str]:
    names = []
    for widget in widgets(answer):
        for body in widget.values():
            if isinstance(body, dict) and "name" in body:
                names.append(body["name"])
    return names


def stored(session: ChatSession) -> list[Reminder]:
    return list(session.services.reminders().owned_by(ADA.user["name"]).items)


def open_dialog(session: ChatSession, zone: str | None = BERLIN) -> Answer:
    started = session.say("/remind")
    assert (started.kind, started.private, started.card_ids) == ("new", True, ["reminder-help"])
    new = started.button("New reminder…")
    assert new.opens_dialog
    dialog = session.press(new, zone=zone, message=started, dialog="REQUEST_DIALOG")
    assert dialog.kind == "dialog"
    return dialog


@pytest.mark.parametrize("kind", FORMATS)
def test_the_dialog_opens_shows_errors_inside_then_creates_the_reminder(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    dialog = open_dialog(session)
    assert field_names(dialog) == ["what", "when", "repeat", "where"]
    submit = dialog.button("Create reminder")

    past = datetime.now(UTC) - timedelta(hours=1)
    bad = session.press(
        submit,
        dialog="SUBMIT_DIALOG",
        form={"what": text_input(" "), "when": date_time_input(past)},
    )
    assert bad.kind == "dialog"
    errors = bad.card_text()
    assert "Say what to remind you of." in errors
    assert "That time has passed: pick one in the future." in errors
    assert stored(session) == []

    # Two days from now at 18:00 in Berlin, every week, for the space.
    berlin = ZoneInfo(BERLIN)
    day = (datetime.now(UTC).astimezone(berlin) + timedelta(days=2)).date()
    when = datetime(day.year, day.month, day.day, 18, 0, tzinfo=berlin)
    form = {
        "what": text_input("Water the plants"),
        "when": date_time_input(when),
        "repeat": text_input("weekly"),
        "where": text_input("here"),
    }
    good = session.press(bad.button("Create reminder"), dialog="SUBMIT_DIALOG", form=form)
    assert (good.kind, good.status) == ("close", "OK")
    (reminder,) = stored(session)
    assert good.toast.startswith(f"Reminder {reminder.id} set for ")
    assert good.toast.endswith(f", every {when.strftime('%A')} at 6:00 PM")
    assert (reminder.text, reminder.space, reminder.zone) == (
        "Water the plants",
        ADA.space,
        BERLIN,
    )
    schedule = Schedule.from_storage(reminder.schedule)
    assert schedule.rule is not None
    assert schedule.rule.startswith("FREQ=WEEKLY")
    assert reminder.next_fire == when.timestamp()
    following = schedule.next_after(when)
    assert following is not None
    assert following.astimezone(berlin).replace(tzinfo=None) == (
        when.replace(tzinfo=None) + timedelta(days=7)
    )
    prefs = session.services.users().get_user(ADA.user["name"])
    assert prefs is not None
    assert (prefs.zone, prefs.zone_source) == (BERLIN, ZoneSource.CHAT)


@pytest.mark.parametrize("kind", FORMATS)
def test_bad_input_keeps_what_was_typed(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    submit = open_dialog(session).button("Create reminder")
    far = datetime.now(UTC) + timedelta(days=6 * 365)
    form = {"what": text_input("Renew the passport"), "when": date_time_input(far)}
    answer = session.press(submit, dialog="SUBMIT_DIALOG", form=form)
    assert answer.kind == "dialog"
    assert "That is more than 5 years ahead." in answer.card_text()
    (what,) = [w["textInput"] for w in widgets(answer) if "textInput" in w]
    assert what["value"] == "Renew the passport"
    (when,) = [w["dateTimePicker"] for w in widgets(answer) if "dateTimePicker" in w]
    assert int(when["valueMsEpoch"]) == int(far.timestamp() * 1000)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_repeat_without_any_zone_is_refused_inside_the_dialog(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    submit = open_dialog(session, zone=None).button("Create reminder")
    soon = datetime.now(UTC) + timedelta(hours=3)
    form = {"what": text_input("Stretch"), "when": date_time_input(soon)}
    daily = session.press(
        submit, zone=None, dialog="SUBMIT_DIALOG", form=form | {"repeat": text_input("daily")}
    )
    assert "/remind timezone Europe/Berlin" in daily.card_text()
    # A one-off is an absolute instant and needs no zone.
    once = session.press(submit, zone=None, dialog="SUBMIT_DIALOG", form=form)
    assert once.kind == "close"
    assert once.toast.endswith("UTC")


@pytest.mark.parametrize("kind", FORMATS)
def test_a_command_configured_to_open_a_dialog_opens_it_directly(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    event = session.event("/remind", ADA_DM)
    if kind == "legacy":
        event |= {"isDialogEvent": True, "dialogEventType": "REQUEST_DIALOG"}
        event["message"]["annotations"][0]["slashCommand"]["triggersDialog"] = True
    else:
        payload = event["chat"]["appCommandPayload"]
        payload |= {"isDialogEvent": True, "dialogEventType": "REQUEST_DIALOG"}
    dialog = session.post(event)
    assert dialog.kind == "dialog"
    assert field_names(dialog) == ["what", "when", "repeat"]  # a DM: no destination choice


@pytest.mark.parametrize("kind", FORMATS)
def test_closing_the_dialog_is_acknowledged(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    submit = open_dialog(session).button("Create reminder")
    closed = session.press(submit, dialog="CANCEL_DIALOG")
    assert closed.kind == "close"
    assert stored(session) == []
