"""Schedule values: describe() words, storage round-trip, snooze, rebasing, validation."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.schedules import rules
from shared.schedules.schedule import (
    SNOOZE_LABELS,
    Schedule,
    Snooze,
    snooze,
    snooze_for,
    snooze_to_day,
)
from tests.features.reminders.conftest import BERLIN, KOLKATA, NOW, NY, instant, scheduled

DESCRIBED = [
    ("me to stretch every weekday at 9am", "every weekday at 9:00 AM"),
    ("me to stretch every other Wednesday", "every other Wednesday at 9:00 AM"),
    (
        "me to stretch every month on the 1st until Dec 31",
        "every month on the 1st at 9:00 AM until Dec 31, 2026",
    ),
    ("me to stretch in 10 minutes", "once"),
    ("me to stretch tomorrow at 9", "once"),
    ("me to stretch every day at 9am", "every day at 9:00 AM"),
    ("me to stretch every Monday and Thursday at 14:30", "every Monday and Thursday at 2:30 PM"),
    (
        "me to stretch every Monday, Wednesday and Friday at 10",
        "every Monday, Wednesday and Friday at 10:00 AM",
    ),
    (
        "me to stretch every month on the 31st",
        "every month on the 31st (months without a 31st are skipped) at 9:00 AM",
    ),
    ("me to stretch every month on the last day", "every month on the last day at 9:00 AM"),
    ("me to stretch every last Friday", "every month on the last Friday at 9:00 AM"),
    ("me to stretch every 2nd Tuesday at 4pm", "every month on the second Tuesday at 4:00 PM"),
    ("me to stretch every year on March 3", "every year on March 3 at 9:00 AM"),
    (
        "me to stretch every year on Feb 29",
        "every year on February 29 (only in leap years) at 9:00 AM",
    ),
    ("me to stretch every 3 weeks on Monday", "every 3 weeks on Monday at 9:00 AM"),
    ("me to stretch every other month on the 15th", "every other month on the 15th at 9:00 AM"),
    ("me to stretch every weekend at noon", "every weekend day at 12:00 PM"),
    ("me to stretch every day at midnight", "every day at 12:00 AM"),
    ("me to stretch every 15 minutes", "every 15 minutes"),
    ("me to stretch every 2 hours", "every 2 hours on the hour"),
    (
        "me to stretch every day at 9am until Jun 20 at 5pm",
        "every day at 9:00 AM until Jun 20, 2026 at 5:00 PM",
    ),
    ("me to stretch cron 0 9 1 * *", "every month on the 1st at 9:00 AM"),
    ("me to stretch cron 0 18 * jan,jul fri", "every Friday in January and July at 6:00 PM"),
    (
        "me to stretch cron */15 9-17 * * mon-fri",
        "every weekday, 36 times a day from 9:00 AM to 5:45 PM",
    ),
    ("me to stretch cron 0,30 * * * *", "every hour at :00 and :30"),
    ("me to stretch cron * 9-10 * * 1-5", "every minute on weekdays from 9:00 AM to 10:59 AM"),
    ("me to stretch rrule FREQ=DAILY;COUNT=3;BYHOUR=7", "every day at 7:00 AM, 3 times"),
    (
        "me to stretch rrule FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;BYHOUR=12",
        "every year on the fourth Thursday of November at 12:00 PM",
    ),
    (
        "me to stretch rrule FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "on a custom schedule (FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;"
        "BYHOUR=9;BYMINUTE=0;BYSECOND=0)",
    ),
]


@pytest.mark.parametrize(("text", "words"), DESCRIBED, ids=[d[0] for d in DESCRIBED])
def test_describe_in_plain_words(text: str, words: str) -> None:
    assert scheduled(text).describe() == words


def test_local_text_shows_absolute_local_time_and_zone() -> None:
    schedule = scheduled("me to stretch at 3pm", BERLIN)
    first = schedule.next_after(NOW)
    assert first is not None
    assert schedule.local_text(first) == "Thu 11 Jun 2026, 15:00 CEST"
    assert (
        scheduled("me to stretch at 9pm", KOLKATA).local_text(NOW) == "Wed 10 Jun 2026, 20:30 IST"
    )


@pytest.mark.parametrize(
    "text",
    [
        "me to stretch in 10 minutes",
        "me to stretch tomorrow at 9",
        "me to stretch every weekday at 9am",
        "me to stretch every month on the 1st until Dec 31",
        "me to stretch every other Wednesday",
        "me to stretch cron */15 9-17 * * mon-fri",
        "me to stretch rrule FREQ=DAILY;COUNT=3;BYHOUR=7",
    ],
)
def test_storage_round_trip_through_json(text: str) -> None:
    schedule = scheduled(text)
    stored = json.loads(json.dumps(schedule.to_storage()))
    assert stored["v"] == 1
    assert stored["zone"] == NY
    again = Schedule.from_storage(stored)
    assert again == schedule
    assert again.occurrences(NOW, 5) == schedule.occurrences(NOW, 5)


def test_storage_keeps_the_zone_name_never_an_offset() -> None:
    stored = scheduled("me to stretch every day at 9am").to_storage()
    assert stored == {
        "v": 1,
        "zone": NY,
        "start": "2026-06-11T09:00:00",
        "rule": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        "fold": 0,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"v": 2, "zone": NY, "start": "2026-06-11T09:00:00", "rule": None, "fold": 0},
        {"zone": NY, "start": "2026-06-11T09:00:00"},
        {"v": 1, "zone": "-05:00", "start": "2026-06-11T09:00:00", "rule": None},
        {"v": 1, "zone": "Mars/Olympus", "start": "2026-06-11T09:00:00", "rule": None},
        {"v": 1, "zone": NY, "start": "2026-06-11T09:00:00-04:00", "rule": None},
        {"v": 1, "zone": NY, "start": "soon", "rule": None},
        {"v": 1, "zone": NY, "start": "2026-06-11T09:00:00", "rule": "FREQ=DAILY"},
        {"v": 1, "zone": NY, "start": "2026-06-11T09:00:00", "rule": 5},
        {"v": 1, "zone": NY, "start": "2026-06-11T09:00:00", "rule": None, "fold": 2},
    ],
)
def test_from_storage_rejects_malformed_data(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"schedule|zone|rule|fold|explicit|version"):
        Schedule.from_storage(data)


def test_next_after_requires_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduled("me to stretch at 3pm").next_after(datetime(2026, 6, 10, 15))


def test_one_off_fires_once_then_never() -> None:
    schedule = scheduled("me to stretch at 3pm")
    first = schedule.next_after(NOW)
    assert first == instant("2026-06-10T15:00-04:00")
    assert schedule.next_after(first) is None
    assert not schedule.is_recurring


SNOOZE_NOW = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # Monday 10:00 EDT


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (Snooze.MINUTES_20, "2026-06-15T10:20-04:00"),
        (Snooze.HOUR_1, "2026-06-15T11:00-04:00"),
        (Snooze.HOURS_3, "2026-06-15T13:00-04:00"),
        (Snooze.TOMORROW, "2026-06-16T09:00-04:00"),
        (Snooze.NEXT_MONDAY, "2026-06-22T09:00-04:00"),
    ],
)
def test_snooze_buttons(choice: Snooze, expected: str) -> None:
    schedule = snooze(choice, now=SNOOZE_NOW, zone=NY)
    assert schedule.next_after(SNOOZE_NOW) == instant(expected)
    assert SNOOZE_LABELS[choice]


def test_elapsed_snooze_is_elapsed_and_wall_clock_snooze_is_wall_clock_across_dst() -> None:
    evening = datetime(2026, 3, 8, 3, 0, tzinfo=UTC)  # Sat Mar 7, 22:00 EST
    three_hours = snooze_for(timedelta(hours=3), now=evening, zone=NY)
    assert three_hours.next_after(evening) == evening + timedelta(hours=3)  # 02:00 EDT: elapsed
    tomorrow = snooze(Snooze.TOMORROW, now=evening, zone=NY)
    assert tomorrow.next_after(evening) == instant("2026-03-08T09:00-04:00")


def test_snooze_without_a_zone() -> None:
    assert snooze(Snooze.MINUTES_20, now=SNOOZE_NOW, zone=None).zone == "UTC"
    with pytest.raises(ValueError, match="needs the user's zone"):
        snooze(Snooze.TOMORROW, now=SNOOZE_NOW, zone=None)


def test_snooze_to_a_chosen_weekday_and_time() -> None:
    friday = snooze_to_day(now=SNOOZE_NOW, zone=BERLIN, weekday=4, at=time(17, 30))
    assert friday.next_after(SNOOZE_NOW) == instant("2026-06-19T17:30+02:00")


DAY = 1440
REBASE_RULES = [  # rule, DTSTART, how many minutes after DTSTART to sample (covers DST changes)
    ("FREQ=MINUTELY;INTERVAL=7;BYSECOND=0", datetime(2024, 3, 1, 8, 1), 20 * DAY),
    ("FREQ=MINUTELY;INTERVAL=13;BYHOUR=1,2;BYSECOND=0", datetime(2024, 10, 20, 1, 4), 20 * DAY),
    ("FREQ=HOURLY;INTERVAL=5;BYMINUTE=20;BYSECOND=0", datetime(2024, 1, 3, 8, 20), 400 * DAY),
    (
        "FREQ=DAILY;INTERVAL=3;BYHOUR=2;BYMINUTE=30;BYSECOND=0",
        datetime(2024, 1, 3, 2, 30),
        9000 * DAY,
    ),
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        datetime(2024, 1, 4, 9),
        3000 * DAY,
    ),
    (
        "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        datetime(2024, 1, 31, 9),
        3000 * DAY,
    ),
    (
        "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=1;BYMINUTE=30;BYSECOND=0",
        datetime(2024, 1, 26, 1, 30),
        3000 * DAY,
    ),
    (
        "FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        datetime(2024, 2, 29, 9),
        9000 * DAY,
    ),
]


@pytest.mark.parametrize(("rule", "start", "span"), REBASE_RULES, ids=[r[0] for r in REBASE_RULES])
def test_rebased_lookup_matches_a_full_scan_from_the_start(
    rule: str, start: datetime, span: int
) -> None:
    """Iterating from a moved-up DTSTART finds exactly what a scan from the start finds."""
    zone = ZoneInfo(NY)
    schedule = Schedule(zone=NY, start=start, rule=rule)
    picker = random.Random(rule)
    origin = start.replace(tzinfo=zone).astimezone(UTC)
    for _ in range(40):
        moment = origin + timedelta(minutes=picker.randrange(-DAY, span))
        assert schedule.next_after(moment) == _full_scan(rule, start, zone, moment)


def _full_scan(rule: str, start: datetime, zone: ZoneInfo, moment: datetime) -> datetime | None:
    """The earliest UTC firing after ``moment``, scanning every occurrence from DTSTART."""
    stop = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    later: list[datetime] = []
    for local in rules.compile_rule(rule, start):
        utc = local.replace(tzinfo=zone).astimezone(UTC)
        if utc > moment:
            later.append(utc)
        if local > stop and later:
            break
    return min(later, default=None)


def test_rebase_keeps_lookups_short_for_old_minutely_rules() -> None:
    """A five-year-old every-minute rule starts its scan near the asked instant."""
    start = datetime(2021, 1, 1)
    rule = "FREQ=MINUTELY;BYSECOND=0"
    target = datetime(2026, 6, 10, 11, 0)
    assert target - rules.rebase(rules.parse_rule(rule), start, target) < timedelta(minutes=1)
    assert Schedule(NY, start, rule).next_after(NOW) == NOW + timedelta(minutes=1)


def test_schedule_rejects_implicit_rules_and_aware_starts() -> None:
    with pytest.raises(ValueError, match="explicit"):
        Schedule(NY, datetime(2026, 6, 11, 9), "FREQ=WEEKLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0")
    with pytest.raises(ValueError, match="naive"):
        Schedule(NY, datetime(2026, 6, 11, 9, tzinfo=UTC))
    with pytest.raises(ValueError, match="fold"):
        Schedule(NY, datetime(2026, 6, 11, 9), "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0", 1)
