"""Who and what extraction, zone handling, nags, and time phrases on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.schedules.errors import GrammarError
from shared.schedules.grammar import (
    MAX_NAGS,
    Nag,
    RecipientKind,
    parse_reminder,
    parse_when,
)
from shared.schedules.recurrence import Repeat
from shared.schedules.when import OneOff, Relative
from tests.features.reminders.conftest import BERLIN, NOW, NY, instant, parse

WHO_WHAT = [
    ("me to stretch at 3pm", RecipientKind.ME, None, "stretch"),
    ("remind me to stretch at 3pm", RecipientKind.ME, None, "stretch"),
    ("Remind me about the standup notes tomorrow", RecipientKind.ME, None, "the standup notes"),
    ("me that the build is red in 5 minutes", RecipientKind.ME, None, "the build is red"),
    ("myself to stretch at 3pm", RecipientKind.ME, None, "stretch"),
    ("stretch at 3pm", RecipientKind.ME, None, "stretch"),
    (
        "here to submit timesheets every Friday at 4pm",
        RecipientKind.HERE,
        None,
        "submit timesheets",
    ),
    ("@here standup every weekday at 9:30am", RecipientKind.HERE, None, "standup"),
    ("<users/123> to review the PR tomorrow", RecipientKind.USER, "users/123", "review the PR"),
    ('me "call Bob at 5" at 3pm', RecipientKind.ME, None, "call Bob at 5"),
    ("me at 3pm “call Bob on Monday”", RecipientKind.ME, None, "call Bob on Monday"),
    ("me 'water the plants' every Monday", RecipientKind.ME, None, "water the plants"),
    ("me to meet Bob at the cafe at 3pm", RecipientKind.ME, None, "meet Bob at the cafe"),
    ("me to read in bed at 10pm", RecipientKind.ME, None, "read in bed"),
    ("me to be on the 5th floor at 3pm", RecipientKind.ME, None, "be on the 5th floor"),
    ("me to plan next steps on Monday", RecipientKind.ME, None, "plan next steps"),
    ("me to ask if we may go at 3pm", RecipientKind.ME, None, "ask if we may go"),
    ("me to water every plant at 5pm", RecipientKind.ME, None, "water every plant"),
    ("me to check in with Bob in 10 minutes", RecipientKind.ME, None, "check in with Bob"),
    ("me tomorrow at 9 to review the doc", RecipientKind.ME, None, "review the doc"),
    ("me every weekday at 9am stand up, please!", RecipientKind.ME, None, "stand up, please!"),
    ("me to pay rent every month on the 1st", RecipientKind.ME, None, "pay rent"),
]


@pytest.mark.parametrize(("text", "kind", "user", "what"), WHO_WHAT, ids=[w[0] for w in WHO_WHAT])
def test_who_and_what(text: str, kind: RecipientKind, user: str | None, what: str) -> None:
    parsed = parse(text)
    assert parsed.who.kind is kind
    assert parsed.who.user == user
    assert parsed.what == what


def test_wall_clock_without_a_zone_needs_the_zone_and_never_assumes_utc() -> None:
    parsed = parse("me to stretch at 3pm", zone=None)
    assert parsed.needs_zone
    assert parsed.schedule is None
    assert isinstance(parsed.when, OneOff)
    resolved = parsed.with_zone(BERLIN, NOW)
    assert not resolved.needs_zone
    assert resolved.schedule is not None
    assert resolved.schedule.next_after(NOW) == instant("2026-06-11T15:00+02:00")


@pytest.mark.parametrize(
    "text",
    [
        "me to stretch every weekday at 9am",
        "me to stretch cron 0 9 * * 1-5",
        "me to stretch tomorrow",
    ],
)
def test_recurring_and_dated_phrases_need_the_zone(text: str) -> None:
    assert parse(text, zone=None).needs_zone


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("me to stretch in 10 minutes", timedelta(minutes=10)),
        ("me to stretch in 1h30m", timedelta(minutes=90)),
        ("me to stretch in three hours", timedelta(hours=3)),
    ],
)
def test_relative_times_need_no_zone(text: str, delta: timedelta) -> None:
    parsed = parse(text, zone=None)
    assert not parsed.needs_zone
    assert isinstance(parsed.when, Relative)
    assert parsed.schedule is not None
    assert parsed.schedule.next_after(NOW) == NOW + delta


def test_a_date_past_in_every_zone_is_rejected_even_without_a_zone() -> None:
    with pytest.raises(GrammarError, match="already passed"):
        parse("me to stretch on Jan 1 2020", zone=None)


def test_with_zone_can_still_reject() -> None:
    parsed = parse("me to stretch today at 9am", zone=None)
    with pytest.raises(GrammarError, match="already passed") as caught:
        parsed.with_zone(NY, NOW)
    assert caught.value.suggestion == "/remind me to stretch tomorrow at 9am"


def test_unknown_zone_and_naive_now() -> None:
    with pytest.raises(GrammarError, match="time zone"):
        parse("me to stretch at 3pm", zone="Mars/Olympus")
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_reminder("me to stretch at 3pm", now=datetime(2026, 6, 10, 15), zone=NY)


@pytest.mark.parametrize(
    ("text", "every"),
    [
        ("me to stretch at 3pm and nudge every 30 minutes until done", timedelta(minutes=30)),
        ("me to stretch at 3pm and nag me every hour until it's done", timedelta(hours=1)),
        ("me to stretch at 3pm and keep nudging every 45 minutes", timedelta(minutes=45)),
        ("me at 3pm to stretch and ping me every 5 minutes until complete", timedelta(minutes=5)),
        ('me "stretch" every weekday at 9am and nudge every 1h until done', timedelta(hours=1)),
    ],
)
def test_nag(text: str, every: timedelta) -> None:
    parsed = parse(text)
    assert parsed.nag == Nag(every)
    assert parsed.what == "stretch"


def test_nag_times_are_capped_and_stop_at_the_next_firing() -> None:
    nag = Nag(timedelta(minutes=30))
    fired = datetime(2026, 6, 10, 19, 0, tzinfo=UTC)
    assert len(nag.instants(fired)) == MAX_NAGS == 24
    assert nag.instants(fired)[-1] == fired + timedelta(hours=12)
    assert nag.instants(fired, stop=fired + timedelta(hours=2)) == [
        fired + timedelta(minutes=m) for m in (30, 60, 90)
    ]
    assert nag.describe() == "nudging every 30 minutes until done (at most 24 times)"
    assert (
        Nag(timedelta(hours=2)).describe() == "nudging every 2 hours until done (at most 24 times)"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("me to stretch at 3pm and nudge every 2 days until done", "once a day"),
        ("me to stretch at 3pm and nudge every 30 minutes forever", "forever"),
        ("me to stretch at 3pm and nudge sometimes", "How often"),
    ],
)
def test_bad_nags(text: str, fragment: str) -> None:
    with pytest.raises(GrammarError, match=fragment) as caught:
        parse(text)
    assert caught.value.suggestion.endswith("and nudge every 30 minutes until done")


def test_parse_when_alone_for_snooze_and_edit() -> None:
    later = parse_when("tomorrow at 9", now=NOW, zone=NY)
    assert later.schedule is not None
    assert later.schedule.next_after(NOW) == instant("2026-06-11T09:00-04:00")
    assert parse_when("in 20 minutes", now=NOW, zone=None).schedule is not None
    assert parse_when("next Monday", now=NOW, zone=None).needs_zone
    assert isinstance(parse_when("every weekday", now=NOW, zone=NY).when, Repeat)
    with pytest.raises(GrammarError, match="once"):
        parse_when("every weekday", now=NOW, zone=NY, once=True)
    with pytest.raises(GrammarError, match="understood"):
        parse_when("tomorrow at 9 sharp", now=NOW, zone=NY)


def test_every_other_anchors_on_its_first_occurrence_even_on_that_weekday() -> None:
    wednesday_morning = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 08:00 EDT, before 9:00
    parsed = parse("me to stretch every other Wednesday", now=wednesday_morning)
    assert parsed.schedule is not None
    assert parsed.schedule.occurrences(wednesday_morning, 2) == [
        instant("2026-06-10T09:00-04:00"),
        instant("2026-06-24T09:00-04:00"),
    ]
