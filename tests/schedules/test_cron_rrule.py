"""Cron → RRULE translation and rrule validation for power users."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.schedules import rules
from shared.schedules.cron import cron_parts
from shared.schedules.errors import GrammarError
from tests.features.reminders.conftest import NOW, fires, instant, scheduled

CRON = [
    ("0 9 * * 1-5", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0"),
    ("*/15 * * * *", "FREQ=HOURLY;BYMINUTE=0,15,30,45;BYSECOND=0"),
    ("* 9 * * *", "FREQ=MINUTELY;BYHOUR=9;BYSECOND=0"),
    ("30 8 1,15 * *", "FREQ=DAILY;BYMONTHDAY=1,15;BYHOUR=8;BYMINUTE=30;BYSECOND=0"),
    ("0 9-17/4 * * *", "FREQ=DAILY;BYHOUR=9,13,17;BYMINUTE=0;BYSECOND=0"),
    ("5/20 10 * * *", "FREQ=DAILY;BYHOUR=10;BYMINUTE=5,25,45;BYSECOND=0"),
    ("0 18 * jan,jul fri", "FREQ=DAILY;BYMONTH=1,7;BYDAY=FR;BYHOUR=18;BYMINUTE=0;BYSECOND=0"),
    ("0 12 * * sun,7,0", "FREQ=DAILY;BYDAY=SU;BYHOUR=12;BYMINUTE=0;BYSECOND=0"),
    ("0 8 * * sat-sun", "FREQ=DAILY;BYDAY=SA,SU;BYHOUR=8;BYMINUTE=0;BYSECOND=0"),
    ("0 0 1 1 *", "FREQ=DAILY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=0;BYMINUTE=0;BYSECOND=0"),
    ("@hourly", "FREQ=HOURLY;BYMINUTE=0;BYSECOND=0"),
    ("@weekly", "FREQ=DAILY;BYDAY=SU;BYHOUR=0;BYMINUTE=0;BYSECOND=0"),
    ("@monthly", "FREQ=DAILY;BYMONTHDAY=1;BYHOUR=0;BYMINUTE=0;BYSECOND=0"),
    ("@annually", "FREQ=DAILY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=0;BYMINUTE=0;BYSECOND=0"),
]


@pytest.mark.parametrize(("cron", "rule"), CRON)
def test_cron_translates_to_an_explicit_rrule(cron: str, rule: str) -> None:
    parts = cron_parts(cron.split())
    assert rules.format_rule(parts) == rule
    assert rules.is_explicit(parts)


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        ("0 9 * *", "five fields"),
        ("60 9 * * *", "outside 0-59"),
        ("0 24 * * *", "outside 0-23"),
        ("0 9 0 * *", "outside 1-31"),
        ("0 9 * 13 *", "outside 1-12"),
        ("0 9 * * 8", "outside 0-7"),
        ("0 9 * * fri-mon", "backwards"),
        ("*/0 9 * * *", "step"),
        ("0 9 L * *", "not a number"),
        ("0 9 1 * mon", "either"),
        ("@reboot", "five fields"),
    ],
)
def test_bad_cron_is_rejected_with_an_example(cron: str, fragment: str) -> None:
    with pytest.raises(GrammarError, match=fragment) as caught:
        cron_parts(cron.split())
    assert "cron 0 9 * * 1-5" in caught.value.suggestion


def test_cron_fires_like_cron_in_local_time() -> None:
    schedule = scheduled("me to stretch cron 0 9-17/4 * * 1-5")
    assert fires(schedule, NOW, 4) == [
        instant(t)
        for t in (
            "2026-06-10T13:00-04:00",
            "2026-06-10T17:00-04:00",
            "2026-06-11T09:00-04:00",
            "2026-06-11T13:00-04:00",
        )
    ]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", {"FREQ": "WEEKLY", "BYDAY": "MO"}),
        ("RRULE:freq=daily;interval=2", {"FREQ": "DAILY", "INTERVAL": "2"}),
        ("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17", {"FREQ": "MONTHLY", "BYDAY": "-1FR", "BYHOUR": "17"}),
        (
            "FREQ=YEARLY;UNTIL=20301231;BYMONTH=3",
            {"FREQ": "YEARLY", "UNTIL": "20301231", "BYMONTH": "3"},
        ),
        ("FREQ=MINUTELY;INTERVAL=1", {"FREQ": "MINUTELY", "INTERVAL": "1"}),
    ],
)
def test_rrule_accepts_valid_rules(text: str, parts: dict[str, str]) -> None:
    assert rules.parse_rule(text) == parts


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("FREQ=SECONDLY", "once a minute"),
        ("FREQ=MINUTELY;BYSECOND=0,20,40", "once a minute"),
        ("FREQ=HOURLY;BYSECOND=30", "once a minute"),
        ("BYDAY=MO", "needs FREQ"),
        ("FREQ=FORTNIGHTLY", "needs FREQ"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20301231", "not both"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;INTERVAL=x", "whole number"),
        ("FREQ=DAILY;BYHOUR=24", "BYHOUR=24"),
        ("FREQ=DAILY;BYMONTHDAY=0", "BYMONTHDAY=0"),
        ("FREQ=WEEKLY;BYDAY=1MO", "not possible"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a weekday"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL"),
        ("FREQ=DAILY;DTSTART=20260101T000000", "don't support DTSTART"),
        ("FREQ=YEARLY;BYYEARDAY=100", "don't support BYYEARDAY"),
        ("FREQ=DAILY;WKST=XX", "WKST"),
        ("FREQ", "NAME=VALUE"),
    ],
)
def test_rrule_rejects_unsafe_or_invalid_rules(text: str, fragment: str) -> None:
    with pytest.raises(GrammarError, match=fragment):
        rules.parse_rule(text)


def test_rrule_with_utc_until_is_stored_as_local_wall_time() -> None:
    schedule = scheduled("me to stretch rrule FREQ=DAILY;BYHOUR=9;UNTIL=20260613T020000Z")
    # 02:00 UTC on Jun 13 is 22:00 EDT on Jun 12: the last firing is Jun 12 09:00.
    assert "UNTIL=20260612T220000" in (schedule.rule or "")
    assert fires(schedule, NOW, 5) == [
        instant("2026-06-11T09:00-04:00"),
        instant("2026-06-12T09:00-04:00"),
    ]


def test_rrule_with_a_bare_until_date_includes_that_day() -> None:
    schedule = scheduled("me to stretch rrule FREQ=DAILY;UNTIL=20260612")
    assert len(fires(schedule, NOW, 5)) == 2


def test_rrule_interval_anchors_on_the_first_occurrence() -> None:
    schedule = scheduled("me to stretch rrule FREQ=WEEKLY;INTERVAL=2;BYDAY=WE")
    assert schedule.start == datetime(2026, 6, 17, 9, 0)
    assert fires(schedule, NOW, 2) == [
        instant("2026-06-17T09:00-04:00"),
        instant("2026-07-01T09:00-04:00"),
    ]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MINUTELY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=15",  # a first Monday is never the 15th
        "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30",
    ],
)
def test_rules_that_never_fire_are_rejected(rule: str) -> None:
    """dateutil alone would scan to year 9999 (seconds); the bounded probe stops early."""
    with pytest.raises(GrammarError, match="never fires"):
        scheduled(f"me to stretch rrule {rule}")


def test_user_until_and_natural_until_do_not_mix() -> None:
    with pytest.raises(GrammarError, match="Until when"):
        scheduled("me to stretch rrule FREQ=DAILY;COUNT=2 until Dec 31")
    schedule = scheduled("me to stretch cron 0 9 * * * until Jun 12")
    assert len(fires(schedule, NOW, 5)) == 2
