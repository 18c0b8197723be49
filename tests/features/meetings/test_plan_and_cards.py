"""Which events get a reminder, how a reminder is stored, and what its card shows.

Pure code: Calendar events as Google's ``Event`` JSON, parsed by the client layer's
model, then the feature's rules, payload round-trip and cards (rendered to JSON).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.calendar.models import CalendarEvent
from shared.chat.cards import RenderContext
from shared.features.meetings import plan, posts
from shared.features.meetings.cards import agenda_card, meeting_card, meeting_text, span
from shared.store.calendars import (
    KIND_MEETINGS,
    KIND_SOLO,
    KIND_TENTATIVE,
    KIND_UNANSWERED,
    CalendarLink,
    LinkState,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
USER = "users/100"
LINK = CalendarLink(user=USER, state=LinkState.ACTIVE, zone="Europe/Berlin", generation=3)


def event(**fields: Any) -> CalendarEvent:
    data: dict[str, Any] = {
        "id": "ev1",
        "status": "confirmed",
        "summary": "Design review",
        "start": {"dateTime": "2026-12-01T15:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-12-01T15:45:00+01:00", "timeZone": "Europe/Berlin"},
        "organizer": {"email": "ada@example.com", "displayName": "Ada"},
        "attendees": [
            {"email": "me@example.com", "self": True, "responseStatus": "accepted"},
            {"email": "ada@example.com", "displayName": "Ada", "responseStatus": "accepted"},
            {"email": "room@resource.example.com", "resource": True, "responseStatus": "accepted"},
        ],
        "hangoutLink": "https://meet.google.com/abc-defg-hij",
        "htmlLink": "https://www.google.com/calendar/event?eid=xyz",
        "updated": "2026-11-30T10:00:00.000Z",
    }
    data.update(fields)
    return CalendarEvent.from_api(data)


def me(response: str) -> list[dict[str, Any]]:
    return [
        {"email": "me@example.com", "self": True, "responseStatus": response},
        {"email": "ada@example.com", "responseStatus": "accepted"},
    ]


# --- which events count ----------------------------------------------------------------


def test_a_meeting_ahead_gets_a_reminder() -> None:
    assert plan.verdict(event(), LINK, now=NOW).remind


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"status": "cancelled"}, plan.CANCELLED),
        ({"eventType": "focusTime"}, plan.OTHER_TYPE),
        ({"eventType": "outOfOffice"}, plan.OTHER_TYPE),
        ({"eventType": "workingLocation"}, plan.OTHER_TYPE),
        ({"eventType": "birthday"}, plan.OTHER_TYPE),
        ({"start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}}, plan.ALL_DAY),
        ({"attendees": me("declined")}, plan.DECLINED),
        (
            {
                "start": {"dateTime": "2026-12-01T08:00:00Z"},
                "end": {"dateTime": "2026-12-01T10:00:00Z"},
            },
            plan.STARTED,
        ),
    ],
)
def test_events_that_get_no_reminder_say_why(fields: dict[str, Any], reason: str) -> None:
    verdict = plan.verdict(event(**fields), LINK, now=NOW)
    assert (verdict.remind, verdict.reason) == (False, reason)


def test_a_cancelled_stub_with_only_an_id_is_cancelled() -> None:
    stub = CalendarEvent.from_api({"id": "ev1_20261201T140000Z", "status": "cancelled"})
    assert plan.verdict(stub, LINK, now=NOW).reason == plan.CANCELLED


def test_kinds_decide_solo_events_maybes_and_unanswered_invitations() -> None:
    solo = event(attendees=[])
    maybe = event(attendees=me("tentative"))
    unanswered = event(attendees=me("needsAction"))
    only_meetings = CalendarLink(user=USER, state=LinkState.ACTIVE, kinds=(KIND_MEETINGS,))
    everything = CalendarLink(
        user=USER,
        state=LinkState.ACTIVE,
        kinds=(KIND_MEETINGS, KIND_SOLO, KIND_TENTATIVE, KIND_UNANSWERED),
    )
    for e in (solo, maybe, unanswered):
        assert not plan.verdict(e, only_meetings, now=NOW).remind
        assert plan.verdict(e, everything, now=NOW).remind


def test_switched_off_reminders_withdraw_everything() -> None:
    off = CalendarLink(user=USER, state=LinkState.ACTIVE, reminders_on=False)
    assert plan.verdict(event(), off, now=NOW).reason == plan.REMINDERS_OFF


def test_the_agenda_lists_all_day_events_but_not_declined_ones() -> None:
    assert plan.in_agenda(event(start={"date": "2026-12-01"}, end={"date": "2026-12-02"}))
    assert not plan.in_agenda(event(attendees=me("declined")))
    assert not plan.in_agenda(event(eventType="focusTime"))


# --- the stored post -------------------------------------------------------------------------


def test_a_post_is_due_minutes_before_and_keyed_by_the_instance_and_start() -> None:
    meeting = posts.Meeting.of(event(), LINK)
    post = posts.new_post(meeting, LINK, now=NOW)
    assert post.id == posts.post_id(USER, "primary", "ev1")
    assert post.kind == "meeting"
    start = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert post.next_fire == (start - timedelta(minutes=10)).timestamp()
    assert post.due_key == str(int(start.timestamp()))
    back = posts.meeting_of(post)
    assert back == meeting
    assert back.attendees == (("me@example.com", "accepted"), ("Ada", "accepted"))
    assert back.generation == 3


def test_a_post_whose_time_has_passed_fires_now_not_in_the_past() -> None:
    soon = event(
        start={"dateTime": "2026-12-01T09:05:00Z"}, end={"dateTime": "2026-12-01T09:30:00Z"}
    )
    post = posts.new_post(posts.Meeting.of(soon, LINK), LINK, now=NOW)
    assert post.next_fire == NOW.timestamp()


def test_unsafe_links_never_become_buttons() -> None:
    hostile = event(hangoutLink="javascript:alert(1)", htmlLink="http://example.com/x")
    meeting = posts.Meeting.of(hostile, LINK)
    assert (meeting.meet_link, meeting.calendar_link) == ("", "")


def test_a_pending_conference_shows_no_join_link() -> None:
    pending = event(
        hangoutLink=None,
        conferenceData={
            "createRequest": {"status": {"statusCode": "pending"}},
            "entryPoints": [{"entryPointType": "video", "uri": "https://meet.google.com/x"}],
        },
    )
    assert posts.Meeting.of(pending, LINK).meet_link == ""


# --- cards -----------------------------------------------------------------------------------


def rendered(card: Any) -> str:
    return json.dumps(card.to_dict(RenderContext()), ensure_ascii=False)


def test_the_card_shows_time_in_the_calendar_zone_with_join_and_snooze() -> None:
    meeting = posts.Meeting.of(event(), LINK)
    assert span(meeting) == "Tue 1 Dec, 3:00 PM \u2013 3:45 PM CET"
    text = rendered(meeting_card(meeting, "mtg-1", now=NOW, shared_space=False))
    assert "Design review" in text
    assert "starts in 5 hours" in text
    assert "https://meet.google.com/abc-defg-hij" in text
    assert "meetings.snooze" in text
    assert "Ada (yes)" in text
    assert "room@resource" not in text


def test_a_private_event_in_a_shared_space_is_busy() -> None:
    secret = event(visibility="private", location="Room 1", summary="Interview: Bob")
    meeting = posts.Meeting.of(secret, LINK)
    text = rendered(meeting_card(meeting, "mtg-1", now=NOW, shared_space=True))
    assert "Busy" in text
    assert "Interview" not in text
    assert "Room 1" not in text
    assert "Ada" not in text
    assert "Interview" not in meeting_text(meeting, now=NOW, shared_space=True)
    # In the owner's DM it is shown in full.
    assert "Interview: Bob" in rendered(meeting_card(meeting, "mtg-1", now=NOW, shared_space=False))


def test_hidden_guest_lists_stay_hidden() -> None:
    hidden = event(guestsCanSeeOtherGuests=False)
    text = rendered(meeting_card(posts.Meeting.of(hidden, LINK), "m", now=NOW, shared_space=False))
    assert "Guests" not in text


def test_calendar_text_is_escaped_in_cards_and_text() -> None:
    hostile = event(summary="<b>x</b> <users/all> *bold*", location="<img src=x>")
    meeting = posts.Meeting.of(hostile, LINK)
    text = rendered(meeting_card(meeting, "m", now=NOW, shared_space=False))
    assert "<b>x</b>" not in text
    assert "<img" not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    message = meeting_text(meeting, now=NOW, shared_space=False)
    assert "<users/all>" not in message


def test_a_cancelled_posted_reminder_says_so_without_buttons() -> None:
    meeting = posts.Meeting.of(event(), LINK)
    from dataclasses import replace

    gone = replace(meeting, notice="cancelled")
    text = rendered(meeting_card(gone, "m", now=NOW, shared_space=False))
    assert "Cancelled" in text
    assert "meetings.snooze" not in text
    assert "Join" not in text
    moved = replace(meeting, notice="moved", was_start=meeting.start - timedelta(hours=1))
    assert "was Tue 1 Dec, 2:00 PM" in rendered(
        meeting_card(moved, "m", now=NOW, shared_space=False)
    )


def test_the_agenda_lists_all_day_items_first() -> None:
    meeting = posts.Meeting.of(event(), LINK)
    card = agenda_card(
        date(2026, 12, 1), ["Offsite"], [meeting], zone="Europe/Berlin", shared_space=False
    )
    text = rendered(card)
    assert text.index("Offsite") < text.index("Design review")
    assert "All day" in text
    assert "3:00 PM \u2013 3:45 PM" in text
