"""One-off time phrases: "in 10 minutes", "at 3pm", "tomorrow at 9", "on Dec 24 at 18:00".

Parsers take a word list and a start index and return ``(value, next index)`` or ``None``
when the words are not that kind of phrase. Words that *are* a time phrase but an impossible
one ("at 25:00", "on Feb 30") raise ``GrammarError``.

Policies (see docs/decisions/0008-reminder-grammar.md):

* A day without a time means 9:00. A time without a day means its next occurrence
  ("at 3pm" at 16:00 is tomorrow 3pm); an explicit day in the past is rejected.
* A bare hour after "at" is 24-hour ("at 7" is 07:00, "at 19" is 19:00), except 1 to 6 written
  without a leading zero, which are rejected as ambiguous ("at 5": AM or PM?).
* "on Monday" is the next Monday whose time is still ahead (it may be today); "next Monday"
  is the first Monday after today. "midnight" is 00:00 at the start of the given day.
* Slash dates are accepted only when one reading is possible (7/13, 24/12); "3/4" is rejected.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from shared.schedules import lexicon as lx
from shared.schedules.errors import GrammarError
from shared.schedules.rules import DEFAULT_TIME, MAX_AHEAD_YEARS
from shared.schedules.schedule import Schedule, require_aware, to_local, to_utc, zone_info

Words = Sequence[str]
END_OF_DAY = time(23, 59, 59)
MAX_AHEAD = timedelta(days=365 * MAX_AHEAD_YEARS + 1)
TRY_RELATIVE = "in 10 minutes"
_LAST_ZONE = timezone(timedelta(hours=-12))  # where any local time happens last

_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?(am|pm|a|p)?")
_HHMM = re.compile(r"([01]\d|2[0-3])([0-5]\d)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?")
_YEAR = re.compile(r"(19|2\d)\d\d")
_DAY_NUMBER = re.compile(r"\d{1,2}")


def clock_words(t: time) -> str:
    """How a user would type ``t``: ``9am``, ``3:30pm``."""
    hour = t.hour % 12 or 12
    minutes = f":{t.minute:02d}" if t.minute else ""
    return f"{hour}{minutes}{'am' if t.hour < 12 else 'pm'}"


def _clock(words: Words, i: int, *, after_at: bool) -> tuple[time, int] | None:
    """``3pm``, ``3 pm``, ``15:30``, ``noon``, ``midnight``; bare ``9``/``0900`` only after at."""
    word = lx.at(words, i)
    if word in ("noon", "midday"):
        return time(12), i + 1
    if word == "midnight":
        return time(0), i + 1
    hhmm = _HHMM.fullmatch(word)
    if hhmm and after_at:
        return time(int(hhmm[1]), int(hhmm[2])), i + 1
    match = _CLOCK.fullmatch(word)
    if not match:
        return None
    hour, minute, suffix, j = int(match[1]), int(match[2] or 0), match[3], i + 1
    if suffix is None and lx.at(words, j) in ("am", "pm"):
        suffix, j = lx.at(words, j), j + 1
    if suffix is None and match[2] is None and not after_at:
        return None
    if suffix:
        if not 1 <= hour <= 12 or minute > 59:
            raise GrammarError(f"“{word}” is not a time on a 12-hour clock.", try_when="at 3pm")
        return time(hour % 12 + (12 if suffix.startswith("p") else 0), minute), j
    if hour > 23 or minute > 59:
        raise GrammarError(f"There is no {word} on a clock.", try_when="at 23:00")
    if 1 <= hour <= 6 and not match[1].startswith("0"):
        minutes = f":{match[2]}" if match[2] else ""
        raise GrammarError(
            f"“at {word}” could mean {hour}{minutes} AM or PM; write {hour}{minutes}am, "
            f"{hour}{minutes}pm or 0{hour}:{match[2] or '00'}.",
            try_when=f"at {hour}{minutes}pm",
        )
    return time(hour, minute), j


def time_part(words: Words, i: int) -> tuple[time, int] | None:
    """``at 3pm``, ``at 9``, ``at noon``, ``3pm``, ``15:30``, ``noon``."""
    if lx.at(words, i) == "at":
        return _clock(words, i + 1, after_at=True)
    return _clock(words, i, after_at=False)


@dataclass(frozen=True)
class DayOffset:
    """``today`` (0), ``tomorrow`` (1), ``the day after tomorrow`` (2)."""

    days: int


@dataclass(frozen=True)
class OnWeekday:
    """``on Monday`` (may be today), or ``next Monday`` with ``strict`` (after today)."""

    weekday: int
    strict: bool = False


@dataclass(frozen=True)
class OnDate:
    """``Dec 24``, ``24 December 2026``, ``2026-12-25``; without a year, the next one ahead."""

    month: int
    day: int
    year: int | None = None


@dataclass(frozen=True)
class OnMonthDay:
    """``on the 7th``: the next month that has that day."""

    day: int


DateSpec = DayOffset | OnWeekday | OnDate | OnMonthDay


def check_day(month: int, day: int, year: int | None = None) -> None:
    """Raise ``GrammarError`` for dates no calendar has ("Feb 30", "Feb 29 2027")."""
    longest = calendar.monthrange(year, month)[1] if year else lx.MAX_MONTH_DAYS[month - 1]
    if not 1 <= day <= longest:
        name = lx.MONTH_NAMES[month - 1]
        where = f"{name} {year}" if year and day <= lx.MAX_MONTH_DAYS[month - 1] else name
        raise GrammarError(
            f"{where} has no {lx.ordinal_suffix(day)}.",
            try_when=f"on {name[:3]} {min(28 if month == 2 else longest, max(day, 1))}",
        )


def _day_number(words: Words, i: int) -> tuple[int, int] | None:
    found = lx.ordinal(words, i)
    if found:
        return found
    return (int(words[i]), i + 1) if _DAY_NUMBER.fullmatch(lx.at(words, i)) else None


def _year(words: Words, i: int) -> tuple[int | None, int]:
    word = lx.at(words, i)
    return (int(word), i + 1) if _YEAR.fullmatch(word) else (None, i)


def _calendar_date(words: Words, i: int) -> tuple[OnDate, int] | None:
    """``Dec 24 [2026]``, ``24 Dec``, ``24th of December``, ``2026-12-25``, ``7/13``."""
    word = lx.at(words, i)
    iso = _ISO_DATE.fullmatch(word)
    if iso:
        y, m, d = (int(g) for g in iso.groups())
        if not 1 <= m <= 12:
            raise GrammarError(f"{word} has no month {m}.", try_when="2026-12-25 18:00")
        check_day(m, d, y)
        return OnDate(m, d, y), i + 1
    slash = _SLASH_DATE.fullmatch(word)
    if slash:
        return _slash_date(slash), i + 1
    month = lx.month(word)
    if month and (found := _day_number(words, i + 1)):
        day, j = found
        year, j = _year(words, j)
        check_day(month, day, year)
        return OnDate(month, day, year), j
    found = _day_number(words, i)
    if found:
        day, j = found
        j += lx.at(words, j) == "of"
        month = lx.month(lx.at(words, j))
        if month:
            year, j = _year(words, j + 1)
            check_day(month, day, year)
            return OnDate(month, day, year), j
    return None


def _slash_date(match: re.Match[str]) -> OnDate:
    a, b = int(match[1]), int(match[2])
    year = None if match[3] is None else int(match[3]) + (2000 if len(match[3]) == 2 else 0)

    def fits(month: int, day: int) -> bool:
        return 1 <= month <= 12 and 1 <= day <= lx.MAX_MONTH_DAYS[month - 1]

    readings = {(m, d) for m, d in ((a, b), (b, a)) if fits(m, d)}
    if len(readings) != 1:
        why = "could be two different dates" if readings else "is not a date"
        raise GrammarError(f"“{match[0]}” {why}.", try_when="on Mar 4")
    month, day = readings.pop()
    check_day(month, day, year)
    return OnDate(month, day, year)


def date_part(words: Words, i: int) -> tuple[DateSpec, int] | None:
    """``today``, ``tomorrow``, ``on Monday``, ``next Monday``, ``next week``, ``on Dec 24``,
    ``on the 7th``, ``2026-12-25``."""
    word = lx.at(words, i)
    if word in ("today", "tomorrow"):
        return DayOffset(0 if word == "today" else 1), i + 1
    j = i + (word == "the")
    if lx.at(words, j) == "day" and words[j + 1 : j + 3] == ["after", "tomorrow"]:
        return DayOffset(2), j + 3
    if word in ("next", "this"):
        name = lx.weekday(lx.at(words, i + 1))
        if name and not name[1]:
            return OnWeekday(name[0], strict=word == "next"), i + 2
        if word == "next" and lx.at(words, i + 1) == "week":
            return OnWeekday(0, strict=True), i + 2
        return None
    on = word == "on"
    j = i + on
    name = lx.weekday(lx.at(words, j))
    if name and not name[1]:
        return OnWeekday(name[0]), j + 1
    found = _calendar_date(words, j + (lx.at(words, j) == "the"))
    if found:
        return found
    if on or lx.at(words, j) == "the":
        j += lx.at(words, j) == "the"
        nth = lx.ordinal(words, j)
        if nth and lx.at(words, nth[1]) != "of" and lx.weekday(lx.at(words, nth[1])) is None:
            if not 1 <= nth[0] <= 31:
                raise GrammarError(
                    f"No month has a {lx.ordinal_suffix(nth[0])} day.", try_when="on the 1st"
                )
            return OnMonthDay(nth[0]), nth[1]
    return None


def _past(local: datetime, at: time) -> GrammarError:
    return GrammarError(
        f"{lx.MONTH_NAMES[local.month - 1][:3]} {local.day}, {local.year} at "
        f"{clock_words(local.time())} has already passed.",
        try_when=f"tomorrow at {clock_words(at)}",
    )


def _days(spec: DateSpec, today: date) -> Iterator[date]:
    """Candidate dates for ``spec``, earliest first."""
    match spec:
        case DayOffset(days):
            yield today + timedelta(days=days)
        case OnWeekday(weekday, strict):
            ahead = (weekday - today.weekday()) % 7
            if strict:
                yield today + timedelta(days=ahead or 7)
            else:
                yield from (today + timedelta(days=ahead), today + timedelta(days=ahead + 7))
        case OnDate(month, day, year):
            for y in [year] if year else range(today.year, today.year + 9):
                if day <= calendar.monthrange(y, month)[1]:
                    yield date(y, month, day)
        case OnMonthDay(day):
            for k in range(24):
                y, m = divmod(today.month - 1 + k, 12)
                if day <= calendar.monthrange(today.year + y, m + 1)[1]:
                    yield date(today.year + y, m + 1, day)


@dataclass(frozen=True)
class Relative:
    """Elapsed time from now ("in 10 minutes"): needs no time zone."""

    delta: timedelta

    @property
    def needs_zone(self) -> bool:
        """Elapsed time is the same in every zone."""
        return False

    def resolve(self, now: datetime, zone: str | None) -> Schedule:
        """A one-off at ``now + delta``, shown in ``zone`` (UTC when unknown)."""
        require_aware(now)
        return Schedule.once_at(now + self.delta, zone or "UTC")


@dataclass(frozen=True)
class OneOff:
    """A wall-clock moment: a day, a time of day, or both."""

    day: DateSpec | None
    at: time | None

    @property
    def needs_zone(self) -> bool:
        """Wall-clock time means nothing without the user's zone."""
        return True

    def local_time(self, now: datetime, zone: str, *, default: time = DEFAULT_TIME) -> datetime:
        """The first matching local time after ``now``; an explicit past day raises."""
        require_aware(now)
        tz = zone_info(zone)
        today = to_local(now, tz).date()
        at = self.at or default
        if self.day is None:
            days: Iterator[date] = (today + timedelta(days=k) for k in range(3))
        else:
            days = _days(self.day, today)
        candidate = None
        for day in days:
            candidate = datetime.combine(day, at)
            if to_utc(candidate, tz) > now:
                return candidate
        raise _past(candidate or datetime.combine(today, at), at)

    def resolve(self, now: datetime, zone: str | None) -> Schedule:
        """A one-off schedule; raises ``GrammarError`` for past or too-distant times."""
        if zone is None:
            raise ValueError("wall-clock time needs the user's zone")
        local = self.local_time(now, zone)
        if to_utc(local, zone_info(zone)) - now > MAX_AHEAD:
            raise GrammarError(
                f"That is more than {MAX_AHEAD_YEARS} years away.", try_when="on Dec 24"
            )
        return Schedule(zone=zone, start=local)

    def check_without_zone(self, now: datetime) -> None:
        """Reject an explicit date that has passed in every zone (the last is UTC-12)."""
        if isinstance(self.day, OnDate) and self.day.year is not None:
            at = self.at or DEFAULT_TIME
            local = datetime(self.day.year, self.day.month, self.day.day, at.hour, at.minute)
            if local.replace(tzinfo=_LAST_ZONE) <= now:
                raise _past(local, at)


def one_off(words: Words, i: int) -> tuple[OneOff, int] | None:
    """A day and/or a time, in either order: ``tomorrow at 9``, ``at 3pm on Friday``."""
    found_day = date_part(words, i)
    if found_day:
        day, j = found_day
        found_time = time_part(words, j)
        return (OneOff(day, found_time[0]), found_time[1]) if found_time else (OneOff(day, None), j)
    found_time = time_part(words, i)
    if not found_time:
        return None
    at, j = found_time
    found_day = date_part(words, j)
    return (OneOff(found_day[0], at), found_day[1]) if found_day else (OneOff(None, at), j)


def relative(words: Words, i: int) -> tuple[Relative, int] | None:
    """``in 10 minutes``, ``in three hours``, ``in 1h30m``, ``in an hour and 15 minutes``."""
    if lx.at(words, i) != "in":
        return None
    found = lx.duration(words, i + 1, try_when=TRY_RELATIVE)
    if not found:
        return None
    delta, j = found
    if delta <= timedelta(0):
        raise GrammarError("That is now, not later.", try_when=TRY_RELATIVE)
    if delta > MAX_AHEAD:
        raise GrammarError(
            f"That is more than {MAX_AHEAD_YEARS} years away.", try_when=TRY_RELATIVE
        )
    return Relative(delta), j
