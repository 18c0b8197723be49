"""The ``/meet`` announcement card, the dialog's reading of its fields, and the event IDs."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.calendar.models import CalendarEvent
from shared.chat.cards import RenderContext
from shared.chat.events.models import DateTimeInput, FormInputs, StringInput
from shared.chat.render import render_message
from shared.features.meetings.meet_cards import announcement, join_link
from shared.features.meetings.meet_dialog import (
    MAX_FIELDS,
    Draft,
    dialog_card,
    read_form,
    read_guests,
    submitted_request,
)
from shared.features.meetings.meet_make import event_id, guests_field

NOW = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
START = datetime(2026, 6, 11, 13, 0, tzinfo=UTC)


def calendar_event(**data: Any) -> CalendarEvent:
    body = {
        "id": "nudgeabc123",
        "summary": "Design review",
        "start": {"dateTime": "2026-06-11T15:00:00+02:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-06-11T15:45:00+02:00", "timeZone": "Europe/Berlin"},
        "htmlLink": "https://calendar.google.com/event?eid=abc",
        "hangoutLink": "https://meet.google.com/abc-defg-hij",
        "conferenceData": {
            "conferenceId": "abc-defg-hij",
            "createRequest": {"status": {"statusCode": "success"}},
        },
    }
    return CalendarEvent.from_api(body | data)


def rendered(event: CalendarEvent, title: str = "Design review", **kw: Any) -> dict[str, Any]:
    reply = announcement(
        event,
        title=title,
        zone="Europe/Berlin",
        organizer=kw.get("organizer", "Dev"),
        guests=kw.get("guests", ["Ada Lovelace", "bob@example.com"]),
    )
    return render_message(reply)


def test_the_card_shows_the_time_in_the_zone_and_a_join_button() -> None:
    body = rendered(calendar_event())
    text = json.dumps(body)
    assert "Thu 11 Jun, 3:00 PM" in text
    assert "3:45 PM CEST" in text
    assert "Ada Lovelace and bob@example.com" in text
    assert '"Join"' in text
    assert "https://meet.google.com/abc-defg-hij" in text
    assert "Open in Calendar" in text
    assert body["text"].startswith("📅 Dev scheduled Design review")


@pytest.mark.parametrize(
    ("status", "says"),
    [("pending", "being created"), ("failure", "add a Meet link")],
)
def test_no_join_button_without_a_ready_link(status: str, says: str) -> None:
    event = calendar_event(
        hangoutLink="", conferenceData={"createRequest": {"status": {"statusCode": status}}}
    )
    assert join_link(event) == ""
    text = json.dumps(rendered(event))
    assert '"Join"' not in text
    assert says in text


def test_only_https_links_become_buttons() -> None:
    event = calendar_event(hangoutLink="javascript:alert(1)", htmlLink="http://example.com")
    text = json.dumps(rendered(event))
    assert "javascript:" not in text
    assert "Open in Calendar" not in text


def test_everything_typed_is_escaped() -> None:
    hostile = "<b>x</b> <users/all> *y*"
    body = rendered(calendar_event(), title=hostile, organizer="<users/all>", guests=[hostile])
    assert "<users/all>" not in body["text"]
    assert "*y*" not in body["text"]
    cards = json.dumps(body["cardsV2"])
    assert "<b>x</b>" not in cards
    assert "<users/all>" not in cards


def test_event_ids_are_base32hex_and_stable() -> None:
    one = event_id("users/1", "spaces/S/messages/M")
    assert re.fullmatch(r"nudge[0-9a-v]{26}", one)
    assert one == event_id("users/1", "spaces/S/messages/M")
    assert one != event_id("users/2", "spaces/S/messages/M")
    assert one != event_id("users/1", "dialog:abc")


def test_guests_field_round_trips() -> None:
    text = guests_field({"ada@x.org": "Lovelace, Ada <the first>", "bob@x.org": ""})
    guests, bad = read_guests(text)
    assert bad == []
    assert guests == [("Lovelace  Ada  the first", "ada@x.org"), ("", "bob@x.org")]
    assert read_guests("a@x.org b@y.org;\nnope") == ([("", "a@x.org"), ("", "b@y.org")], ["nope"])


def form(**values: Any) -> FormInputs:
    inputs: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, datetime):
            inputs[name] = DateTimeInput(int(value.timestamp() * 1000))
        else:
            inputs[name] = StringInput(tuple(value) if isinstance(value, list) else (value,))
    return FormInputs(inputs)


def test_reading_the_dialog() -> None:
    carried = Draft(request="r" * 24, people={"users/1": "Ada"})
    filled = read_form(
        form(
            title="Sync",
            when=START,
            duration="45",
            guests="B <b@x.org>",
            email_1="A@X.org",
            everyone=["everyone"],
        ),
        carried,
        now=NOW,
    )
    assert filled.problems == ()
    assert (filled.title, filled.start, filled.minutes, filled.everyone) == (
        "Sync",
        START,
        45,
        True,
    )
    assert filled.guests == (("B", "b@x.org"),)
    assert filled.emails == {"users/1": "a@x.org"}
    bad = read_form(form(when=NOW - timedelta(minutes=1), duration="soon"), carried, now=NOW)
    assert bad.problems == (
        "Give the meeting a title.",
        "That time has passed: pick one in the future.",
        "Pick how long the meeting lasts.",
        "Enter the email address of Ada.",
    )


def test_carried_parameters_are_untrusted() -> None:
    assert submitted_request({"request": "../../etc"}) is None
    assert submitted_request({}) is None
    people = {f"users/{n}": "x" for n in range(MAX_FIELDS + 5)} | {"spaces/evil": "y"}
    draft = Draft.from_params(
        {"people": json.dumps(people), "start": "nope", "minutes": "99999", "thread": "x/y"}, "r"
    )
    assert len(draft.people) == MAX_FIELDS
    assert "spaces/evil" not in draft.people
    assert (draft.start, draft.minutes, draft.thread) == (None, 30, "")
    assert Draft.from_params({"people": "{not json"}, "r").people == {}


def test_the_dialog_keeps_everything_under_chat_limits() -> None:
    people = {f"users/{n}": "<Name>" * 30 for n in range(MAX_FIELDS)}
    card = dialog_card(
        Draft(request="r" * 24, title="x" * 300, people=people, guests="a@x.org, " * 100),
        in_space=True,
        now=NOW,
        errors=("<oops>",) * 5,
    )
    assert card.widget_count < 100
    assert "<oops>" not in json.dumps(card.to_dict(RenderContext(dialog=True)))
