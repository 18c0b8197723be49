"""Recurring series: expansion in the series' zone across DST, exceptions, ``singleEvents``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.devkit.calendar.conftest import DEV, delta, error_body, full_sync, timed


def series(
    emu: Any,
    event_id: str,
    start: str,
    zone: str,
    rule: str,
    minutes: int = 30,
    **extra: Any,
) -> Any:
    hour, minute = int(start[11:13]), int(start[14:16]) + minutes
    end = f"{start[:11]}{hour + minute // 60:02d}:{minute % 60:02d}:00"
    body = {
        "id": event_id,
        "summary": "Standup",
        "start": timed(start, zone),
        "end": timed(end, zone),
        "recurrence": [rule],
        **extra,
    }
    return emu.create_event(DEV, body)


def instances(service: Any, **params: Any) -> list[dict[str, Any]]:
    return full_sync(service, singleEvents=True, orderBy="startTime", **params)[0]


@pytest.mark.parametrize(
    ("zone", "first", "before", "after", "ids"),
    [
        (
            # US clocks fall back on 1 November 2026.
            "America/New_York",
            "2026-10-29T09:00:00",
            "-04:00",
            "-05:00",
            ["20261029T130000Z", "20261030T130000Z", "20261102T140000Z", "20261103T140000Z"],
        ),
        (
            # EU clocks fall back on 25 October 2026.
            "Europe/Berlin",
            "2026-10-22T09:00:00",
            "+02:00",
            "+01:00",
            ["20261022T070000Z", "20261023T070000Z", "20261026T080000Z", "20261027T080000Z"],
        ),
    ],
)
def test_series_keep_their_wall_clock_time_across_dst(
    dev: Any, emu: Any, zone: str, first: str, before: str, after: str, ids: list[str]
) -> None:
    series(emu, "standup0001", first, zone, "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,TH,FR;COUNT=4")
    items = instances(dev, timeZone=zone)
    assert [i["id"] for i in items] == [f"standup0001_{key}" for key in ids]
    assert [i["start"]["dateTime"][11:] for i in items] == [
        f"09:00:00{before}",
        f"09:00:00{before}",
        f"09:00:00{after}",
        f"09:00:00{after}",
    ]
    assert {i["start"]["timeZone"] for i in items} == {zone}
    assert {i["recurringEventId"] for i in items} == {"standup0001"}
    assert items[2]["originalStartTime"] == items[2]["start"]
    assert items[2]["end"]["dateTime"][11:] == f"09:30:00{after}"
    assert "recurrence" not in items[0]


def test_spring_forward_in_berlin(dev: Any, emu: Any) -> None:
    series(emu, "spring00001", "2026-03-27T08:30:00", "Europe/Berlin", "RRULE:FREQ=DAILY;COUNT=4")
    starts = [i["start"]["dateTime"] for i in instances(dev, timeZone="Europe/Berlin")]
    assert starts == [
        "2026-03-27T08:30:00+01:00",
        "2026-03-28T08:30:00+01:00",
        "2026-03-29T08:30:00+02:00",
        "2026-03-30T08:30:00+02:00",
    ]


def test_moved_and_cancelled_instances(dev: Any, emu: Any) -> None:
    series(
        emu, "series00001", "2026-10-05T10:00:00", "America/New_York", "RRULE:FREQ=WEEKLY;COUNT=4"
    )
    token = full_sync(dev, singleEvents=True)[1]
    moved = emu.add_exception(
        DEV,
        "series00001",
        "2026-10-12T10:00:00",
        start="2026-10-13T15:00:00-04:00",
        end="2026-10-13T15:30:00-04:00",
    )
    cancelled = emu.add_exception(DEV, "series00001", "2026-10-19T10:00:00", cancelled=True)
    assert (moved, cancelled) == ("series00001_20261012T140000Z", "series00001_20261019T140000Z")
    items = instances(dev)
    assert [i["id"] for i in items] == [
        "series00001_20261005T140000Z",
        moved,
        "series00001_20261026T140000Z",
    ]
    assert items[1]["start"]["dateTime"] == "2026-10-13T15:00:00-04:00"
    assert items[1]["originalStartTime"] == {
        "dateTime": "2026-10-12T10:00:00-04:00",
        "timeZone": "America/New_York",
    }
    changes = {i["id"]: i for i in delta(dev, token, singleEvents=True)[0]}
    assert set(changes) == {moved, cancelled}
    assert changes[cancelled] == {
        "kind": "calendar#event",
        "etag": changes[cancelled]["etag"],
        "id": cancelled,
        "status": "cancelled",
        "recurringEventId": "series00001",
        "originalStartTime": {
            "dateTime": "2026-10-19T10:00:00-04:00",
            "timeZone": "America/New_York",
        },
    }
    # Without singleEvents: the series with its rule, plus the exceptions; the cancelled
    # one stays listed even without showDeleted (§2.5).
    raw = full_sync(dev)[0]
    assert [(i["id"], i["status"]) for i in raw] == [
        ("series00001", "confirmed"),
        (moved, "confirmed"),
        (cancelled, "cancelled"),
    ]
    assert raw[0]["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=4"]
    listed = dev.events().instances(calendarId="primary", eventId="series00001").execute()
    assert [i["id"] for i in listed["items"]] == [i["id"] for i in items]
    got = dev.events().get(calendarId="primary", eventId=cancelled).execute()
    assert got["status"] == "cancelled"


def test_instance_writes_through_the_api(dev: Any, emu: Any) -> None:
    series(emu, "recur000001", "2026-10-05T09:00:00", "Europe/Berlin", "RRULE:FREQ=DAILY;COUNT=3")
    token = full_sync(dev, singleEvents=True)[1]
    second = "recur000001_20261006T070000Z"
    dev.events().patch(calendarId="primary", eventId=second, body={"summary": "Special"}).execute()
    dev.events().delete(calendarId="primary", eventId="recur000001_20261007T070000Z").execute()
    changes, token = delta(dev, token, singleEvents=True)
    assert [(i["id"], i["status"]) for i in changes] == [
        (second, "confirmed"),
        ("recur000001_20261007T070000Z", "cancelled"),
    ]
    assert changes[0]["summary"] == "Special"
    # Deleting the whole series cancels every instance.
    dev.events().delete(calendarId="primary", eventId="recur000001").execute()
    gone = delta(dev, token, singleEvents=True)[0]
    assert {i["status"] for i in gone} == {"cancelled"}
    assert len(gone) == 3
    assert instances(dev) == []


def test_exdate_all_day_series_and_untimed_rules(dev: Any, emu: Any) -> None:
    emu.create_event(
        DEV,
        {
            "id": "alld0000001",
            "start": {"date": "2026-10-05"},
            "end": {"date": "2026-10-06"},
            "recurrence": ["RRULE:FREQ=DAILY;UNTIL=20261008", "EXDATE;VALUE=DATE:20261006"],
        },
    )
    series(
        emu,
        "skip0000001",
        "2026-10-05T09:00:00",
        "Europe/Berlin",
        "RRULE:FREQ=DAILY;UNTIL=20261008T000000Z",
        recurrence=[
            "RRULE:FREQ=DAILY;UNTIL=20261008T000000Z",
            "EXDATE;TZID=Europe/Berlin:20261006T090000",
        ],
    )
    ids = [i["id"] for i in instances(dev)]
    assert ids == [
        "alld0000001_20261005",
        "skip0000001_20261005T070000Z",
        "alld0000001_20261007",
        "skip0000001_20261007T070000Z",
        "alld0000001_20261008",
    ]
    with pytest.raises(HttpError) as info:
        dev.events().insert(
            calendarId="primary",
            body={
                "start": {"dateTime": "2026-10-05T09:00:00Z"},
                "end": {"dateTime": "2026-10-05T10:00:00Z"},
                "recurrence": ["RRULE:FREQ=DAILY"],
            },
        ).execute()
    assert error_body(info.value)["message"] == "Missing time zone definition for start time."
    with pytest.raises(HttpError) as info:
        dev.events().insert(
            calendarId="primary",
            body={
                "start": timed("2026-10-05T09:00:00", "UTC"),
                "end": timed("2026-10-05T10:00:00", "UTC"),
                "recurrence": ["RRULE:FREQ=SOMETIMES"],
            },
        ).execute()
    assert error_body(info.value)["message"] == "Invalid recurrence rule."


def test_open_series_expand_to_the_horizon(dev: Any, emu: Any) -> None:
    series(emu, "forever0001", "2026-10-05T09:00:00", "UTC", "RRULE:FREQ=DAILY")
    horizon = dt.date(2026, 10, 1) + dt.timedelta(days=730)  # the fake clock's today + 730 days
    expected = (horizon - dt.date(2026, 10, 5)).days + 1  # 09:00 on the last day is before noon
    assert len(instances(dev, maxResults=2500)) == expected
    emu.set_knobs(horizon_days=10)
    assert len(instances(dev)) == 7  # 5 to 11 October (horizon: 11 October, noon)
