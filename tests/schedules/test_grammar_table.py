"""The /remind grammar table: each phrasing with its exact next firings, and the rejections.

``NOW`` is Wednesday 10 June 2026, 11:00 in New York (EDT, -04:00; EST is -05:00).
A list ending in ``END`` must be complete; otherwise the first firings are compared.
"""

from __future__ import annotations

import pytest

from shared.schedules.errors import GrammarError
from tests.features.reminders.conftest import (
    BERLIN,
    END,
    KOLKATA,
    LORD_HOWE,
    NOW,
    NY,
    fires,
    instant,
    parse,
)

E, S = "-04:00", "-05:00"


def ny(*stamps: str) -> list[str]:
    """New York wall times ``MM-DDTHH:MM`` in 2026 (or ``YYYY-MM-DDTHH:MM``) with offsets."""
    out = []
    for stamp in stamps:
        if stamp == END:
            out.append(END)
            continue
        full = stamp if stamp.count("-") == 2 else f"2026-{stamp}"
        month = (int(full[:4]), int(full[5:7]), int(full[8:10]))
        summer = (month[1], month[2]) >= (3, 8) and (month[1], month[2]) < (11, 1)
        out.append(full + (E if summer else S))
    return out


ACCEPTED: list[tuple[str, str | None, list[str]]] = [
    # Relative: elapsed time, no zone needed.
    ("me to stretch in 10 minutes", NY, ny("06-10T11:10")),
    ("me to stretch in 2 hours", NY, ny("06-10T13:00")),
    ("me to stretch in three hours", NY, ny("06-10T14:00")),
    ("me to stretch in 1h30m", NY, ny("06-10T12:30")),
    ("me to stretch in 90 minutes", NY, ny("06-10T12:30")),
    ("me to stretch in an hour", NY, ny("06-10T12:00")),
    ("me to stretch in half an hour", NY, ny("06-10T11:30")),
    ("me to stretch in 1 hour and 15 minutes", NY, ny("06-10T12:15")),
    ("me to stretch in twenty five minutes", NY, ny("06-10T11:25")),
    ("me to stretch in 2 days", NY, ny("06-12T11:00")),
    ("me to stretch in 1.5 hours", NY, ny("06-10T12:30")),
    ("me in 10 minutes to stretch", NY, ny("06-10T11:10")),
    ("me to stretch in 10 minutes", None, ny("06-10T11:10")),
    # Clock times: the next such time, today or tomorrow.
    ("me to stretch at 3pm", NY, ny("06-10T15:00")),
    ("me to stretch at 9am", NY, ny("06-11T09:00")),
    ("me to stretch at 15:30", NY, ny("06-10T15:30")),
    ("me to stretch at noon", NY, ny("06-10T12:00")),
    ("me to stretch at midnight", NY, ny("06-11T00:00")),
    ("me to stretch at 7", NY, ny("06-11T07:00")),
    ("me to stretch at 19", NY, ny("06-10T19:00")),
    ("me to stretch at 0900", NY, ny("06-11T09:00")),
    ("me to stretch at 12am", NY, ny("06-11T00:00")),
    ("me to stretch at 3:45 pm", NY, ny("06-10T15:45")),
    ("me to stretch at 11:00", NY, ny("06-11T11:00")),
    # Days, with 9:00 as the default time.
    ("me to stretch tomorrow at 9", NY, ny("06-11T09:00")),
    ("me to stretch tomorrow", NY, ny("06-11T09:00")),
    ("me to stretch today at 5pm", NY, ny("06-10T17:00")),
    ("me to stretch the day after tomorrow at 10", NY, ny("06-12T10:00")),
    ("me to stretch on Dec 24 at 18:00", NY, ny("12-24T18:00")),
    ("me to stretch next Monday", NY, ny("06-15T09:00")),
    ("me to stretch on Monday", NY, ny("06-15T09:00")),
    ("me to stretch on Wednesday at 5pm", NY, ny("06-10T17:00")),
    ("me to stretch next Wednesday at 5pm", NY, ny("06-17T17:00")),
    ("me to stretch on Wednesday at 9am", NY, ny("06-17T09:00")),
    ("me to stretch this Friday", NY, ny("06-12T09:00")),
    ("me to stretch next week", NY, ny("06-15T09:00")),
    ("me to stretch 2026-12-25 18:00", NY, ny("12-25T18:00")),
    ("me to stretch 2026-12-25T18:00", NY, ny("12-25T18:00")),
    ("me to stretch on 7/13 at noon", NY, ny("07-13T12:00")),
    ("me to stretch on 24/12 at 8am", NY, ny("12-24T08:00")),
    ("me to stretch on the 7th", NY, ny("07-07T09:00")),
    ("me to stretch on the 31st", NY, ny("07-31T09:00")),
    ("me to stretch on 24 Dec", NY, ny("12-24T09:00")),
    ("me to stretch on the 4th of July at 9pm", NY, ny("07-04T21:00")),
    ("me to stretch at 3pm on Friday", NY, ny("06-12T15:00")),
    ("me to stretch on Feb 29", NY, ny("2028-02-29T09:00")),
    ("me to stretch on Jun 1", NY, ny("2027-06-01T09:00")),
    ("me to stretch on March 3 2027 at 8:15am", NY, ny("2027-03-03T08:15")),
    # Recurring.
    ("me to stretch every day at 9am", NY, ny("06-11T09:00", "06-12T09:00", "06-13T09:00")),
    ("me to stretch every weekday at 9am", NY, ny("06-11T09:00", "06-12T09:00", "06-15T09:00")),
    (
        "me to stretch every Monday and Thursday at 14:30",
        NY,
        ny("06-11T14:30", "06-15T14:30", "06-18T14:30"),
    ),
    (
        "me to stretch every Monday, Wednesday and Friday at 10",
        NY,
        ny("06-12T10:00", "06-15T10:00", "06-17T10:00"),
    ),
    ("me to stretch every other Wednesday", NY, ny("06-17T09:00", "07-01T09:00", "07-15T09:00")),
    ("me to stretch every month on the 1st", NY, ny("07-01T09:00", "08-01T09:00", "09-01T09:00")),
    ("me to stretch every last Friday", NY, ny("06-26T09:00", "07-31T09:00", "08-28T09:00")),
    (
        "me to stretch every year on March 3",
        NY,
        ny("2027-03-03T09:00", "2028-03-03T09:00", "2029-03-03T09:00"),
    ),
    (
        "me to stretch every January 25",
        NY,
        ny("2027-01-25T09:00", "2028-01-25T09:00", "2029-01-25T09:00"),
    ),
    ("me to stretch every day at 9am until Jun 12", NY, ny("06-11T09:00", "06-12T09:00", END)),
    ("me to stretch every month on the 31st", NY, ny("07-31T09:00", "08-31T09:00", "10-31T09:00")),
    (
        "me to stretch every month on the 1st until Dec 31",
        NY,
        ny(*(f"{m:02d}-01T09:00" for m in range(7, 13)), END),
    ),
    ("me to stretch every other day", NY, ny("06-11T09:00", "06-13T09:00", "06-15T09:00")),
    ("me to stretch every 3 days at 8pm", NY, ny("06-10T20:00", "06-13T20:00", "06-16T20:00")),
    ("me to stretch weekly on Monday", NY, ny("06-15T09:00", "06-22T09:00", "06-29T09:00")),
    ("me to stretch every week", NY, ny("06-17T09:00", "06-24T09:00", "07-01T09:00")),
    ("me to stretch every 2 hours", NY, ny("06-10T13:00", "06-10T15:00", "06-10T17:00")),
    (
        "me to stretch every 15 minutes until noon",
        NY,
        ny("06-10T11:15", "06-10T11:30", "06-10T11:45", "06-10T12:00", END),
    ),
    ("me to stretch every hour", NY, ny("06-10T12:00", "06-10T13:00", "06-10T14:00")),
    ("me to stretch on Mondays at 9", NY, ny("06-15T09:00", "06-22T09:00", "06-29T09:00")),
    ("me to stretch on weekdays at 8:30am", NY, ny("06-11T08:30", "06-12T08:30", "06-15T08:30")),
    ("me to stretch every weekend", NY, ny("06-13T09:00", "06-14T09:00", "06-20T09:00")),
    (
        "me to stretch every first Monday of the month",
        NY,
        ny("07-06T09:00", "08-03T09:00", "09-07T09:00"),
    ),
    ("me to stretch every 2nd Tuesday at 4pm", NY, ny("07-14T16:00", "08-11T16:00", "09-08T16:00")),
    (
        "me to stretch every month on the last day",
        NY,
        ny("06-30T09:00", "07-31T09:00", "08-31T09:00"),
    ),
    (
        "me to stretch every month on the 1st and 15th",
        NY,
        ny("06-15T09:00", "07-01T09:00", "07-15T09:00"),
    ),
    ("me to stretch daily at 8:30", NY, ny("06-11T08:30", "06-12T08:30", "06-13T08:30")),
    (
        "me to stretch every year on Feb 29",
        NY,
        ny("2028-02-29T09:00", "2032-02-29T09:00", "2036-02-29T09:00"),
    ),
    ("me to stretch at 9am every weekday", NY, ny("06-11T09:00", "06-12T09:00", "06-15T09:00")),
    (
        "me to stretch every other Monday and Thursday",
        NY,
        ny("06-11T09:00", "06-22T09:00", "06-25T09:00"),
    ),
    # Power users: cron and rrule, in the user's local time.
    ("me to stretch cron 0 9 * * 1-5", NY, ny("06-11T09:00", "06-12T09:00", "06-15T09:00")),
    (
        "me to stretch cron */15 9-17 * * mon-fri",
        NY,
        ny("06-10T11:15", "06-10T11:30", "06-10T11:45"),
    ),
    ("me to stretch cron 30 8 1,15 * *", NY, ny("06-15T08:30", "07-01T08:30", "07-15T08:30")),
    (
        "me to stretch cron 0 0 1 1 *",
        NY,
        ny("2027-01-01T00:00", "2028-01-01T00:00", "2029-01-01T00:00"),
    ),
    ("me to stretch cron @daily", NY, ny("06-11T00:00", "06-12T00:00", "06-13T00:00")),
    ("me to stretch cron 0 18 * jan,jul fri", NY, ny("07-03T18:00", "07-10T18:00", "07-17T18:00")),
    (
        "me to stretch rrule FREQ=WEEKLY;BYDAY=MO",
        NY,
        ny("06-15T09:00", "06-22T09:00", "06-29T09:00"),
    ),
    (
        "me to stretch rrule FREQ=DAILY;COUNT=3;BYHOUR=7",
        NY,
        ny("06-11T07:00", "06-12T07:00", "06-13T07:00", END),
    ),
    (
        "me to stretch rrule FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        NY,
        ny("06-30T09:00", "07-31T09:00", "08-31T09:00"),
    ),
    (
        "me to stretch RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;BYHOUR=12",
        NY,
        ny("11-26T12:00", "2027-11-25T12:00", "2028-11-23T12:00"),
    ),
    # Other zones.
    ("me to stretch at 3pm", BERLIN, ["2026-06-11T15:00+02:00"]),
    (
        "me to stretch every weekday at 9am",
        BERLIN,
        ["2026-06-11T09:00+02:00", "2026-06-12T09:00+02:00", "2026-06-15T09:00+02:00"],
    ),
    ("me to stretch tomorrow at 9", KOLKATA, ["2026-06-11T09:00+05:30"]),
    ("me to stretch at 8:45pm", KOLKATA, ["2026-06-10T20:45+05:30"]),
    ("me to stretch at 9am", LORD_HOWE, ["2026-06-11T09:00+10:30"]),
    ("me to stretch tomorrow at 9am", LORD_HOWE, ["2026-06-12T09:00+10:30"]),
    # Who, what and order.
    ("remind me to stretch at 3pm", NY, ny("06-10T15:00")),
    ("/remind me to stretch at 3pm", NY, ny("06-10T15:00")),
    (
        '<users/123> "stand up" every weekday at 9:30am',
        NY,
        ny("06-11T09:30", "06-12T09:30", "06-15T09:30"),
    ),
    ("here at 3pm to stretch", NY, ny("06-10T15:00")),
    ("me at 3pm to prep for Monday", NY, ny("06-10T15:00")),
    ("me to check the 24:00 build at 3pm", NY, ny("06-10T15:00")),
    ("me to stretch at 3pm and nudge every 30 minutes until done", NY, ny("06-10T15:00")),
    ("stretch in 10 minutes", NY, ny("06-10T11:10")),
]

REJECTED: list[tuple[str, str]] = [
    ("me to stretch on Feb 30", "February has no 30th"),
    ("me to stretch on Feb 29 2027", "February 2027 has no 29th"),
    ("me to stretch at 25:00", "no 25:00"),
    ("me to stretch at 13pm", "12-hour clock"),
    ("me to stretch on Jan 1 2020", "already passed"),
    ("me to stretch today at 9am", "already passed"),
    ("me to stretch at 5", "AM or PM"),
    ("me to call at 5 tomorrow", "AM or PM"),
    ("me to stretch on Feb 30 at 9", "February has no 30th"),
    ("me to stretch on 3/4", "two different dates"),
    ("me to stretch", "When should I remind you?"),
    ("me at 3pm", "What should I remind you about?"),
    ("", "Tell me who, what and when"),
    ("me to stretch at 3pm sharp", "not “sharp”"),
    ("me at 3pm call mom tomorrow", "two times"),
    ("@bob to stretch at 3pm", "can't tell who"),
    ("me to stretch every month on the 32nd", "32nd"),
    ("me to stretch every 6th Monday", "6th Monday"),
    ("me to stretch every year on March 3 2027", "needs no year"),
    ("me to stretch every day until Jan 1 2020", "end before it starts"),
    ("me to stretch every 30 seconds", "once a minute"),
    ("me to stretch rrule FREQ=SECONDLY", "once a minute"),
    ("me to stretch rrule FREQ=DAILY;BYSECOND=0,30", "once a minute"),
    ("me to stretch rrule FREQ=MONTHLY;BYDAY=6MO", "not possible"),
    ("me to stretch rrule FREQ=YEARLY;BYWEEKNO=1", "don't support BYWEEKNO"),
    ("me to stretch cron 0 0 30 2 *", "never fires"),
    ("me to stretch cron 0 9 1 * 1", "either"),
    ("me to stretch cron 0 9 * *", "five fields"),
    ("me to stretch cron 61 9 * * *", "outside 0-59"),
    ("me to stretch at 3pm and nudge every 2 minutes until done", "5 minutes"),
    ("me to stretch at 3pm and nudge", "How often"),
    ("me to stretch in 3 months", "Months and years"),
    ("me to stretch in 0 minutes", "now, not later"),
    ("me to stretch in 300 weeks", "more than 5 years"),
    ("me to stretch on Dec 24 2099", "more than 5 years"),
]


@pytest.mark.parametrize(("text", "zone", "expected"), ACCEPTED, ids=[r[0] for r in ACCEPTED])
def test_phrase_fires_exactly_when_expected(
    text: str, zone: str | None, expected: list[str]
) -> None:
    parsed = parse(text, zone)
    assert parsed.schedule is not None
    complete = parsed.schedule.rule is None or expected[-1] == END
    want = [instant(e) for e in expected if e != END]
    got = fires(parsed.schedule, NOW, len(want) + 1)
    assert (got if complete else got[: len(want)]) == want


@pytest.mark.parametrize(("text", "fragment"), REJECTED, ids=[r[0] or "<empty>" for r in REJECTED])
def test_rejection_explains_and_suggests_a_working_command(text: str, fragment: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse(text)
    error = caught.value
    assert fragment in error.message
    assert f"Try: {error.suggestion}" in str(error)
    assert error.suggestion.startswith("/remind ")
    suggested = parse(error.suggestion)
    assert suggested.schedule is not None
    assert suggested.what


def test_table_is_big_enough() -> None:
    assert len(ACCEPTED) + len(REJECTED) >= 80
    assert len(REJECTED) >= 15
