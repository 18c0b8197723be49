"""Shared clock, zones and helpers for the reminder grammar and schedule tests.

Nothing here reads the real clock: every test passes ``now`` explicitly.
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.schedules.grammar import ParsedReminder, parse_reminder
from shared.schedules.schedule import Schedule

# Wednesday 10 June 2026: 11:00 EDT in New York, 17:00 CEST in Berlin, 20:30 IST in Kolkata,
# and already Thursday 01:30 (+10:30) on Lord Howe Island.
NOW = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
NY = "America/New_York"
BERLIN = "Europe/Berlin"
LORD_HOWE = "Australia/Lord_Howe"
KOLKATA = "Asia/Kolkata"
END = "END"
"""Marks an expected-firings list as complete: the schedule fires no more after it."""


def instant(text: str) -> datetime:
    """An ISO time with an explicit offset (``2026-06-11T09:00-04:00``) as aware UTC."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text} needs an explicit offset"
    return moment.astimezone(UTC)


def fires(schedule: Schedule, after: datetime, limit: int) -> list[datetime]:
    """Up to ``limit`` firings after ``after``, each computed from the previous firing."""
    return schedule.occurrences(after, limit)


def parse(text: str, zone: str | None = NY, now: datetime = NOW) -> ParsedReminder:
    """``parse_reminder`` at the shared ``NOW`` in New York unless told otherwise."""
    return parse_reminder(text, now=now, zone=zone)


def scheduled(text: str, zone: str = NY, now: datetime = NOW) -> Schedule:
    """The schedule of a phrase that must parse completely."""
    parsed = parse(text, zone, now)
    assert parsed.schedule is not None
    return parsed.schedule
