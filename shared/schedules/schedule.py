"""Wall-clock schedules: an RRULE (or one local time) plus an IANA zone, never a UTC offset.

Every next occurrence is computed in local time and converted to UTC at that moment, so
reminders follow the wall clock across DST changes:

* **Spring forward** (a nonexistent time such as 02:30 in New York): the occurrence shifts
  forward by the gap (03:30 EDT); Lord Howe's 30-minute gap shifts 02:15 to 02:45.
* **Fall back** (a repeated time such as 01:30): it fires once, at the first occurrence
  (``fold=0``), never twice.

Both follow PEP 495: a naive local time with ``fold=0`` converted to UTC does exactly this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.schedules import rules
from shared.schedules.describe import describe_rule, format_local

STORAGE_VERSION = 1
_PROBE_DAYS = (-2, -1, 0, 1, 2)


def zone_info(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``ValueError`` when it is unknown (offsets are not zones)."""
    if not name or name.startswith(("+", "-")) or ".." in name:
        raise ValueError(f"not an IANA time zone: {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone: {name!r}") from None


def to_utc(local: datetime, zone: ZoneInfo, fold: int = 0) -> datetime:
    """Naive wall-clock time → aware UTC, with the DST policy of this module."""
    return local.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """Aware instant → naive wall-clock time in ``zone`` (``fold`` marks a repeated hour)."""
    return instant.astimezone(zone).replace(tzinfo=None)


def require_aware(moment: datetime, name: str = "now") -> None:
    """Reject naive datetimes where an instant is meant."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _margin(instant: datetime, zone: ZoneInfo) -> timedelta:
    """How far wall time may jump near ``instant``: zero away from any transition."""
    offsets = [
        (instant + timedelta(days=d)).astimezone(zone).utcoffset() or timedelta(0)
        for d in _PROBE_DAYS
    ]
    return max(offsets) - min(offsets)


def earliest_after(
    occurrences: Iterable[datetime], zone: ZoneInfo, instant: datetime, horizon: datetime
) -> tuple[datetime, datetime] | None:
    """``(local, utc)`` of the earliest occurrence strictly after ``instant``.

    ``occurrences`` is in local order and starts at least one DST margin before ``instant``.
    Gap times shift forward, so local order and UTC order can differ near a transition:
    the scan takes the minimum up to ``horizon`` (local time plus that margin).
    """
    best: tuple[datetime, datetime] | None = None
    for local in occurrences:
        utc = to_utc(local, zone)
        if utc > instant and (best is None or utc < best[1]):
            best = (local, utc)
        if local > horizon and best is not None:
            break
    return best


@dataclass(frozen=True)
class Schedule:
    """When a reminder fires: a one-off local time or an RRULE from ``start``, in ``zone``.

    ``start`` is naive local wall-clock time: the one-off moment, or the rule's DTSTART (its
    first occurrence, which also anchors "every other" rules). ``fold`` only matters for a
    one-off set as elapsed time that lands in a repeated hour.
    """

    zone: str
    start: datetime
    rule: str | None = None
    fold: int = 0

    def __post_init__(self) -> None:
        zone_info(self.zone)
        if self.start.tzinfo is not None:
            raise ValueError("start is naive local wall-clock time")
        if self.start.microsecond:
            # Occurrences are whole seconds (they name deliveries to the second), so a
            # one-off set as "now + 10 minutes" fires on the second it falls in.
            object.__setattr__(self, "start", self.start.replace(microsecond=0))
        if self.fold not in (0, 1) or (self.rule is not None and self.fold):
            raise ValueError("fold is 0 or 1, and always 0 for rules")
        if self.rule is not None:
            parts = rules.parse_rule(self.rule)
            if not rules.is_explicit(parts) or rules.format_rule(parts) != self.rule:
                raise ValueError(f"rule is not in explicit canonical form: {self.rule}")

    @classmethod
    def once_at(cls, instant: datetime, zone: str) -> Schedule:
        """A one-off at an exact instant (elapsed-time phrases such as "in 20 minutes")."""
        require_aware(instant, "instant")
        local = instant.astimezone(zone_info(zone))
        return cls(zone=zone, start=local.replace(tzinfo=None, fold=0), fold=local.fold)

    @property
    def is_recurring(self) -> bool:
        """True for rule-based schedules."""
        return self.rule is not None

    @property
    def parts(self) -> dict[str, str]:
        """The rule's parts (empty for a one-off)."""
        return rules.parse_rule(self.rule) if self.rule else {}

    def next_after(self, instant: datetime) -> datetime | None:
        """The first firing strictly after ``instant``, as aware UTC; ``None`` when done."""
        require_aware(instant, "instant")
        zone = zone_info(self.zone)
        if self.rule is None:
            once = to_utc(self.start, zone, self.fold)
            return once if once > instant else None
        parts = rules.parse_rule(self.rule)
        margin = _margin(instant, zone)
        local = to_local(instant, zone)
        since = local - margin
        if "UNTIL" in parts and datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S") < since:
            return None
        dtstart = rules.rebase(parts, self.start, since)
        occurrences = (o for o in rules.compile_rule(self.rule, dtstart) if o >= since)
        found = earliest_after(occurrences, zone, instant, local + margin)
        return None if found is None else found[1]

    def occurrences(self, after: datetime, limit: int) -> list[datetime]:
        """Up to ``limit`` firings after ``after`` (UTC), each recomputed from the previous."""
        out: list[datetime] = []
        moment: datetime | None = after
        while len(out) < limit and moment is not None:
            moment = self.next_after(moment)
            if moment is not None:
                out.append(moment)
        return out

    def describe(self) -> str:
        """The recurrence in words: ``every weekday at 9:00 AM``; a one-off is ``once``."""
        if self.rule is None:
            return "once"
        parts = self.parts
        until = None
        if "UNTIL" in parts:
            until = datetime.strptime(parts.pop("UNTIL"), "%Y%m%dT%H%M%S")
        return describe_rule(parts, until)

    def local_text(self, instant: datetime) -> str:
        """An instant in this schedule's zone: ``Sat 21 Mar 2026, 16:30 CET``."""
        return format_local(instant, self.zone)

    def to_storage(self) -> dict[str, Any]:
        """A small JSON-able dict; ``from_storage`` reads it back."""
        return {
            "v": STORAGE_VERSION,
            "zone": self.zone,
            "start": self.start.isoformat(),
            "rule": self.rule,
            "fold": self.fold,
        }

    @classmethod
    def from_storage(cls, data: Mapping[str, Any]) -> Schedule:
        """Rebuild a schedule; ``ValueError`` for unknown versions or malformed data."""
        if data.get("v") != STORAGE_VERSION:
            raise ValueError(f"unsupported schedule version: {data.get('v')!r}")
        zone, start, rule, fold = (data.get(k) for k in ("zone", "start", "rule", "fold"))
        if not isinstance(zone, str) or not isinstance(start, str):
            raise ValueError("schedule needs zone and start strings")
        if rule is not None and not isinstance(rule, str):
            raise ValueError("schedule rule must be a string or null")
        if fold not in (0, 1, None):
            raise ValueError("schedule fold must be 0 or 1")
        try:
            return cls(zone, datetime.fromisoformat(start), rule, int(fold or 0))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"malformed schedule: {exc}") from None


def first_of_rule(
    parts: Mapping[str, str], zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime] | None:
    """``(local, utc)`` of a rule's first firing after ``now``, searching at most 5 years.

    INTERVAL and COUNT are left out of the search: an "every other" rule starts at its first
    matching day, which then anchors the rule (DTSTART).
    """
    search = {k: v for k, v in parts.items() if k not in ("INTERVAL", "COUNT")}
    margin = _margin(now, zone)
    local = to_local(now, zone)
    since = (local - margin).replace(second=0, microsecond=0)
    occurrences = rules.probe(search, since, rules.MAX_AHEAD_YEARS)
    return earliest_after(occurrences, zone, now, local + margin)


class Snooze(StrEnum):
    """The snooze buttons of a delivered reminder."""

    MINUTES_20 = "20m"
    HOUR_1 = "1h"
    HOURS_3 = "3h"
    TOMORROW = "tomorrow"
    NEXT_MONDAY = "next-monday"


SNOOZE_LABELS = {
    Snooze.MINUTES_20: "20 minutes",
    Snooze.HOUR_1: "1 hour",
    Snooze.HOURS_3: "3 hours",
    Snooze.TOMORROW: "Tomorrow 9:00",
    Snooze.NEXT_MONDAY: "Next Monday 9:00",
}
_SNOOZE_ELAPSED = {
    Snooze.MINUTES_20: timedelta(minutes=20),
    Snooze.HOUR_1: timedelta(hours=1),
    Snooze.HOURS_3: timedelta(hours=3),
}


def snooze_for(delta: timedelta, *, now: datetime, zone: str | None) -> Schedule:
    """Elapsed-time snooze ("in 20 minutes"): needs no zone (UTC stands in when unknown)."""
    require_aware(now)
    if delta <= timedelta(0):
        raise ValueError("snooze must be positive")
    return Schedule.once_at(now + delta, zone or "UTC")


def snooze_to_day(
    *, now: datetime, zone: str, weekday: int | None = None, at: time = rules.DEFAULT_TIME
) -> Schedule:
    """Wall-clock snooze in the user's zone: tomorrow (``weekday=None``) or the next given
    weekday after today (0 = Monday), at ``at`` local time."""
    require_aware(now)
    today = to_local(now, zone_info(zone)).date()
    day = today + timedelta(days=1)
    if weekday is not None:
        day = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return Schedule(zone=zone, start=datetime.combine(day, at))


def snooze(choice: Snooze, *, now: datetime, zone: str | None) -> Schedule:
    """A snooze button's one-off. Wall-clock choices need the zone (``ValueError`` if None)."""
    if choice in _SNOOZE_ELAPSED:
        return snooze_for(_SNOOZE_ELAPSED[choice], now=now, zone=zone)
    if zone is None:
        raise ValueError(f"snooze {choice.value!r} is wall-clock time and needs the user's zone")
    weekday = 0 if choice is Snooze.NEXT_MONDAY else None
    return snooze_to_day(now=now, zone=zone, weekday=weekday)
