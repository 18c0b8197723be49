"""Plain English for schedules: ``every weekday at 9:00 AM``, ``Sat 21 Mar 2026, 16:30 CET``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from shared.schedules.lexicon import (
    MONTH_NAMES,
    WEEKDAY_CODES,
    WEEKDAY_NAMES,
    ordinal_suffix,
)

_MAX_TIMES = 6
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_ORDINAL_WORDS |= {-2: "second-to-last"}
_UNITS = {"MINUTELY": "minute", "HOURLY": "hour", "DAILY": "day", "WEEKLY": "week"}
_UNITS |= {"MONTHLY": "month", "YEARLY": "year"}


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def format_clock(t: time) -> str:
    """``9:00 AM``, ``12:00 PM`` (noon), ``12:00 AM`` (midnight)."""
    hour = t.hour % 12 or 12
    return f"{hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def format_day(moment: datetime) -> str:
    """``Dec 31, 2026``."""
    return f"{MONTH_NAMES[moment.month - 1][:3]} {moment.day}, {moment.year}"


def format_local(instant: datetime, zone: str) -> str:
    """An aware instant as the user reads it: ``Sat 21 Mar 2026, 16:30 CET``."""
    local = instant.astimezone(ZoneInfo(zone))
    return (
        f"{WEEKDAY_NAMES[local.weekday()][:3]} {local.day} {MONTH_NAMES[local.month - 1][:3]} "
        f"{local.year}, {local:%H:%M} {local.tzname() or zone}"
    )


def _ints(parts: Mapping[str, str], key: str) -> list[int]:
    return [int(v) for v in parts[key].split(",")] if key in parts else []


def _every(freq: str, interval: int) -> str:
    unit = _UNITS[freq]
    if interval == 1:
        return f"every {unit}"
    if interval == 2 and freq not in ("HOURLY", "MINUTELY"):
        return f"every other {unit}"
    return f"every {interval} {unit}s"


def _weekday_names(days: list[str], *, plural: bool = False) -> str:
    """``weekday``, ``weekend day``, ``Monday and Thursday`` (``Mondays and Thursdays``)."""
    plain = sorted({d[-2:] for d in days}, key=WEEKDAY_CODES.index)
    s = "s" if plural else ""
    if plain == list(WEEKDAY_CODES):
        return f"day{s}"
    if plain == list(_WEEKDAYS):
        return f"weekday{s}"
    if plain == ["SA", "SU"]:
        return f"weekend day{s}"
    return join_words([WEEKDAY_NAMES[WEEKDAY_CODES.index(d)] + s for d in plain])


def _weekday_phrase(days: list[str], interval: int) -> str:
    """``every weekday``, ``every Monday and Thursday``, ``every other Wednesday``."""
    names = _weekday_names(days)
    if interval == 1:
        return f"every {names}"
    if interval == 2:
        return f"every other {names}"
    return f"every {interval} weeks on {names}"


def _nth_weekday(item: str) -> str:
    code, n = item[-2:], int(item[:-2] or "0")
    name = WEEKDAY_NAMES[WEEKDAY_CODES.index(code)]
    return f"the {_ORDINAL_WORDS.get(n, ordinal_suffix(abs(n)))} {name}"


def _month_days(days: list[int]) -> str:
    words = ["last day" if d == -1 else f"{ordinal_suffix(-d)}-to-last day" for d in days if d < 0]
    return "the " + join_words([ordinal_suffix(d) for d in days if d > 0] + words)


def _skip_note(parts: Mapping[str, str]) -> str:
    """Say when RFC 5545 skips a period (31st in a 30-day month, Feb 29, 5th Monday)."""
    days = [d for d in _ints(parts, "BYMONTHDAY") if d > 28]
    if parts.get("FREQ") == "YEARLY" and _ints(parts, "BYMONTH") == [2] and days == [29]:
        return " (only in leap years)"
    if days and "BYMONTH" not in parts:
        return f" (months without a {ordinal_suffix(max(days))} are skipped)"
    fifths = [d for d in parts.get("BYDAY", "").split(",") if d[:-2] in ("5", "+5", "-5")]
    if fifths:
        return f" (months without {_nth_weekday(fifths[0])} are skipped)"
    return ""


def _month_list(parts: Mapping[str, str]) -> str:
    return join_words([MONTH_NAMES[m - 1] for m in _ints(parts, "BYMONTH")])


def _in_months(parts: Mapping[str, str]) -> str:
    return f" in {_month_list(parts)}" if "BYMONTH" in parts else ""


def _day_cadence(parts: Mapping[str, str]) -> str | None:
    """The day part of a day-level rule, or ``None`` when plain words would mislead."""
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    days, month_days, months = parts.get("BYDAY"), _ints(parts, "BYMONTHDAY"), parts.get("BYMONTH")
    ordinals = bool(days) and any(d[:-2] for d in (days or "").split(","))
    if "BYSETPOS" in parts or (days and month_days):
        return None
    if freq == "YEARLY" and months and month_days and len(_ints(parts, "BYMONTH")) == 1:
        month = MONTH_NAMES[_ints(parts, "BYMONTH")[0] - 1]
        on = join_words([f"{month} {d}" if d > 0 else _month_days([d]) for d in month_days])
        return f"{_every(freq, interval)} on {on}"
    if freq == "YEARLY" and ordinals and months:
        nth = join_words([_nth_weekday(d) for d in (days or "").split(",")])
        return f"{_every(freq, interval)} on {nth} of {_month_list(parts)}"
    if month_days and (freq == "MONTHLY" or interval == 1):
        every = _every("MONTHLY", interval if freq == "MONTHLY" else 1)
        return f"{every} on {_month_days(month_days)}{_in_months(parts)}"
    if ordinals and freq == "MONTHLY":
        nth = join_words([_nth_weekday(d) for d in (days or "").split(",")])
        return f"{_every(freq, interval)} on {nth}{_in_months(parts)}"
    if days and not ordinals and (freq == "WEEKLY" or interval == 1):
        return _weekday_phrase(days.split(","), interval) + _in_months(parts)
    if not days and not month_days and freq == "DAILY":
        return _every(freq, interval) + _in_months(parts)
    return None


def _times(parts: Mapping[str, str]) -> str:
    times = sorted(time(h, m) for h in _ints(parts, "BYHOUR") for m in _ints(parts, "BYMINUTE"))
    if len(times) > _MAX_TIMES:
        first, last = format_clock(times[0]), format_clock(times[-1])
        return f", {len(times)} times a day from {first} to {last}"
    return " at " + join_words([format_clock(t) for t in times])


def _sub_daily(parts: Mapping[str, str]) -> str | None:
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    if "BYSETPOS" in parts or "BYMONTHDAY" in parts:
        return None
    words = _every(freq, interval)
    minutes = _ints(parts, "BYMINUTE")
    if freq == "HOURLY" and interval == 1 and len(minutes) > 1:
        words = f"every hour at {join_words([f':{m:02d}' for m in minutes])}"
    elif freq == "HOURLY" and minutes != [0]:
        words += f" at :{minutes[0]:02d}"
    elif freq == "HOURLY":
        words += " on the hour"
    days = parts.get("BYDAY")
    if days and any(d[:-2] for d in days.split(",")):
        return None
    if days and _weekday_names(days.split(",")) != "day":
        words += " on " + _weekday_names(days.split(","), plural=True)
    hours = _ints(parts, "BYHOUR")
    if hours:
        words += f" from {format_clock(time(min(hours)))} to {format_clock(time(max(hours), 59))}"
        if max(hours) - min(hours) + 1 != len(hours):
            return None
    return words + _in_months(parts)


def describe_rule(parts: Mapping[str, str], until: datetime | None = None) -> str:
    """A recurrence in words, ``until`` (naive local) included; unusual rules stay in RRULE form."""
    if parts["FREQ"] in ("HOURLY", "MINUTELY"):
        words = _sub_daily(parts)
    else:
        cadence = _day_cadence(parts)
        words = None if cadence is None else cadence + _skip_note(parts) + _times(parts)
    if words is None:
        rule = ";".join(f"{k}={v}" for k, v in parts.items() if k != "UNTIL")
        words = f"on a custom schedule ({rule})"
    if until is not None:
        at = "" if until.time() >= time(23, 59) else f" at {format_clock(until.time())}"
        words += f" until {format_day(until)}{at}"
    if "COUNT" in parts:
        words += f", {parts['COUNT']} times"
    return words
