"""``events.list``: full sync, paging, incremental sync, its 400s and its 410 (§2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.devkit.calendar.conftest import ALEX, DEV, delta, error_body, full_sync, meeting, reason


def seed(emu: Any, n: int, who: str = DEV) -> list[str]:
    ids = []
    for i in range(n):
        start = f"2026-10-{5 + i:02d}T15:00:00Z"
        end = f"2026-10-{5 + i:02d}T15:30:00Z"
        ids.append(emu.create_event(who, meeting(f"ev{i:05d}", start=start, end=end))["id"])
    return ids


def test_full_sync_pages_with_the_sync_token_only_on_the_last_page(dev: Any, emu: Any) -> None:
    ids = seed(emu, 5)
    items, _token, pages = full_sync(dev, maxResults=2)
    assert pages == 3
    assert [i["id"] for i in items] == ids
    first = dev.events().list(calendarId="primary", maxResults=2).execute()
    assert first["timeZone"] == "America/New_York"
    assert first["kind"] == "calendar#events"
    assert first["accessRole"] == "owner"
    assert "nextSyncToken" not in first
    everything = dev.events().list(calendarId="primary", maxResults=3000).execute()
    assert len(everything["items"]) == 5  # maxResults is capped at 2500, not refused


def test_incremental_sync_returns_changes_and_cancelled_stubs(dev: Any, emu: Any) -> None:
    ids = seed(emu, 3)
    _items, token, _pages = full_sync(dev)
    changes, same = delta(dev, token)
    assert changes == []
    emu.move_event(DEV, ids[0], "2026-10-05T17:00:00Z", "2026-10-05T17:30:00Z")
    emu.cancel_event(DEV, ids[1])
    added = emu.create_event(DEV, meeting("added000001"))
    changes, token = delta(dev, same)
    by_id = {i["id"]: i for i in changes}
    assert set(by_id) == {ids[0], ids[1], added["id"]}
    assert by_id[ids[0]]["start"]["dateTime"] == "2026-10-05T13:00:00-04:00"
    assert set(by_id[ids[1]]) == {"kind", "etag", "id", "status"}  # only id is guaranteed
    assert by_id[ids[1]]["status"] == "cancelled"
    assert delta(dev, token)[0] == []
    # An older, still valid token works too.
    assert {i["id"] for i in delta(dev, same)[0]} == set(by_id)


def test_full_list_hides_cancelled_unless_show_deleted(dev: Any, emu: Any) -> None:
    ids = seed(emu, 2)
    emu.cancel_event(DEV, ids[0])
    assert [i["id"] for i in full_sync(dev)[0]] == [ids[1]]
    shown = full_sync(dev, showDeleted=True)[0]
    assert [(i["id"], i["status"]) for i in shown] == [(ids[0], "cancelled"), (ids[1], "confirmed")]


def test_time_window_and_order(dev: Any, emu: Any) -> None:
    ids = seed(emu, 4)
    window = dev.events().list(
        calendarId="primary",
        timeMin="2026-10-06T00:00:00Z",
        timeMax="2026-10-08T00:00:00-00:00",
        singleEvents=True,
        orderBy="startTime",
    )
    assert [i["id"] for i in window.execute()["items"]] == ids[1:3]
    with pytest.raises(HttpError) as info:
        dev.events().list(calendarId="primary", orderBy="startTime").execute()
    assert error_body(info.value)["message"] == (
        "The requested ordering is not available for the particular query."
    )
    with pytest.raises(HttpError) as info:
        dev.events().list(
            calendarId="primary", timeMin="2026-10-08T00:00:00Z", timeMax="2026-10-06T00:00:00Z"
        ).execute()
    assert reason(info.value) == "timeRangeEmpty"


@pytest.mark.parametrize(
    "extra",
    [
        {"timeMin": "2026-10-01T00:00:00Z"},
        {"timeMax": "2026-10-01T00:00:00Z"},
        {"orderBy": "updated"},
        {"q": "sync"},
        {"iCalUID": "x@google.com"},
        {"updatedMin": "2026-10-01T00:00:00Z"},
        {"privateExtendedProperty": "a=b"},
        {"sharedExtendedProperty": "a=b"},
        {"showDeleted": False},
    ],
)
def test_sync_token_with_request_restrictions_is_400(dev: Any, emu: Any, extra: Any) -> None:
    seed(emu, 1)
    token = full_sync(dev)[1]
    with pytest.raises(HttpError) as info:
        dev.events().list(calendarId="primary", syncToken=token, **extra).execute()
    assert info.value.resp.status == 400
    assert error_body(info.value)["errors"][0] == {
        "domain": "calendar",
        "reason": "syncTokenWithRequestRestrictions",
        "message": "Sync token cannot be used with other request restrictions.",
    }


def test_allowed_parameters_with_a_sync_token(dev: Any, emu: Any) -> None:
    seed(emu, 1)
    token = full_sync(dev, singleEvents=True, eventTypes=["default"])[1]
    page = dev.events().list(
        calendarId="primary",
        syncToken=token,
        singleEvents=True,
        showDeleted=True,
        maxResults=10,
        eventTypes=["default"],
    )
    assert page.execute()["items"] == []


FULL_SYNC_BODY = {
    "error": {
        "errors": [
            {
                "domain": "calendar",
                "reason": "fullSyncRequired",
                "message": "Sync token is no longer valid, a full sync is required.",
                "locationType": "parameter",
                "location": "syncToken",
            }
        ],
        "code": 410,
        "message": "Sync token is no longer valid, a full sync is required.",
    }
}


def test_expired_and_unknown_tokens_are_410_with_the_documented_body(
    dev: Any, alex: Any, emu: Any
) -> None:
    seed(emu, 2)
    token = full_sync(dev)[1]
    alex_token = full_sync(alex)[1]
    assert emu.expire_sync_tokens(DEV) == 1
    for bad in (token, "not-a-token", alex_token):
        with pytest.raises(HttpError) as info:
            dev.events().list(calendarId="primary", syncToken=bad).execute()
        assert info.value.resp.status == 410
        assert json.loads(info.value.content) == FULL_SYNC_BODY
    assert delta(alex, alex_token)[0] == []  # other calendars keep their tokens
    items, fresh, _ = full_sync(dev)
    assert len(items) == 2
    assert delta(dev, fresh)[0] == []


def test_no_change_is_lost_while_a_client_pages(dev: Any, emu: Any) -> None:
    ids = seed(emu, 4)
    first = dev.events().list(calendarId="primary", maxResults=2).execute()
    emu.cancel_event(DEV, ids[0])  # an item already seen goes away: nothing shifts
    emu.move_event(DEV, ids[3], "2026-10-01T09:00:00Z", "2026-10-01T10:00:00Z")  # moves behind
    rest: list[Any] = []
    page_token = first["nextPageToken"]
    while page_token:
        page = dev.events().list(calendarId="primary", maxResults=2, pageToken=page_token).execute()
        rest += page["items"]
        page_token = page.get("nextPageToken")
    assert [i["id"] for i in rest] == ids[2:3]  # ids[3] moved before the cursor
    changes = {i["id"]: i for i in delta(dev, page["nextSyncToken"])[0]}
    assert changes[ids[3]]["start"]["dateTime"] == "2026-10-01T05:00:00-04:00"
    assert changes[ids[0]]["status"] == "cancelled"


def test_short_pages_knob(dev: Any, emu: Any) -> None:
    ids = seed(emu, 5)
    emu.set_knobs(short_pages=True)
    first = dev.events().list(calendarId="primary", maxResults=4).execute()
    assert first["items"] == []
    assert "nextPageToken" in first
    items, token, pages = full_sync(dev, maxResults=4)
    assert [i["id"] for i in items] == ids
    assert pages == 4  # empty, 2, 2, 1
    emu.cancel_event(DEV, ids[2])
    assert [i["id"] for i in delta(dev, token, maxResults=4)[0]] == [ids[2]]


def test_page_tokens_belong_to_their_query(dev: Any, emu: Any) -> None:
    seed(emu, 3)
    page = dev.events().list(calendarId="primary", maxResults=1).execute()
    with pytest.raises(HttpError) as info:
        dev.events().list(
            calendarId="primary", maxResults=2, pageToken=page["nextPageToken"]
        ).execute()
    assert info.value.resp.status == 400


def test_attendee_calendars_sync_too(dev: Any, alex: Any, emu: Any) -> None:
    token = full_sync(alex)[1]
    event = emu.create_event(DEV, meeting("invite00001", attendees=[{"email": ALEX}]))
    changes, token = delta(alex, token)
    assert [i["id"] for i in changes] == [event["id"]]
    emu.patch_event(DEV, event["id"], {"attendees": []})  # uninvited: gone from Alex's calendar
    changes, token = delta(alex, token)
    assert changes == [
        {
            "kind": "calendar#event",
            "etag": changes[0]["etag"],
            "id": event["id"],
            "status": "cancelled",
        }
    ]
    assert full_sync(alex)[0] == []


def test_event_types_filter_full_and_incremental(dev: Any, emu: Any) -> None:
    emu.create_event(DEV, meeting("focus000001", eventType="focusTime"))
    emu.create_event(DEV, meeting("plain000001"))
    items, token, _ = full_sync(dev, eventTypes=["focusTime"])
    assert [i["id"] for i in items] == ["focus000001"]
    assert len(full_sync(dev, eventTypes=["focusTime", "default"])[0]) == 2
    emu.patch_event(DEV, "plain000001", {"summary": "changed"})
    emu.patch_event(DEV, "focus000001", {"summary": "changed"})
    assert [i["id"] for i in delta(dev, token, eventTypes=["focusTime"])[0]] == ["focus000001"]
