"""``/meet`` in one line, through ``chat_app`` in both event formats, against Calendar and People.

The event lands in the caller's primary calendar with a Meet link, at the time
typed in their zone, inviting the mentioned people; the announcement is posted
once however often Chat retries the same event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.features.meetings.meet_make import event_id
from tests.features.meetings.meet_fixtures import (
    ALEX,
    BERLIN,
    DEV,
    DEV_DM,
    FORMATS,
    IVY,
    READ,
    TEAM,
    USER,
    MeetStack,
    links,
    stack_factory,
)
from tests.scenarios.test_reminders_kit import read_answer

Build = Callable[[str], MeetStack]


@pytest.fixture
def meet_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Build]:
    with stack_factory(tmp_path, monkeypatch) as build:
        yield build


def tomorrow_at(hour: int, minute: int = 0, zone: str = BERLIN) -> datetime:
    tz = ZoneInfo(zone)
    day = (datetime.now(tz) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_line_makes_one_event_with_a_meet_link_even_when_chat_retries(
    meet_stack: Build, kind: str
) -> None:
    stack = meet_stack(kind)
    stack.connect()
    line = "/meet Design review tomorrow at 3pm for 45m with @Alex Example @Ivy Invitee"
    event = stack.event(line, mentions=[ALEX, IVY])

    first = stack.post(event)

    assert first.private
    assert "Scheduled Design review" in first.text
    assert "invited 2 guests" in first.text
    (made,) = stack.events()
    message_name = (
        event["message"]["name"]
        if kind == "legacy"
        else (event["chat"]["appCommandPayload"]["message"]["name"])
    )
    assert made["id"] == event_id(USER, message_name)
    data = made["data"]
    assert data["summary"] == "Design review"
    start, end = tomorrow_at(15), tomorrow_at(15, 45)
    assert datetime.fromisoformat(data["start"]["dateTime"]) == start
    assert datetime.fromisoformat(data["end"]["dateTime"]) == end
    assert data["start"]["timeZone"] == BERLIN
    assert sorted(a["email"] for a in data["attendees"] if not a.get("organizer")) == [
        ALEX.email,
        IVY.email,
    ]
    assert made["sendUpdates"]
    (posted,) = stack.posts()
    assert posted["cardsV2"][0]["cardId"] == f"meet-{made['id']}"
    buttons = links(posted)
    assert buttons["Join"].startswith("https://meet.google.com/")
    assert "Open in Calendar" in buttons
    assert "Design review" in posted["text"]
    stored = stack.services.calendars().get_meeting(made["id"])
    assert stored is not None
    assert (stored.user, stored.space, stored.message) == (USER, TEAM, posted["name"])
    assert stored.meeting_code
    assert stored.meeting_code in buttons["Join"]

    # Chat retries the very same event (its answer was lost): nothing is made twice.
    again = stack.post(event)
    assert again.text == first.text
    assert len(stack.events()) == 1
    assert len(stack.posts()) == 1


@pytest.mark.parametrize("kind", FORMATS)
def test_with_everyone_invites_the_space_members(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    answer = stack.say("/meet Retro tomorrow at 10am with everyone and guest@partner.example")
    assert answer.private, answer.raw
    (made,) = stack.events()
    invited = sorted(a["email"] for a in made["data"]["attendees"] if not a.get("organizer"))
    assert invited == sorted([ALEX.email, IVY.email, "guest@partner.example"])
    assert "invited 3 guests" in answer.text


@pytest.mark.parametrize("kind", FORMATS)
def test_without_the_write_scope_it_asks_for_consent(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    raw = stack.send(stack.event("/meet Sync tomorrow at 9am"))
    if kind == "legacy":
        assert raw["actionResponse"]["type"] == "REQUEST_CONFIG"
        url = raw["actionResponse"]["url"]
    else:
        url = raw["basicAuthorizationPrompt"]["authorizationUrl"]
    scopes = url.split("scope=", 1)[1].split("&", 1)[0]
    assert "calendar.events.owned" in scopes
    assert "directory.readonly" in scopes
    assert stack.events() == []

    # Granting reading only (as /meetings connect asks) is not enough: it says what is missing.
    stack.consent(raw, only=[READ])
    more = stack.say("/meet Sync tomorrow at 9am")
    assert more.card_ids == ["grant-access"]
    assert "Grant access" in links(more.message)
    assert stack.events() == []


@pytest.mark.parametrize("kind", FORMATS)
def test_a_meet_link_still_being_made_shows_no_join_button(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    stack.calendar.set_knobs(conference_status="pending")
    stack.say("/meet Planning tomorrow at 11am")
    (posted,) = stack.posts()
    assert "Join" not in links(posted)
    assert "Open in Calendar" in links(posted)
    assert "Meet link is being created" in str(posted["cardsV2"])


@pytest.mark.parametrize("kind", FORMATS)
def test_hostile_titles_are_inert(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    stack.say('/meet "<b>Pwn</b> <users/all> *now*" tomorrow at 4pm')
    (made,) = stack.events()
    assert made["data"]["summary"] == "<b>Pwn</b> <users/all> *now*"
    (posted,) = stack.posts()
    assert "<users/all>" not in posted["text"]
    assert "*now*" not in posted["text"]
    cards = str(posted["cardsV2"])
    assert "<b>Pwn" not in cards
    assert "&lt;b&gt;Pwn&lt;/b&gt; &lt;users/all&gt;" in cards


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/meet Sync on 2020-01-01 at 3pm", "has already passed"),
        ("/meet Sync tomorrow at 3pm for 25 hours", "at most 24 hours"),
        ("/meet Design review", "When is the meeting?"),
        ("/meet Standup every weekday at 9am", "one meeting"),
    ],
)
def test_lines_it_will_not_guess_at_are_refused_with_one_that_works(
    meet_stack: Build, kind: str, line: str, says: str
) -> None:
    stack = meet_stack(kind)
    stack.connect()
    answer = stack.say(line)
    assert answer.private
    assert says in answer.text
    assert "Try: `/meet " in answer.text
    assert stack.events() == []
    assert stack.posts() == []


@pytest.mark.parametrize("kind", FORMATS)
def test_in_a_dm_the_announcement_is_the_answer(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    raw = stack.send(stack.event("/meet Focus tomorrow at 8am for 2h", persona=DEV_DM))
    assert read_answer(raw, kind).kind == "ack"
    (posted,) = stack.posts(DEV_DM.space)
    assert "Focus" in posted["text"]
    assert DEV.email not in str(stack.events()[0]["data"].get("attendees", []))


@pytest.mark.parametrize("kind", FORMATS)
def test_guests_are_capped_at_one_hundred(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    many = " ".join(f"g{n}@x.org" for n in range(101))
    answer = stack.say(f"/meet Town hall tomorrow at 4pm with {many}")
    assert answer.private
    assert "at most 100 guests" in answer.text
    assert "would invite 101" in answer.text
    assert stack.events() == []
    stack.say("/meet Town hall tomorrow at 4pm with " + " ".join(many.split()[:100]))
    (made,) = stack.events()
    assert len([a for a in made["data"]["attendees"] if not a.get("organizer")]) == 100


@pytest.mark.parametrize("kind", FORMATS)
def test_everyone_in_a_dm_is_refused(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    answer = stack.post(stack.event("/meet Sync tomorrow at 3pm with everyone", persona=DEV_DM))
    assert "just you and Nudge" in answer.text
    assert stack.events() == []


@pytest.mark.parametrize("kind", FORMATS)
def test_an_insert_whose_answer_was_lost_is_not_made_twice(meet_stack: Build, kind: str) -> None:
    stack = meet_stack(kind)
    stack.connect()
    # Calendar makes the event, then fails the answer: the client's retry meets 409 duplicate.
    stack.calendar.set_faults(fault_after_commit_rate=1.0)
    answer = stack.say("/meet Design review tomorrow at 3pm")
    stack.calendar.set_faults()
    assert "Scheduled Design review" in answer.text, answer.raw
    assert len(stack.events()) == 1
    assert len(stack.posts()) == 1
