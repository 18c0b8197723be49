"""DST matrix: daily reminders at nonexistent, repeated and normal times, as exact UTC instants.

Transitions in 2026 (local wall clock):
  America/New_York    spring Mar 8 02:00 EST -> 03:00 EDT;  fall Nov 1 02:00 EDT -> 01:00 EST
  Europe/Berlin       spring Mar 29 02:00 CET -> 03:00 CEST; fall Oct 25 03:00 CEST -> 02:00 CET
  Australia/Lord_Howe spring Oct 4 02:00 +10:30 -> 02:30 +11 (30 minutes);
                      fall Apr 5 02:00 +11 -> 01:30 +10:30
  Asia/Kolkata        none (+05:30 all year)
Policy: a nonexistent time fires shifted forward by the gap; a repeated time fires once, at
its first occurrence; a daily reminder fires exactly once every local day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.schedules.schedule import Schedule
from tests.features.reminders.conftest import BERLIN, KOLKATA, LORD_HOWE, NY, fires, scheduled


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NY_SPRING, NY_FALL = z("2026-03-06T23:00"), z("2026-10-30T23:00")
BERLIN_SPRING, BERLIN_FALL = z("2026-03-27T20:00"), z("2026-10-23T20:00")
LH_SPRING, LH_FALL = z("2026-10-02T10:00"), z("2026-04-03T10:00")

MATRIX = [
    # New York, spring forward: 02:30 does not exist on Mar 8 and fires at 03:30 EDT.
    (NY, NY_SPRING, "02:30", ["03-07T07:30", "03-08T07:30", "03-09T06:30", "03-10T06:30"]),
    (NY, NY_SPRING, "01:30", ["03-07T06:30", "03-08T06:30", "03-09T05:30", "03-10T05:30"]),
    (NY, NY_SPRING, "03:00", ["03-07T08:00", "03-08T07:00", "03-09T07:00", "03-10T07:00"]),
    (NY, NY_SPRING, "09:00", ["03-07T14:00", "03-08T13:00", "03-09T13:00", "03-10T13:00"]),
    # New York, fall back: 01:00-01:59 happen twice on Nov 1; the first (EDT) fires.
    (NY, NY_FALL, "01:30", ["10-31T05:30", "11-01T05:30", "11-02T06:30", "11-03T06:30"]),
    (NY, NY_FALL, "01:00", ["10-31T05:00", "11-01T05:00", "11-02T06:00", "11-03T06:00"]),
    (NY, NY_FALL, "02:00", ["10-31T06:00", "11-01T07:00", "11-02T07:00", "11-03T07:00"]),
    (NY, NY_FALL, "09:00", ["10-31T13:00", "11-01T14:00", "11-02T14:00", "11-03T14:00"]),
    # Berlin.
    (BERLIN, BERLIN_SPRING, "02:30", ["03-28T01:30", "03-29T01:30", "03-30T00:30", "03-31T00:30"]),
    (BERLIN, BERLIN_SPRING, "09:00", ["03-28T08:00", "03-29T07:00", "03-30T07:00", "03-31T07:00"]),
    (BERLIN, BERLIN_FALL, "02:30", ["10-24T00:30", "10-25T00:30", "10-26T01:30", "10-27T01:30"]),
    (BERLIN, BERLIN_FALL, "09:00", ["10-24T07:00", "10-25T08:00", "10-26T08:00", "10-27T08:00"]),
    # Lord Howe: a 30-minute shift; 02:15 on Oct 4 fires at 02:45 (+11).
    (LORD_HOWE, LH_SPRING, "02:15", ["10-02T15:45", "10-03T15:45", "10-04T15:15", "10-05T15:15"]),
    (LORD_HOWE, LH_SPRING, "09:00", ["10-02T22:30", "10-03T22:00", "10-04T22:00", "10-05T22:00"]),
    (LORD_HOWE, LH_FALL, "01:45", ["04-03T14:45", "04-04T14:45", "04-05T15:15", "04-06T15:15"]),
    (LORD_HOWE, LH_FALL, "09:00", ["04-03T22:00", "04-04T22:30", "04-05T22:30", "04-06T22:30"]),
    # Kolkata has no DST: the same UTC time every day across other zones' transitions.
    (KOLKATA, NY_SPRING, "02:30", ["03-07T21:00", "03-08T21:00", "03-09T21:00", "03-10T21:00"]),
    (KOLKATA, NY_SPRING, "09:00", ["03-07T03:30", "03-08T03:30", "03-09T03:30", "03-10T03:30"]),
    (KOLKATA, NY_FALL, "01:30", ["10-31T20:00", "11-01T20:00", "11-02T20:00", "11-03T20:00"]),
]


@pytest.mark.parametrize(
    ("zone", "now", "clock", "expected"),
    MATRIX,
    ids=[f"{r[0]}-{r[2]}-{r[1]:%b}" for r in MATRIX],
)
def test_daily_reminder_fires_at_exact_utc_instants(
    zone: str, now: datetime, clock: str, expected: list[str]
) -> None:
    schedule = scheduled(f"me to stretch every day at {clock}", zone, now)
    assert fires(schedule, now, 4) == [z(f"2026-{e}") for e in expected]


TRANSITIONS = [
    (NY, date(2026, 3, 8)),
    (NY, date(2026, 11, 1)),
    (BERLIN, date(2026, 3, 29)),
    (BERLIN, date(2026, 10, 25)),
    (LORD_HOWE, date(2026, 10, 4)),
    (LORD_HOWE, date(2026, 4, 5)),
    (KOLKATA, date(2026, 3, 8)),
]
CLOCKS = ["00:30", "01:00", "01:30", "01:45", "02:00", "02:15", "02:30", "02:59", "03:00", "23:30"]


@pytest.mark.parametrize(("zone", "day"), TRANSITIONS, ids=[f"{z}-{d}" for z, d in TRANSITIONS])
@pytest.mark.parametrize("clock", CLOCKS)
def test_daily_reminder_never_fires_twice_or_skips_a_day(zone: str, day: date, clock: str) -> None:
    tz = ZoneInfo(zone)
    start = datetime.combine(day - timedelta(days=5), time(12), tzinfo=tz)
    schedule = scheduled(f"me to stretch every day at {clock}", zone, start)
    at = time.fromisoformat(clock)
    got = fires(schedule, start, 10)
    local = [g.astimezone(tz) for g in got]
    assert got == sorted(set(got))
    first = local[0].date()
    assert first in (day - timedelta(days=5), day - timedelta(days=4))
    assert [d.date() for d in local] == [first + timedelta(days=k) for k in range(10)]
    for moment in local:
        wall = datetime.combine(moment.date(), at)
        shift = moment.replace(tzinfo=None) - wall
        assert shift == timedelta(0) or (
            moment.date() == day and timedelta(0) < shift <= timedelta(hours=1)
        )
        assert moment.fold == 0


def test_scheduler_ticking_each_minute_fires_repeated_time_once() -> None:
    """A once-a-minute tick over the fall-back night delivers 01:30 exactly once per day."""
    now = z("2026-10-31T12:00")
    schedule = scheduled("me to stretch every day at 01:30", NY, now)
    delivered: list[datetime] = []
    due = schedule.next_after(now)
    tick = now
    while tick < z("2026-11-01T12:00"):
        tick += timedelta(minutes=1)
        while due is not None and due <= tick:
            delivered.append(due)
            due = schedule.next_after(due)
    assert delivered == [z("2026-11-01T05:30")]
    assert due == z("2026-11-02T06:30")


@pytest.mark.parametrize(
    ("asked_at", "expected"),
    [
        ("2026-11-01T05:29", "2026-11-01T05:30"),  # 01:29 EDT: today's first 01:30 is next
        ("2026-11-01T05:30", "2026-11-02T06:30"),  # just fired: tomorrow, not 01:30 EST
        ("2026-11-01T06:10", "2026-11-02T06:30"),  # 01:10 EST, inside the repeated hour
        ("2026-11-01T06:45", "2026-11-02T06:30"),  # 01:45 EST
    ],
)
def test_next_after_from_inside_the_repeated_hour(asked_at: str, expected: str) -> None:
    schedule = Schedule(zone=NY, start=datetime(2026, 10, 1, 1, 30), rule=_DAILY_0130)
    assert schedule.next_after(z(asked_at)) == z(expected)


_DAILY_0130 = "FREQ=DAILY;BYHOUR=1;BYMINUTE=30;BYSECOND=0"


def test_next_after_just_after_a_gap_finds_the_shifted_occurrence() -> None:
    """At 03:10 EDT on spring day, today's 02:30 (shifted to 03:30) is still ahead."""
    schedule = Schedule(zone=NY, start=datetime(2026, 3, 1, 2, 30), rule=_DAILY_0230)
    assert schedule.next_after(z("2026-03-08T07:10")) == z("2026-03-08T07:30")


_DAILY_0230 = "FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYSECOND=0"


def test_sub_daily_rule_follows_the_wall_clock_without_duplicates() -> None:
    schedule = scheduled("me to stretch every 30 minutes", NY, z("2026-03-08T06:00"))
    got = fires(schedule, z("2026-03-08T06:00"), 5)
    # 01:30 EST, then the wall clock jumps: 02:00 and 02:30 fall in the gap and fold into
    # 03:00/03:30 EDT, each delivered once.
    assert got == [z(f"2026-03-08T{t}") for t in ("06:30", "07:00", "07:30", "08:00", "08:30")]


def test_elapsed_one_off_in_the_repeated_hour_keeps_its_instant() -> None:
    """ "in 50 minutes" at 01:20 EDT is 01:10 EST: the second 01:10, stored with fold=1."""
    now = z("2026-11-01T05:20")
    schedule = scheduled("me to stretch in 50 minutes", NY, now)
    assert schedule.fold == 1
    assert schedule.next_after(now) == z("2026-11-01T06:10")
    assert Schedule.from_storage(schedule.to_storage()).next_after(now) == z("2026-11-01T06:10")


def test_wall_clock_one_off_in_the_repeated_hour_takes_the_first() -> None:
    schedule = scheduled("me to stretch tomorrow at 01:30", NY, z("2026-10-31T16:00"))
    assert schedule.fold == 0
    assert schedule.next_after(z("2026-10-31T16:00")) == z("2026-11-01T05:30")


def test_wall_clock_one_off_in_a_gap_shifts_forward() -> None:
    schedule = scheduled("me to stretch on Mar 8 at 02:30", NY, z("2026-03-01T12:00"))
    assert schedule.next_after(z("2026-03-01T12:00")) == z("2026-03-08T07:30")
