"""What people see and set, through chat_app in both formats: the ``/meetings`` card and
its Save, reminders posted into a space (private events as "Busy"), Snooze, the daily
agenda (all-day events first, nothing on an empty day), and series across daylight
saving in New York and Berlin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.store.calendars import LinkState
from tests.features.meetings.conftest import DM, IN_TEAM, USER, MeetingsStack
from tests.features.meetings.conftest import at as now_plus
from tests.scenarios.test_reminders_kit import FORMATS, Answer, text_input

ALEX = "alex@example.com"
DEV = "dev@example.com"
TEAM = "spaces/AAAA"


def meeting(title: str, start: datetime, minutes: int = 30, **extra: Any) -> dict[str, Any]:
    return {
        "summary": title,
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat()},
        "attendees": [{"email": DEV}, {"email": ALEX}],
        **extra,
    }


def checked(*values: str) -> dict[str, Any]:
    return {"stringInputs": {"value": list(values)}}


def settings_form(**changes: Any) -> dict[str, Any]:
    form = {
        "reminders_on": checked("on"),
        "minutes": text_input("10"),
        "destination": text_input(""),
        "agenda_time": text_input("08:30"),
        "kinds": checked("meetings", "tentative", "unanswered"),
    }
    for name, value in changes.items():
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return form


def pending(stack: MeetingsStack) -> dict[str, Any]:
    page = stack.runtime.services.reminders().owned_by(USER, kind="meeting", limit=500)
    return {r.text: r for r in page.items if r.state.value == "active"}


@pytest.mark.parametrize("kind", FORMATS)
def test_the_settings_card_connects_and_saves_in_both_formats(
    make_stack: Callable[..., MeetingsStack], kind: str
) -> None:
    stack = make_stack(kind=kind)
    first = stack.say("/meetings")
    assert "Not connected" in first.card_text()
    stack.connect()
    card = stack.say("/meetings")
    assert "Connected as dev@example.com" in card.card_text()
    assert "America/New_York" in card.card_text()

    base = now_plus(0)
    stack.calendar.create_event(ALEX, meeting("Sync", base + timedelta(minutes=90)))
    stack.pushes()
    save = card.button("Save")
    answer = stack.press(save, form=settings_form(minutes=text_input("30")))
    assert answer.kind == "update"
    assert "Saved. Updating your reminders now." in answer.card_text()
    stack.run_jobs()
    link = stack.runtime.services.calendars().get_link(USER)
    assert link is not None
    assert link.minutes_before == 30
    assert pending(stack)["Sync"].next_fire == pytest.approx(
        (base + timedelta(minutes=60)).timestamp(), abs=2
    )

    bad = stack.press(save, form=settings_form(agenda_time=text_input("25:99")))
    assert "The agenda time must look like 08:30." in bad.card_text()


def test_reminders_posted_into_a_space_hide_private_events(
    make_stack: Callable[..., MeetingsStack],
) -> None:
    stack = make_stack()
    stack.connect()
    card = stack.say("/meetings", IN_TEAM)
    assert card.private
    stack.press(card.button("Save"), IN_TEAM, form=settings_form(destination=text_input(TEAM)))
    stack.run_jobs()
    base = now_plus(0)
    stack.calendar.create_event(
        ALEX,
        meeting(
            "Interview: Bob", base + timedelta(minutes=30), visibility="private", location="R1"
        ),
    )
    stack.calendar.create_event(ALEX, meeting("Open house", base + timedelta(minutes=30)))
    stack.pushes()
    stack.tick(base + timedelta(minutes=21))
    posted = [str(m.get("text")) + str(m.get("cardsV2")) for m in stack.posts(TEAM)]
    busy = [p for p in posted if "Busy" in p]
    assert len(busy) == 1
    assert "Interview" not in busy[0]
    assert "R1" not in busy[0]
    assert any("Open house" in p for p in posted)
    assert not stack.meeting_posts(DM)


def test_snooze_brings_a_posted_reminder_back_once(
    make_stack: Callable[..., MeetingsStack],
) -> None:
    stack = make_stack()
    stack.connect()
    base = now_plus(0)  # the click below happens now, by the real clock
    stack.calendar.create_event(ALEX, meeting("Review", base + timedelta(minutes=12)))
    stack.pushes()
    stack.tick(base + timedelta(minutes=3))
    [posted] = stack.meeting_posts()
    answer = Answer("new", message=posted)
    snoozed = stack.press(answer.button("Snooze 5 min"), message=posted)
    assert snoozed.kind == "update"
    assert "Snoozed" in snoozed.card_text()
    stack.tick(base + timedelta(minutes=4))
    assert len(stack.meeting_posts()) == 1
    stack.tick(base + timedelta(minutes=6))
    assert len(stack.meeting_posts()) == 2
    stack.tick(base + timedelta(minutes=7))
    assert len(stack.meeting_posts()) == 2


def test_someone_else_cannot_snooze_my_reminder(make_stack: Callable[..., MeetingsStack]) -> None:
    stack = make_stack()
    stack.connect()
    base = now_plus(0)
    stack.calendar.create_event(ALEX, meeting("Review", base + timedelta(minutes=30)))
    stack.pushes()
    stack.tick(base + timedelta(minutes=21))
    [posted] = stack.meeting_posts()
    from devkit.sample_events import Persona

    other = Persona(user_id="999", display_name="Eve", email="eve@example.com")
    refused = stack.press(Answer("new", message=posted).button("Snooze 5 min"), other)
    assert "Only the person" in refused.text


def test_the_agenda_lists_the_day_all_day_first_and_skips_empty_days(
    make_stack: Callable[..., MeetingsStack],
) -> None:
    stack = make_stack()
    stack.connect()
    zone = ZoneInfo("America/New_York")
    day = (datetime.now(zone) + timedelta(days=2)).date()
    stack.calendar.create_event(
        ALEX,
        {
            "summary": "Offsite",
            "start": {"date": day.isoformat()},
            "end": {"date": (day + timedelta(days=1)).isoformat()},
            "attendees": [{"email": DEV}],
        },
    )
    ten = datetime.combine(day, time(10), zone)
    stack.calendar.create_event(ALEX, meeting("Planning", ten))
    stack.pushes()
    assert "Offsite" not in pending(stack), "all-day events get no timed reminder"

    card = stack.say("/meetings")
    stack.press(card.button("Save"), form=settings_form(agenda_on=checked("on")))
    link = stack.runtime.services.calendars().get_link(USER)
    assert link is not None
    assert link.agenda_next is not None
    agenda_at = datetime.combine(day, time(8, 30), zone)
    stack.tick(agenda_at.astimezone(UTC) - timedelta(days=1) + timedelta(minutes=1))
    assert not _agendas(stack), "nothing on an empty day"
    stack.tick(agenda_at.astimezone(UTC) + timedelta(minutes=1))
    stack.tick(agenda_at.astimezone(UTC) + timedelta(minutes=2))
    [agenda] = _agendas(stack)
    text = str(agenda["cardsV2"])
    assert text.index("Offsite") < text.index("Planning")
    assert "10:00 AM" in text


def _agendas(stack: MeetingsStack) -> list[dict[str, Any]]:
    return [m for m in stack.posts() if str(m.get("text", "")).startswith("🗓️")]


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [("America/New_York", date(2027, 3, 12)), ("Europe/Berlin", date(2027, 3, 26))],
)
def test_a_daily_series_keeps_its_local_time_across_daylight_saving(
    make_stack: Callable[..., MeetingsStack], zone: str, first_day: date
) -> None:
    stack = make_stack()
    stack.calendar.set_time_zone(DEV, calendar=zone)
    stack.connect()
    local = ZoneInfo(zone)
    start = datetime.combine(first_day, time(9), local)
    stack.calendar.create_event(
        ALEX,
        {
            "summary": "Stand-up",
            "start": {"dateTime": start.replace(tzinfo=None).isoformat(), "timeZone": zone},
            "end": {
                "dateTime": (start + timedelta(minutes=15)).replace(tzinfo=None).isoformat(),
                "timeZone": zone,
            },
            "recurrence": ["RRULE:FREQ=DAILY;COUNT=5"],
            "attendees": [{"email": DEV}],
        },
    )
    stack.pushes()
    page = stack.runtime.services.reminders().owned_by(USER, kind="meeting", limit=50)
    fires = sorted(r.next_fire or 0 for r in page.items if r.text == "Stand-up")
    local_fires = [datetime.fromtimestamp(f, local) for f in fires]
    assert [(f.date(), f.time()) for f in local_fires] == [
        (first_day + timedelta(days=n), time(8, 50)) for n in range(5)
    ]
    offsets = {f.utcoffset() for f in local_fires}
    assert len(offsets) == 2, "the series crosses the change of offset"
    link = stack.runtime.services.calendars().get_link(USER)
    assert link is not None
    assert link.state is LinkState.ACTIVE
    assert link.zone == zone


def test_a_calendar_zone_unlike_the_reminders_zone_is_told_once(
    make_stack: Callable[..., MeetingsStack],
) -> None:
    from shared.store.users import UserPrefs, ZoneSource

    stack = make_stack()
    users = stack.runtime.services.users()
    users.put_user(UserPrefs(USER, zone="Europe/Berlin", zone_source=ZoneSource.EXPLICIT))
    stack.connect()
    stack.say("/meetings sync")
    stack.run_jobs()
    notes = [m for m in stack.posts() if "Heads-up" in str(m.get("text"))]
    assert len(notes) == 1
    assert "America/New_York" in notes[0]["text"]
    assert "Europe/Berlin" in notes[0]["text"]
    prefs = users.get_user(USER)
    assert prefs is not None
    assert prefs.zone == "Europe/Berlin", "an explicit choice is never overridden"


def test_an_unknown_reminders_zone_is_learned_from_the_calendar(
    make_stack: Callable[..., MeetingsStack],
) -> None:
    stack = make_stack()
    stack.connect()
    prefs = stack.runtime.services.users().get_user(USER)
    assert prefs is not None
    assert prefs.zone == "America/New_York"
    assert not [m for m in stack.posts() if "Heads-up" in str(m.get("text"))]


def test_connecting_says_so_until_the_first_sync_ran(
    make_stack: Callable[..., MeetingsStack],
) -> None:
    stack = make_stack()
    asked = stack.say("/meetings connect")
    assert not asked.cards, "no grant yet: a consent prompt, not the card"
    stack.consent(asked.raw)
    card = stack.say("/meetings connect")
    assert "Connecting: reading your calendar for the first time." in card.card_text()
    stack.run_jobs()
    assert "Connected as dev@example.com" in stack.say("/meetings").card_text()
