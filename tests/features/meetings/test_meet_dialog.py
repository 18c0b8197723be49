"""The ``/meet`` dialog through ``chat_app``, in both formats: what only a dialog can ask.

Without the directory scope, mentioned people's emails are asked for; without a
known time zone, the click that opens the dialog brings it. Bad input is shown
inside the dialog; a retried submission makes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.store.users import ZoneSource
from tests.features.meetings.meet_fixtures import (
    ALEX,
    BERLIN,
    FORMATS,
    IVY,
    READ,
    USER,
    WRITE,
    MeetStack,
    date_time_input,
    field_names,
    stack_factory,
    text_input,
    widgets,
)
from tests.scenarios.test_reminders_kit import Answer

Build = Callable[[str], MeetStack]
ALEX_FIELD = f"email_{ALEX.user_id}"
IVY_FIELD = f"email_{IVY.user_id}"


@pytest.fixture
def meet_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Build]:
    with stack_factory(tmp_path, monkeypatch) as build:
        yield build


def tomorrow_at(hour: int, zone: str = BERLIN) -> datetime:
    tz = ZoneInfo(zone)
    day = (datetime.now(tz) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def open_from(stack: MeetStack, answer: Answer, *, zone: str | None = BERLIN) -> Answer:
    """Press the answer's *Continue…* button, as Chat does for an ``OPEN_DIALOG`` button."""
    button = answer.button("Continue…")
    assert button.opens_dialog
    dialog = stack.press(button, zone=zone, dialog="REQUEST_DIALOG")
    assert dialog.kind == "dialog", dialog.raw
    return dialog


def picked(dialog: Answer) -> datetime:
    (picker,) = [w["dateTimePicker"] for w in widgets(dialog) if "dateTimePicker" in w]
    return datetime.fromtimestamp(int(picker["valueMsEpoch"]) / 1000, UTC)


def value_of(dialog: Answer, name: str) -> str:
    (found,) = [
        w["textInput"].get("value", "")
        for w in widgets(dialog)
        if "textInput" in w and w["textInput"]["name"] == name
    ]
    return str(found)


@pytest.mark.parametrize("kind", FORMATS)
def test_without_the_directory_the_dialog_asks_for_emails(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect(only=[READ, WRITE])
    line = stack.say(
        "/meet Design review tomorrow at 3pm for 45m with @Alex Example and x@partner.example",
        mentions=[ALEX],
    )
    assert line.private
    assert "share email addresses" in line.card_text()
    assert stack.events() == []

    dialog = open_from(stack, line)
    assert field_names(dialog) == ["title", "when", "duration", ALEX_FIELD, "guests", "everyone"]
    assert value_of(dialog, "title") == "Design review"
    assert value_of(dialog, "guests") == "x@partner.example"
    assert picked(dialog) == tomorrow_at(15)
    schedule = dialog.button("Schedule")

    past = datetime.now(UTC) - timedelta(hours=2)
    bad = stack.press(
        schedule,
        dialog="SUBMIT_DIALOG",
        form={
            "title": text_input(" "),
            "when": date_time_input(past),
            "duration": text_input("45"),
            "guests": text_input("x@partner.example, not-an-address"),
            ALEX_FIELD: text_input(""),
        },
    )
    assert bad.kind == "dialog"
    errors = bad.card_text()
    assert "Give the meeting a title." in errors
    assert "That time has passed" in errors
    assert "“not-an-address” is not an email address." in errors
    assert "Enter the email address of Alex Example." in errors
    assert value_of(bad, "guests") == "x@partner.example, not-an-address"
    assert stack.events() == []

    good_form = {
        "title": text_input("Design review"),
        "when": date_time_input(tomorrow_at(15)),
        "duration": text_input("45"),
        "guests": text_input("x@partner.example"),
        ALEX_FIELD: text_input("Alex@Example.com"),
    }
    good = stack.press(bad.button("Schedule"), dialog="SUBMIT_DIALOG", form=good_form)
    assert (good.kind, good.status) == ("close", "OK"), good.raw
    assert good.toast.startswith("Scheduled Design review for ")
    (made,) = stack.events()
    assert sorted(a["email"] for a in made["data"]["attendees"] if not a.get("organizer")) == [
        "alex@example.com",
        "x@partner.example",
    ]
    assert datetime.fromisoformat(made["data"]["end"]["dateTime"]) == tomorrow_at(15) + timedelta(
        minutes=45
    )
    assert len(stack.posts()) == 1

    # The same submission again (Chat retried it): still one event, one announcement.
    again = stack.press(bad.button("Schedule"), dialog="SUBMIT_DIALOG", form=good_form)
    assert again.kind == "close"
    assert len(stack.events()) == 1
    assert len(stack.posts()) == 1


@pytest.mark.parametrize("kind", FORMATS)
def test_an_unknown_zone_is_brought_by_the_click(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect(zone=None)
    line = stack.say("/meet Sync tomorrow at 9am")
    assert "time zone" in line.card_text()
    assert stack.events() == []
    dialog = open_from(stack, line, zone=BERLIN)
    assert picked(dialog) == tomorrow_at(9)
    prefs = stack.services.users().get_user(USER)
    assert prefs is not None
    assert (prefs.zone, prefs.zone_source) == (BERLIN, ZoneSource.CHAT)
    form = {
        "title": text_input("Sync"),
        "when": date_time_input(tomorrow_at(9)),
        "duration": text_input("30"),
    }
    done = stack.press(dialog.button("Schedule"), dialog="SUBMIT_DIALOG", form=form)
    assert done.kind == "close"
    (made,) = stack.events()
    assert made["data"]["start"]["timeZone"] == BERLIN
    assert datetime.fromisoformat(made["data"]["start"]["dateTime"]) == tomorrow_at(9)


@pytest.mark.parametrize("kind", FORMATS)
def test_meet_alone_opens_the_dialog_and_everyone_is_invited(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    start = stack.say("/meet")
    assert start.card_ids == ["meet-start"]
    dialog = stack.press(start.button("Schedule a meeting…"), dialog="REQUEST_DIALOG")
    assert field_names(dialog) == ["title", "when", "duration", "guests", "everyone"]
    form = {
        "title": text_input("All hands"),
        "when": date_time_input(tomorrow_at(17)),
        "duration": text_input("60"),
        "everyone": text_input("everyone"),
    }
    done = stack.press(dialog.button("Schedule"), dialog="SUBMIT_DIALOG", form=form)
    assert done.kind == "close", done.raw
    (made,) = stack.events()
    invited = sorted(a["email"] for a in made["data"]["attendees"] if not a.get("organizer"))
    assert invited == sorted([ALEX.email, IVY.email])


@pytest.mark.parametrize("kind", FORMATS)
def test_everyone_without_the_directory_asks_for_each_email(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect(only=[READ, WRITE])
    start = stack.say("/meet")
    dialog = stack.press(start.button("Schedule a meeting…"), dialog="REQUEST_DIALOG")
    form = {
        "title": text_input("All hands"),
        "when": date_time_input(tomorrow_at(17)),
        "duration": text_input("60"),
        "everyone": text_input("everyone"),
    }
    asked = stack.press(dialog.button("Schedule"), dialog="SUBMIT_DIALOG", form=form)
    assert asked.kind == "dialog"
    assert {ALEX_FIELD, IVY_FIELD} <= set(field_names(asked))
    assert stack.events() == []
    form |= {ALEX_FIELD: text_input(ALEX.email), IVY_FIELD: text_input(IVY.email)}
    done = stack.press(asked.button("Schedule"), dialog="SUBMIT_DIALOG", form=form)
    assert done.kind == "close", done.raw
    (made,) = stack.events()
    assert len(made["data"]["attendees"]) >= 2


@pytest.mark.parametrize("kind", FORMATS)
def test_a_command_configured_for_a_dialog_opens_it_at_once(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    event = stack.event("/meet")
    if kind == "legacy":
        event |= {"isDialogEvent": True, "dialogEventType": "REQUEST_DIALOG"}
        event["message"]["annotations"][0]["slashCommand"]["triggersDialog"] = True
    else:
        event["chat"]["appCommandPayload"] |= {
            "isDialogEvent": True,
            "dialogEventType": "REQUEST_DIALOG",
        }
    dialog = stack.post(event)
    assert dialog.kind == "dialog"
    closed = stack.press(dialog.button("Schedule"), dialog="CANCEL_DIALOG")
    assert closed.kind == "close"
    assert stack.events() == []


@pytest.mark.parametrize("kind", FORMATS)
def test_a_dialog_command_with_a_line_opens_it_prefilled(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    event = stack.event("/meet Design review tomorrow at 3pm with @Alex Example", mentions=[ALEX])
    if kind == "legacy":
        event |= {"isDialogEvent": True, "dialogEventType": "REQUEST_DIALOG"}
    else:
        event["chat"]["appCommandPayload"] |= {
            "isDialogEvent": True,
            "dialogEventType": "REQUEST_DIALOG",
        }
    dialog = stack.post(event)
    assert dialog.kind == "dialog"
    assert value_of(dialog, "title") == "Design review"
    assert value_of(dialog, "guests") == f"Alex Example <{ALEX.email}>"
    assert picked(dialog) == tomorrow_at(15)
    assert stack.events() == []
