"""Recurring phrases ("every weekday at 9am", "cron 0 9 * * 1-5", "rrule FREQ=…") as RRULEs.

Policies (see docs/decisions/0008-reminder-grammar.md):

* Day-level rules without a time fire at 9:00.
* "every other …" and "every N …" start at the first matching time after now, which then
  anchors the rule (its DTSTART): "every other Wednesday" on a Wednesday afternoon starts
  next Wednesday.
* "every month on the 31st" follows RFC 5545: months without that day are skipped (the
  confirmation says so); use "every month on the last day" for month ends.
* "every N minutes/hours" starts N minutes/hours after now (whole minutes); nothing repeats
  more often than once a minute.
* "… until Dec 31" includes that whole day (until 23:59:59 local).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from shared.schedules import lexicon as lx
from shared.schedules import rules
from shared.schedules.cron import TRY_CRON, cron_parts
from shared.schedules.errors import GrammarError
from shared.schedules.schedule import Schedule, first_of_rule, to_local, zone_info
from shared.schedules.when import (
    END_OF_DAY,
    OnDate,
    OneOff,
    date_part,
    one_off,
    time_part,
)

Words = Sequence[str]
TRY_EVERY = "every day at 9am"
_TRY_UNTIL = "every day at 9am until Dec 31"
_DAY_UNITS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_SUB_DAILY = {"minute": "MINUTELY", "hour": "HOURLY"}
_WEEKDAYS = "MO,TU,WE,TH,FR"
_OF_MONTH = (("of", "the", "month"), ("of", "every", "month"), ("of", "each", "month"))
Body = tuple[dict[str, str], bool, int]  # parts, is the rule day-level, next index


@dataclass(frozen=True)
class Repeat:
    """A recurring when: RRULE parts to complete at resolution, plus an optional end.

    ``at`` is the time of day for day-level rules (``None``: 9:00 or the rule's own BYHOUR);
    ``delay`` marks "every N minutes/hours", which starts that long after now.
    """

    parts: tuple[tuple[str, str], ...]
    at: time | None = None
    until: OneOff | None = None
    delay: timedelta | None = None
    try_when: str = TRY_EVERY

    @property
    def needs_zone(self) -> bool:
        """Recurring rules follow the wall clock of the user's zone."""
        return True

    def resolve(self, now: datetime, zone: str | None) -> Schedule:
        """The schedule, anchored on its first firing after ``now``."""
        if zone is None:
            raise ValueError("a recurring rule needs the user's zone")
        tz = zone_info(zone)
        local_now = to_local(now, tz)
        parts = dict(self.parts)
        start = None
        if self.delay is not None:
            start = local_now.replace(second=0, microsecond=0) + self.delay
            if parts["FREQ"] == "HOURLY":
                parts["BYMINUTE"] = str(start.minute)
        parts = rules.normalize(parts, local_now.date(), self.at)
        if "UNTIL" in parts:
            parts["UNTIL"] = rules.format_until(rules.until_local(parts["UNTIL"], tz))
        if self.until is not None:
            try:
                end = self.until.local_time(now, zone, default=END_OF_DAY)
            except GrammarError:
                raise GrammarError(
                    "That repeat would end before it starts.", try_when=_TRY_UNTIL
                ) from None
            parts["UNTIL"] = rules.format_until(end)
        if start is None:
            found = first_of_rule(parts, tz, now)
            start = found[0] if found else None
        until = parts.get("UNTIL")
        if start is None or (until and start > datetime.strptime(until, "%Y%m%dT%H%M%S")):
            if until:
                raise GrammarError("That repeat would end before it starts.", try_when=_TRY_UNTIL)
            raise GrammarError(
                f"That rule never fires in the next {rules.MAX_AHEAD_YEARS} years.",
                try_when=self.try_when,
            )
        return Schedule(zone=zone, start=start, rule=rules.format_rule(parts))


def _interval(n: int) -> dict[str, str]:
    if not 1 <= n <= rules.MAX_INTERVAL:
        raise GrammarError(f"Repeat every 1 to {rules.MAX_INTERVAL}, not {n}.", try_when=TRY_EVERY)
    return {"INTERVAL": str(n)} if n > 1 else {}


def weekday_list(words: Words, i: int) -> tuple[list[str], int] | None:
    """``Monday``, ``Mon Wed Fri``, ``Monday, Wednesday and Friday``, ``mon,thu`` as codes."""
    codes: list[str] = []
    j = i
    while True:
        found = [lx.weekday(piece) for piece in lx.at(words, j).split(",") if piece]
        if not found or any(f is None for f in found):
            break
        codes += [lx.WEEKDAY_CODES[f[0]] for f in found if f is not None]
        j += 1
        if lx.at(words, j) in ("and", "&") and lx.weekday(lx.at(words, j + 1)):
            j += 1
    if not codes:
        return None
    return sorted(set(codes), key=lx.WEEKDAY_CODES.index), j


def _nth_weekday(words: Words, i: int) -> tuple[str, int] | None:
    """``last Friday``, ``first Monday``, ``2nd Tuesday`` as ``-1FR``, ``1MO``, ``2TU``."""
    found = (-1, i + 1) if lx.at(words, i) == "last" else lx.ordinal(words, i)
    if not found:
        return None
    n, j = found
    day = lx.weekday(lx.at(words, j))
    if day is None:
        return None
    if not 1 <= abs(n) <= 5:
        raise GrammarError(
            f"No month has a {lx.ordinal_suffix(n)} {lx.WEEKDAY_NAMES[day[0]]}.",
            try_when="every last Friday",
        )
    j += 1
    for tail in _OF_MONTH:
        if tuple(words[j : j + 3]) == tail:
            j += 3
    return f"{n}{lx.WEEKDAY_CODES[day[0]]}", j


def _month_days(words: Words, i: int) -> tuple[dict[str, str], int] | None:
    """``the 1st``, ``the 1st and 15th``, ``the last day``, ``the last Friday``."""
    j = i + (lx.at(words, i) == "the")
    if lx.at(words, j) == "last" and lx.at(words, j + 1) == "day":
        return {"BYMONTHDAY": "-1"}, j + 2
    nth = _nth_weekday(words, j)
    if nth:
        return {"BYDAY": nth[0]}, nth[1]
    days: list[int] = []
    while found := lx.ordinal(words, j):
        if not 1 <= found[0] <= 31:
            raise GrammarError(
                f"No month has a {lx.ordinal_suffix(found[0])} day.",
                try_when="every month on the 1st",
            )
        days.append(found[0])
        j = found[1]
        k = j + 1 + (lx.at(words, j + 1) == "the")
        if lx.at(words, j) not in ("and", "&") or not lx.ordinal(words, k):
            break
        j = k
    if not days:
        return None
    return {"BYMONTHDAY": ",".join(map(str, sorted(set(days))))}, j


def _yearly_date(words: Words, i: int) -> tuple[dict[str, str], int] | None:
    """``March 3``, ``25 January``, ``the 4th of July`` (no year)."""
    found = date_part(words, i)
    if not found:
        return None
    spec, j = found
    if not isinstance(spec, OnDate):
        return None
    if spec.year is not None:
        raise GrammarError("A yearly reminder needs no year.", try_when="every year on March 3")
    return {"BYMONTH": str(spec.month), "BYMONTHDAY": str(spec.day)}, j


def _on(words: Words, i: int, freq: str) -> tuple[dict[str, str], int]:
    """The optional ``on …`` after "every week/month/year"."""
    if lx.at(words, i) != "on":
        return {}, i
    if freq == "WEEKLY" and (days := weekday_list(words, i + 1)):
        return {"BYDAY": ",".join(days[0])}, days[1]
    if freq == "MONTHLY" and (spec := _month_days(words, i + 1)):
        return spec
    if freq == "YEARLY" and (spec := _yearly_date(words, i + 1)):
        return spec
    return {}, i


def _unit(word: str) -> str:
    return word[:-1] if word.endswith("s") else word


def _every(words: Words, i: int) -> Body | None:
    """What follows "every": a unit with optional count, weekdays, an nth weekday, a date."""
    interval, j = 1, i
    if lx.at(words, i) == "other":
        interval, j = 2, i + 1
    elif (n := lx.count(words, i)) and (
        _unit(lx.at(words, n[1])) in (*_DAY_UNITS, *_SUB_DAILY, "second")
    ):
        interval, j = n
    unit = _unit(lx.at(words, j))
    if unit == "second":
        raise GrammarError(
            "Reminders can't repeat more often than once a minute.", try_when="every 5 minutes"
        )
    if unit in _SUB_DAILY:
        return {"FREQ": _SUB_DAILY[unit], **_interval(interval)}, False, j + 1
    if unit in _DAY_UNITS:
        freq = _DAY_UNITS[unit]
        extra, k = _on(words, j + 1, freq)
        return {"FREQ": freq, **_interval(interval), **extra}, True, k
    if unit in ("weekday", "weekend") and interval == 1:
        k = j + 1 + (lx.at(words, j + 1) in ("day", "days"))
        return {"FREQ": "WEEKLY", "BYDAY": _WEEKDAYS if unit == "weekday" else "SA,SU"}, True, k
    days = weekday_list(words, j)
    if days:
        return {"FREQ": "WEEKLY", **_interval(interval), "BYDAY": ",".join(days[0])}, True, days[1]
    if interval > 1:
        return None
    nth = _nth_weekday(words, j)
    if nth:
        return {"FREQ": "MONTHLY", "BYDAY": nth[0]}, True, nth[1]
    yearly = _yearly_date(words, j)
    if yearly:
        return {"FREQ": "YEARLY", **yearly[0]}, True, yearly[1]
    return None


def _body(words: Words, i: int) -> Body | None:
    word = lx.at(words, i)
    if word in ("every", "each"):
        return _every(words, i + 1)
    if word == "daily":
        return {"FREQ": "DAILY"}, True, i + 1
    if word == "hourly":
        return {"FREQ": "HOURLY"}, False, i + 1
    adverbs = {"weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY", "annually": "YEARLY"}
    if word in adverbs:
        extra, j = _on(words, i + 1, adverbs[word])
        return {"FREQ": adverbs[word], **extra}, True, j
    if word == "on":
        following = lx.at(words, i + 1)
        if following in ("weekdays", "weekends"):
            byday = _WEEKDAYS if following == "weekdays" else "SA,SU"
            return {"FREQ": "WEEKLY", "BYDAY": byday}, True, i + 2
        first = lx.weekday(following)
        if first and first[1] and (days := weekday_list(words, i + 1)):
            return {"FREQ": "WEEKLY", "BYDAY": ",".join(days[0])}, True, days[1]
    return None


def repeat(words: Words, i: int) -> tuple[Repeat, int] | None:
    """A recurring phrase with optional time ("at 9am every day" works too) and ``until``."""
    lead = time_part(words, i)
    body = _body(words, lead[1] if lead else i)
    if body is None:
        return None
    parts, day_level, j = body
    at = lead[0] if lead else None
    if not day_level and lead:
        return None
    if day_level and at is None and (found := time_part(words, j)):
        at, j = found
    until = None
    if lx.at(words, j) == "until":
        end = one_off(words, j + 1)
        if end is None:
            raise GrammarError("Until when?", try_when=_TRY_UNTIL)
        until, j = end
    delay = None
    if not day_level:
        unit = 60 if parts["FREQ"] == "MINUTELY" else 3600
        delay = timedelta(seconds=unit * int(parts.get("INTERVAL", "1")))
    rules.check(parts)
    return Repeat(tuple(parts.items()), at, until, delay), j


def power_rule(words: Words, i: int) -> tuple[Repeat, int] | None:
    """``cron <5 fields>`` / ``cron @daily`` or ``rrule FREQ=…``, with an optional ``until``."""
    word = lx.at(words, i)
    if word == "cron":
        width = 1 if lx.at(words, i + 1).startswith("@") else 5
        fields = list(words[i + 1 : i + 1 + width])
        repeat_ = Repeat(tuple(cron_parts(fields).items()), try_when=TRY_CRON)
        j = i + 1 + width
    elif word == "rrule" or word.startswith("rrule:"):
        text = word[6:] if word.startswith("rrule:") else lx.at(words, i + 1)
        parts = rules.parse_rule(text)
        repeat_ = Repeat(tuple(parts.items()), try_when=rules.TRY_RRULE)
        j = i + (1 if word.startswith("rrule:") else 2)
    else:
        return None
    if lx.at(words, j) == "until":
        end = one_off(words, j + 1)
        if end is None or "UNTIL" in dict(repeat_.parts) or "COUNT" in dict(repeat_.parts):
            raise GrammarError("Until when?", try_when=f"{TRY_CRON} until Dec 31")
        repeat_, j = Repeat(repeat_.parts, until=end[0], try_when=repeat_.try_when), end[1]
    return repeat_, j
