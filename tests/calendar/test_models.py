"""``CalendarEvent``, ``EventPage`` and ``Channel`` parsing: pure, tolerant, UTC instants."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shared.calendar.models import (
    Attendee,
    CalendarEvent,
    Channel,
    EventPage,
    parse_rfc3339,
    parse_when,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-05T15:00:00Z", dt.datetime(2026, 10, 5, 15, 0, tzinfo=UTC)),
        ("2026-10-05T15:00:00z", dt.datetime(2026, 10, 5, 15, 0, tzinfo=UTC)),
        ("2026-10-05T17:00:00+02:00", dt.datetime(2026, 10, 5, 15, 0, tzinfo=UTC)),
        ("2026-10-05T10:30:00-04:30", dt.datetime(2026, 10, 5, 15, 0, tzinfo=UTC)),
        ("2026-10-05T15:00:00.5Z", dt.datetime(2026, 10, 5, 15, 0, 0, 500000, tzinfo=UTC)),
        ("2026-10-05T15:00:00.123Z", dt.datetime(2026, 10, 5, 15, 0, 0, 123000, tzinfo=UTC)),
        (
            "2026-10-05T15:00:00.123456789+00:00",
            dt.datetime(2026, 10, 5, 15, 0, 0, 123456, tzinfo=UTC),
        ),
    ],
)
def test_rfc3339_variants_become_aware_utc(text: str, expected: dt.datetime) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(0)


def test_rfc3339_without_offset_is_wall_time_in_the_zone_given() -> None:
    assert parse_rfc3339("2026-07-01T09:00:00", "Europe/Prague") == dt.datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC
    )
    assert parse_rfc3339("2026-07-01T09:00:00") == dt.datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "2026-10-05", "yesterday", "2026-10-05T25:00:00Z"])
def test_rfc3339_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)


def test_timed_event_with_offsets_and_zone() -> None:
    event = CalendarEvent.from_api(
        {
            "id": "abc123",
            "status": "confirmed",
            "summary": "Planning",
            "description": "<b>agenda</b>",
            "location": "Room 1",
            "start": {"dateTime": "2026-11-10T15:00:00+01:00", "timeZone": "Europe/Prague"},
            "end": {"dateTime": "2026-11-10T15:30:00+01:00", "timeZone": "Europe/Prague"},
            "updated": "2026-11-01T08:00:00.123Z",
            "htmlLink": "https://www.google.com/calendar/event?eid=x",
        }
    )
    assert event.start == dt.datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    assert event.end == dt.datetime(2026, 11, 10, 14, 30, tzinfo=UTC)
    assert event.zone == "Europe/Prague"
    assert not event.all_day
    assert not event.cancelled
    assert (event.start_date, event.end_date) == (None, None)
    assert event.updated == dt.datetime(2026, 11, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert (event.summary, event.description, event.location) == (
        "Planning",
        "<b>agenda</b>",
        "Room 1",
    )
    assert event.html_link.endswith("eid=x")


def test_all_day_event_keeps_dates_with_an_exclusive_end() -> None:
    event = CalendarEvent.from_api(
        {"id": "allday1", "start": {"date": "2026-12-24"}, "end": {"date": "2026-12-26"}}
    )
    assert event.all_day
    assert (event.start_date, event.end_date) == (dt.date(2026, 12, 24), dt.date(2026, 12, 26))
    assert (event.start, event.end) == (None, None)


def test_cancelled_stubs_need_only_an_id() -> None:
    deleted = CalendarEvent.from_api({"id": "gone1", "status": "cancelled"})
    assert deleted.cancelled
    assert deleted.start is None
    assert deleted.summary == ""
    assert deleted.attendees == ()
    instance = CalendarEvent.from_api(
        {
            "id": "series_20261110T140000Z",
            "status": "cancelled",
            "recurringEventId": "series",
            "originalStartTime": {"dateTime": "2026-11-10T15:00:00+01:00"},
        }
    )
    assert instance.recurring_event_id == "series"
    assert instance.original_start == dt.datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    all_day = CalendarEvent.from_api(
        {"id": "s_20261110", "originalStartTime": {"date": "2026-11-10"}}
    )
    assert all_day.original_start == dt.date(2026, 11, 10)


@pytest.mark.parametrize("data", [{}, {"id": 7}, {"id": ""}, {"summary": "no id"}])
def test_an_event_without_a_string_id_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CalendarEvent.from_api(data)


def test_ill_typed_fields_take_their_defaults() -> None:
    event = CalendarEvent.from_api(
        {
            "id": "odd",
            "status": None,
            "summary": 3,
            "start": "soon",
            "end": {"dateTime": "not a time"},
            "attendees": ["x", {"email": "a@example.com", "self": "yes"}],
            "organizer": [],
            "guestsCanSeeOtherGuests": "no",
            "conferenceData": {"entryPoints": "none"},
        }
    )
    assert event.status == "confirmed"
    assert event.summary == ""
    assert event.start is None
    assert event.end is None
    assert event.attendees == (Attendee("a@example.com"),)
    assert event.guests_can_see_other_guests is True
    assert event.meet_link == ""
    assert event.conference_status == ""


def _with(attendees: list[dict[str, Any]], **extra: Any) -> CalendarEvent:
    return CalendarEvent.from_api({"id": "e1", "attendees": attendees, **extra})


def test_self_response_rules() -> None:
    me = {"email": "me@example.com", "self": True}
    other = {"email": "o@example.com", "responseStatus": "accepted"}
    assert _with([{**me, "responseStatus": "declined"}, other]).self_response == "declined"
    assert _with([{**me, "responseStatus": "tentative"}]).self_response == "tentative"
    assert _with([me, other]).self_response == "needsAction"  # no responseStatus given
    assert _with([]).self_response == "accepted"  # nobody invited: my own event
    organizer = {"email": "me@example.com", "self": True}
    assert _with([other], organizer=organizer).self_response == "accepted"
    assert _with([other]).self_response == "needsAction"  # not listed, not organizing


def test_other_guests_ignore_self_and_rooms() -> None:
    me = {"email": "me@example.com", "self": True, "organizer": True}
    room = {"email": "room@resource.calendar.google.com", "resource": True}
    assert not _with([me]).has_other_guests
    assert not _with([me, room]).has_other_guests
    assert _with([me, room, {"email": "o@example.com", "optional": True}]).has_other_guests
    parsed = _with([me, room]).attendees
    assert parsed[0] == Attendee(
        "me@example.com", response="needsAction", is_self=True, organizer=True
    )
    assert parsed[1].resource


def test_attendee_fields() -> None:
    (attendee,) = _with(
        [
            {
                "email": "ada@example.com",
                "displayName": "Ada",
                "responseStatus": "tentative",
                "optional": True,
            }
        ]
    ).attendees
    assert attendee == Attendee("ada@example.com", name="Ada", response="tentative", optional=True)


def test_meet_link_from_hangout_link_or_the_video_entry_point() -> None:
    points = [
        {"entryPointType": "phone", "uri": "tel:+1-555-0100"},
        {"entryPointType": "video", "uri": "https://meet.google.com/abc-defg-hij"},
    ]
    conference = {
        "conferenceId": "abc-defg-hij",
        "entryPoints": points,
        "createRequest": {"status": {"statusCode": "success"}},
    }
    event = CalendarEvent.from_api({"id": "m1", "conferenceData": conference})
    assert event.meet_link == "https://meet.google.com/abc-defg-hij"
    assert (event.conference_status, event.meeting_code) == ("success", "abc-defg-hij")
    hangout = CalendarEvent.from_api(
        {"id": "m2", "hangoutLink": "https://meet.google.com/xyz-abcd-efg"}
    )
    assert hangout.meet_link == "https://meet.google.com/xyz-abcd-efg"
    assert hangout.conference_status == "success"  # copied conference data: it has a link
    pending = CalendarEvent.from_api(
        {"id": "m3", "conferenceData": {"createRequest": {"status": {"statusCode": "pending"}}}}
    )
    assert (pending.meet_link, pending.conference_status) == ("", "pending")
    assert CalendarEvent.from_api({"id": "m4"}).conference_status == ""


def test_visibility_and_guest_list_fields() -> None:
    event = CalendarEvent.from_api(
        {
            "id": "p1",
            "visibility": "private",
            "guestsCanSeeOtherGuests": False,
            "attendeesOmitted": True,
            "eventType": "focusTime",
            "endTimeUnspecified": True,
        }
    )
    assert event.visibility == "private"
    assert event.guests_can_see_other_guests is False
    assert event.attendees_omitted is True
    assert event.event_type == "focusTime"
    assert event.end_time_unspecified is True
    plain = CalendarEvent.from_api({"id": "p2"})
    assert (plain.visibility, plain.guests_can_see_other_guests, plain.attendees_omitted) == (
        "default",
        True,
        False,
    )
    assert plain.event_type == "default"


def test_parse_when() -> None:
    assert parse_when({"date": "2026-01-02"}) == dt.date(2026, 1, 2)
    assert parse_when({"dateTime": "2026-01-02T00:00:00Z"}) == dt.datetime(2026, 1, 2, tzinfo=UTC)
    assert parse_when(None) is None
    assert parse_when({}) is None


def test_event_page() -> None:
    page = EventPage.from_api(
        {
            "timeZone": "Europe/Berlin",
            "accessRole": "owner",
            "nextPageToken": "p2",
            "items": [{"id": "a"}, {"status": "cancelled"}, "junk", {"id": "b"}],
        }
    )
    assert [e.id for e in page.items] == ["a", "b"]
    assert (page.zone, page.access_role) == ("Europe/Berlin", "owner")
    assert (page.next_page_token, page.next_sync_token) == ("p2", None)
    last = EventPage.from_api({"nextSyncToken": "s1"})
    assert (last.items, last.next_page_token, last.next_sync_token) == ((), None, "s1")


def test_channel_expiration_is_float_seconds_from_string_millis() -> None:
    channel = Channel.from_api(
        {
            "kind": "api#channel",
            "id": "c1",
            "resourceId": "r1",
            "resourceUri": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
            "token": "secret",
            "expiration": "1426325213000",
        }
    )
    assert channel == Channel(
        "c1",
        "r1",
        "https://www.googleapis.com/calendar/v3/calendars/primary/events",
        1426325213.0,
        "secret",
    )
    assert isinstance(channel.expiration, float)
    assert Channel.from_api({"id": "c2", "expiration": "soon"}).expiration == 0.0


def test_models_are_frozen() -> None:
    event = CalendarEvent.from_api({"id": "f"})
    with pytest.raises(AttributeError):
        event.summary = "changed"  # type: ignore[misc]
