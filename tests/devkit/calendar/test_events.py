"""``events.insert/get/patch/update/delete`` through google-api-python-client."""

from __future__ import annotations

import re
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.devkit.calendar.conftest import ALEX, DEV, error_body, meeting, reason, timed

MEET_LINK = re.compile(r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}")


def insert(service: Any, body: dict[str, Any], **params: Any) -> Any:
    return service.events().insert(calendarId="primary", body=body, **params).execute()


def test_client_chosen_id_then_409_duplicate_on_retry(dev: Any, emu: Any) -> None:
    created = insert(dev, meeting("abc0123456789v"))
    assert created["id"] == "abc0123456789v"
    assert created["status"] == "confirmed"
    assert created["organizer"] == {"email": DEV, "displayName": "Dev User", "self": True}
    assert created["creator"]["self"] is True
    assert created["start"] == {"dateTime": "2026-10-05T11:00:00-04:00"}  # the calendar's zone
    with pytest.raises(HttpError) as info:
        insert(dev, meeting("abc0123456789v", summary="retry"))
    assert info.value.resp.status == 409
    assert error_body(info.value)["errors"][0] == {
        "domain": "global",
        "reason": "duplicate",
        "message": "The requested identifier already exists.",
    }
    assert [e["data"]["summary"] for e in emu.events(DEV)] == ["Sync"]


@pytest.mark.parametrize("bad", ["abcd", "ABCDEF123", "abcdw12345", "abc-12345"])
def test_ids_must_be_base32hex_of_5_to_1024_chars(dev: Any, bad: str) -> None:
    with pytest.raises(HttpError) as info:
        insert(dev, meeting(bad))
    assert info.value.resp.status == 400
    assert error_body(info.value)["message"] == "Invalid resource id value."


def test_generated_ids_are_base32hex(dev: Any) -> None:
    assert re.fullmatch(r"[a-v0-9]{26}", insert(dev, meeting())["id"])


def test_conference_created_only_with_conference_data_version_1(dev: Any, emu: Any) -> None:
    request = {
        "createRequest": {"requestId": "r-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
    }
    ignored = insert(dev, meeting("noconf00001", conferenceData=request))
    assert "conferenceData" not in ignored
    assert "hangoutLink" not in ignored
    created = insert(
        dev,
        meeting("conf00000001", conferenceData=request, attendees=[{"email": ALEX}]),
        conferenceDataVersion=1,
        sendUpdates="all",
    )
    data = created["conferenceData"]
    assert MEET_LINK.fullmatch(created["hangoutLink"])
    code = created["hangoutLink"].rsplit("/", 1)[1]
    assert data["conferenceId"] == code
    assert data["conferenceSolution"]["key"] == {"type": "hangoutsMeet"}
    assert data["conferenceSolution"]["name"] == "Google Meet"
    assert data["createRequest"]["status"] == {"statusCode": "success"}
    assert data["entryPoints"] == [
        {
            "entryPointType": "video",
            "uri": created["hangoutLink"],
            "label": f"meet.google.com/{code}",
        }
    ]
    stored = {e["id"]: e for e in emu.events(DEV)}
    assert stored["conf00000001"]["sendUpdates"][0]["sendUpdates"] == "all"
    assert stored["noconf00001"]["sendUpdates"][0]["sendUpdates"] is None
    # A patch repeating the requestId keeps the conference; version 0 leaves it alone too.
    again = (
        dev.events()
        .patch(
            calendarId="primary",
            eventId="conf00000001",
            body={"summary": "Renamed", "conferenceData": request},
            conferenceDataVersion=1,
        )
        .execute()
    )
    assert again["hangoutLink"] == created["hangoutLink"]
    plain = dev.events().patch(calendarId="primary", eventId="conf00000001", body={"summary": "x"})
    assert plain.execute()["conferenceData"] == data
    bad = {"createRequest": {"requestId": "r-2", "conferenceSolutionKey": {"type": "addOn"}}}
    with pytest.raises(HttpError) as info:
        insert(dev, meeting(conferenceData=bad), conferenceDataVersion=1)
    assert info.value.resp.status == 400


def test_pending_conference_resolves_later(dev: Any, emu: Any) -> None:
    emu.set_knobs(conference_status="pending")
    request = {
        "createRequest": {"requestId": "p-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
    }
    created = insert(dev, meeting("pending0001", conferenceData=request), conferenceDataVersion=1)
    assert created["conferenceData"]["createRequest"]["status"] == {"statusCode": "pending"}
    assert "hangoutLink" not in created
    assert emu.resolve_conferences() == 1
    got = dev.events().get(calendarId="primary", eventId="pending0001").execute()
    assert got["conferenceData"]["createRequest"]["status"] == {"statusCode": "success"}
    assert MEET_LINK.fullmatch(got["hangoutLink"])


def test_attendees_self_flags_and_responses_per_viewer(dev: Any, alex: Any, emu: Any) -> None:
    created = insert(dev, meeting("shared00001", attendees=[{"email": ALEX}]))
    assert created["attendees"] == [
        {"email": DEV, "organizer": True, "responseStatus": "accepted", "self": True},
        {"email": ALEX, "responseStatus": "needsAction"},
    ]
    seen = alex.events().get(calendarId="primary", eventId="shared00001").execute()
    assert seen["organizer"] == {"email": DEV, "displayName": "Dev User"}
    assert [a.get("self", False) for a in seen["attendees"]] == [False, True]
    assert seen["start"]["dateTime"] == "2026-10-05T17:00:00+02:00"  # alex's calendar zone
    # Alex answers through the API; the organizer's copy shows it.
    answer = {"attendees": [{"email": ALEX, "responseStatus": "declined"}]}
    alex.events().patch(calendarId="primary", eventId="shared00001", body=answer).execute()
    mine = dev.events().get(calendarId="primary", eventId="shared00001").execute()
    assert [a["responseStatus"] for a in mine["attendees"]] == ["accepted", "declined"]
    with pytest.raises(HttpError) as info:
        alex.events().patch(
            calendarId="primary", eventId="shared00001", body={"guestsCanModify": True}
        ).execute()
    assert (info.value.resp.status, reason(info.value)) == (403, "forbiddenForNonOrganizer")
    with pytest.raises(HttpError) as info:
        alex.events().patch(
            calendarId="primary", eventId="shared00001", body={"summary": "x"}
        ).execute()
    assert info.value.resp.status == 403


def test_hidden_guest_list_and_max_attendees(dev: Any, alex: Any) -> None:
    guests = [{"email": ALEX}, {"email": "carol@example.org"}, {"email": "dan@example.org"}]
    insert(dev, meeting("hidden00001", attendees=guests, guestsCanSeeOtherGuests=False))
    seen = alex.events().get(calendarId="primary", eventId="hidden00001").execute()
    assert [a["email"] for a in seen["attendees"]] == [ALEX]
    assert seen["attendeesOmitted"] is True
    assert seen["guestsCanSeeOtherGuests"] is False
    own = dev.events().get(calendarId="primary", eventId="hidden00001", maxAttendees=2).execute()
    assert len(own["attendees"]) == 2
    assert own["attendeesOmitted"] is True


def test_patch_update_delete_and_deleted_twice(dev: Any) -> None:
    insert(dev, meeting("life0000001", description="d", location="Room 1"))
    patched = (
        dev.events()
        .patch(
            calendarId="primary",
            eventId="life0000001",
            body=meeting(summary="Moved", start="2026-10-05T16:00:00Z", end="2026-10-05T16:30:00Z"),
        )
        .execute()
    )
    assert (patched["summary"], patched["description"], patched["sequence"]) == ("Moved", "d", 1)
    replaced = (
        dev.events()
        .update(calendarId="primary", eventId="life0000001", body=meeting(summary="Whole"))
        .execute()
    )
    assert replaced["summary"] == "Whole"
    assert "description" not in replaced
    assert dev.events().delete(calendarId="primary", eventId="life0000001").execute() == ""
    got = dev.events().get(calendarId="primary", eventId="life0000001").execute()
    assert got["status"] == "cancelled"  # get always returns cancelled events
    with pytest.raises(HttpError) as info:
        dev.events().delete(calendarId="primary", eventId="life0000001").execute()
    assert (info.value.resp.status, reason(info.value)) == (410, "deleted")
    with pytest.raises(HttpError) as info:
        dev.events().get(calendarId="primary", eventId="nosuch00001").execute()
    assert (info.value.resp.status, reason(info.value)) == (404, "notFound")


def test_all_day_timed_and_zone_rules(dev: Any) -> None:
    day = insert(dev, {"start": {"date": "2026-10-06"}, "end": {"date": "2026-10-07"}})
    assert (day["start"], day["end"]) == ({"date": "2026-10-06"}, {"date": "2026-10-07"})
    zoned = insert(
        dev,
        {
            "summary": "Prague",
            "start": timed("2026-12-01T15:00:00", "Europe/Prague"),
            "end": timed("2026-12-01T15:30:00", "Europe/Prague"),
        },
    )
    assert zoned["start"] == {"dateTime": "2026-12-01T09:00:00-05:00", "timeZone": "Europe/Prague"}
    in_zone = dev.events().get(calendarId="primary", eventId=zoned["id"], timeZone="Europe/Prague")
    assert in_zone.execute()["start"]["dateTime"] == "2026-12-01T15:00:00+01:00"
    cases = [
        ({"dateTime": "2026-12-01T15:00:00"}, "Missing time zone definition for start time."),
        (
            timed("2026-12-01T15:00:00", "Mars/Olympus"),
            "Invalid time zone definition for start time.",
        ),
    ]
    for start, message in cases:
        with pytest.raises(HttpError) as info:
            insert(dev, {"start": start, "end": {"dateTime": "2026-12-01T16:00:00Z"}})
        assert error_body(info.value)["message"] == message
    with pytest.raises(HttpError) as info:
        insert(dev, meeting(start="2026-12-01T16:00:00Z", end="2026-12-01T15:00:00Z"))
    assert reason(info.value) == "timeRangeEmpty"
    with pytest.raises(HttpError) as info:
        insert(dev, {"start": {"date": "2026-12-01"}, "end": {"dateTime": "2026-12-01T16:00:00Z"}})
    assert "both be date or both be dateTime" in error_body(info.value)["message"]


def test_event_types_and_visibility(dev: Any) -> None:
    focus = insert(dev, meeting(eventType="focusTime", visibility="private"))
    assert (focus["eventType"], focus["visibility"]) == ("focusTime", "private")
    assert insert(dev, meeting())["eventType"] == "default"
    assert "visibility" not in insert(dev, meeting(visibility="default"))  # defaults are left out
    with pytest.raises(HttpError) as info:
        dev.events().patch(
            calendarId="primary", eventId=focus["id"], body={"eventType": "default"}
        ).execute()
    assert info.value.resp.status == 400
    with pytest.raises(HttpError):
        insert(dev, meeting(visibility="secret"))


def test_bodies_and_parameters_are_checked_against_the_discovery_document(
    dev: Any, raw: Any
) -> None:
    with pytest.raises(HttpError) as info:
        insert(dev, meeting(colour="red"))
    assert info.value.resp.status == 400
    assert 'Unknown name "colour"' in error_body(info.value)["message"]
    reply = raw(
        "GET",
        "calendar/v3/calendars/primary/events?singleEvents=maybe",
        token="local-calendar-token",
    )
    assert reply.status == 400
    assert reply.body["error"]["errors"][0]["reason"] == "invalid"
    reply = raw(
        "GET", "calendar/v3/calendars/primary/events?maxResults=0", token="local-calendar-token"
    )
    assert reply.status == 400
    reply = raw("GET", "calendar/v3/calendars/primary/nothing", token="local-calendar-token")
    assert reply.status == 404


def test_a_guest_deleting_declines_and_leaves_the_organizer_copy(
    dev: Any, alex: Any, emu: Any
) -> None:
    insert(dev, meeting("guestdel001", attendees=[{"email": ALEX}]))
    alex.events().delete(calendarId="primary", eventId="guestdel001").execute()
    gone = alex.events().get(calendarId="primary", eventId="guestdel001").execute()
    assert gone["status"] == "cancelled"
    assert alex.events().list(calendarId="primary").execute()["items"] == []
    mine = dev.events().get(calendarId="primary", eventId="guestdel001").execute()
    assert mine["status"] == "confirmed"
    assert [a["responseStatus"] for a in mine["attendees"]] == ["accepted", "declined"]
    emu.move_event(DEV, "guestdel001", "2026-10-05T18:00:00Z")  # stays off Alex's calendar
    assert alex.events().list(calendarId="primary").execute()["items"] == []
    assert (
        mine["start"]
        != dev.events().get(calendarId="primary", eventId="guestdel001").execute()["start"]
    )
