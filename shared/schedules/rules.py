"""RFC 5545 RRULE parts: validate, complete, format, and iterate them safely with dateutil.

A rule here is a ``dict`` of upper-case parts (``{"FREQ": "WEEKLY", "BYDAY": "MO"}``) over
*floating* local wall-clock times; the zone lives beside it in ``Schedule``. Stored rules are
*explicit*: every part that dateutil would otherwise copy from DTSTART is spelled out, so
DTSTART can be moved forward along the rule's grid (``rebase``) without changing any
occurrence, and lookups stay fast however old the rule is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from shared.schedules.errors import GrammarError
from shared.schedules.lexicon import WEEKDAY_CODES

DEFAULT_TIME = time(9, 0)
"""The time of day used when a phrase names a day but no time (Slack's choice too)."""
MAX_AHEAD_YEARS = 5
"""One-offs and a rule's first occurrence must fall within this many years."""
MAX_COUNT = 1000
MAX_INTERVAL = 1000
FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY")
ORDER = (
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYMONTH",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "WKST",
)
TRY_RRULE = "rrule FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"
_RANGES = {
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYSETPOS": (1, 366, True),
    "BYHOUR": (0, 23, False),
    "BYMINUTE": (0, 59, False),
}
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")
_FLOATING_UNTIL = re.compile(r"\d{8}T\d{6}")


def _reject(message: str) -> GrammarError:
    return GrammarError(message, try_when=TRY_RRULE)


def parse_rule(text: str) -> dict[str, str]:
    """Parse and validate ``FREQ=…;…`` (an optional ``RRULE:`` prefix is fine).

    Accepts FREQ (MINUTELY to YEARLY), INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY,
    BYSETPOS, BYHOUR, BYMINUTE, BYSECOND=0 and WKST. Anything that could fire more often than
    once a minute (SECONDLY, other BYSECOND values) is rejected.
    """
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for item in filter(None, body.split(";")):
        key, sep, value = (s.strip().upper() for s in item.partition("="))
        if not sep or not key or not value:
            raise _reject(f"“{item}” is not NAME=VALUE.")
        if key in parts:
            raise _reject(f"{key} appears twice.")
        if key not in ORDER:
            raise _reject(f"I don't support {key} in a rule.")
        parts[key] = value
    check(parts)
    return parts


def _ints(parts: Mapping[str, str], key: str) -> list[int]:
    try:
        return [int(v) for v in parts[key].split(",")] if key in parts else []
    except ValueError:
        raise _reject(f"{key} must be a list of whole numbers.") from None


def check(parts: Mapping[str, str]) -> None:
    """Raise ``GrammarError`` unless ``parts`` is a rule Nudge can run."""
    freq = parts.get("FREQ")
    if freq == "SECONDLY" or parts.get("BYSECOND", "0") != "0":
        raise _reject("Reminders can't repeat more often than once a minute.")
    if freq not in FREQS:
        raise _reject("A rule needs FREQ=MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY.")
    for key, limit in (("INTERVAL", MAX_INTERVAL), ("COUNT", MAX_COUNT)):
        values = _ints(parts, key)
        if len(values) > 1 or any(not 1 <= v <= limit for v in values):
            raise _reject(f"{key} must be a whole number from 1 to {limit}.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _reject("Use COUNT or UNTIL, not both.")
    if "UNTIL" in parts and not _UNTIL.fullmatch(parts["UNTIL"]):
        raise _reject("UNTIL must look like 20261231 or 20261231T170000.")
    for key, (low, high, signed) in _RANGES.items():
        for v in _ints(parts, key):
            if not (low <= abs(v) <= high if signed else low <= v <= high) or (signed and not v):
                raise _reject(f"{key}={v} is out of range.")
    for item in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []:
        match = _BYDAY.fullmatch(item)
        if not match:
            raise _reject(f"BYDAY={item} is not a weekday like MO or -1FR.")
        if match[1]:
            limit = {"MONTHLY": 5, "YEARLY": 53}.get(freq, 0)
            if not 1 <= abs(int(match[1])) <= limit:
                raise _reject(f"BYDAY={item}: that position is not possible with FREQ={freq}.")
    if parts.get("WKST", "MO") not in WEEKDAY_CODES:
        raise _reject("WKST must be a weekday like MO.")
    floating = {**parts, "UNTIL": parts["UNTIL"].rstrip("Z")} if "UNTIL" in parts else parts
    try:
        rrulestr(format_rule(floating), dtstart=datetime(2000, 1, 1))
    except ValueError as exc:
        raise _reject(f"That rule is not valid ({exc}).") from None


def format_rule(parts: Mapping[str, str]) -> str:
    """``FREQ=…;…`` in a canonical part order, without ``INTERVAL=1``."""
    return ";".join(
        f"{key}={parts[key]}"
        for key in ORDER
        if key in parts and not (key == "INTERVAL" and parts[key] == "1")
    )


def normalize(parts: Mapping[str, str], day: date, at: time | None = None) -> dict[str, str]:
    """Spell out what dateutil would take from DTSTART: time of day, weekday, day, month.

    The time is ``at`` or 9:00; the weekday/day/month come from ``day`` (the first candidate).
    """
    out = dict(parts)
    freq = out["FREQ"]
    at = at or DEFAULT_TIME
    if freq in ("YEARLY", "MONTHLY", "WEEKLY", "DAILY"):
        out.setdefault("BYHOUR", str(at.hour))
        out.setdefault("BYMINUTE", str(at.minute if "BYHOUR" not in parts else 0))
    if freq == "HOURLY":
        out.setdefault("BYMINUTE", "0")
    out.setdefault("BYSECOND", "0")
    if "BYMONTHDAY" not in out and "BYDAY" not in out:
        if freq == "WEEKLY":
            out["BYDAY"] = WEEKDAY_CODES[day.weekday()]
        elif freq == "MONTHLY":
            out["BYMONTHDAY"] = str(day.day)
        elif freq == "YEARLY":
            out.setdefault("BYMONTH", str(day.month))
            out["BYMONTHDAY"] = str(day.day)
    return {key: out[key] for key in ORDER if key in out}


def is_explicit(parts: Mapping[str, str]) -> bool:
    """True when nothing depends on DTSTART's fields and UNTIL is floating local time."""
    until_ok = "UNTIL" not in parts or bool(_FLOATING_UNTIL.fullmatch(parts["UNTIL"]))
    return until_ok and normalize(parts, date(2000, 1, 1)) == dict(parts)


def until_local(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as naive local time: ``…Z`` is converted, a bare date means the end of that day."""
    match = _UNTIL.fullmatch(value)
    if not match:
        raise _reject("UNTIL must look like 20261231 or 20261231T170000.")
    day = datetime.strptime(match[1], "%Y%m%d")
    if match[2] is None:
        return day.replace(hour=23, minute=59, second=59)
    moment = datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")
    if match[3]:
        return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return moment


def format_until(local: datetime) -> str:
    """Naive local time as a floating UNTIL value."""
    return local.strftime("%Y%m%dT%H%M%S")


@functools.lru_cache(maxsize=512)
def compile_rule(rule: str, dtstart: datetime) -> rrule:
    """The dateutil rule for ``rule`` from ``dtstart`` (cached; rrule objects are reusable)."""
    compiled = rrulestr(rule, dtstart=dtstart)
    if not isinstance(compiled, rrule):  # pragma: no cover - one RRULE never parses to a set
        raise TypeError("expected a single RRULE")
    return compiled


def rebase(parts: Mapping[str, str], dtstart: datetime, target: datetime) -> datetime:
    """The latest DTSTART ≤ ``target`` on the rule's interval grid (explicit rules only).

    Occurrences at or after ``target`` are unchanged, so iteration can start near ``target``
    instead of at the first occurrence. Rules with COUNT must count from the start: unchanged.
    """
    if "COUNT" in parts or target <= dtstart:
        return dtstart
    freq, n = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    units = {"MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 604800}
    if freq in units:
        step = timedelta(seconds=units[freq] * n)
        return dtstart + (target - dtstart) // step * step
    if freq == "MONTHLY":
        months = (target.year - dtstart.year) * 12 + target.month - dtstart.month
        k = months // n * n
        total = dtstart.month - 1 + k
        return datetime(dtstart.year + total // 12, total % 12 + 1, 1) if k > 0 else dtstart
    k = (target.year - dtstart.year) // n * n
    return datetime(dtstart.year + k, 1, 1) if k > 0 else dtstart


def _twin_shift(year: int, years: int) -> timedelta | None:
    """Days to a far-future year whose calendar matches ``year`` for ``years`` years.

    Both 1901-2099 and 9901-9999 follow the plain every-4-years leap rule, so a year with the
    same leap phase and the same weekday on Jan 1 has the same dates on the same weekdays.
    """
    if not 1901 <= year <= 2099 - years:
        return None
    for twin in range(9999 - years - 1, 9900, -1):
        if twin % 4 == year % 4 and date(twin, 1, 1).weekday() == date(year, 1, 1).weekday():
            return date(twin, 1, 1) - date(year, 1, 1)
    return None  # pragma: no cover - a match exists in every 28-year window


def probe(parts: Mapping[str, str], dtstart: datetime, years: int) -> Iterator[datetime]:
    """Occurrences from ``dtstart`` up to ``years`` ahead, in bounded time even if none exist.

    dateutil scans day by day until year 9999 when a rule never matches (``BYMONTH=2;
    BYMONTHDAY=30`` takes seconds); running the rule in a calendar twin of the same years
    just before 9999 makes that scan end within a few dozen years.
    """
    end = dtstart + timedelta(days=366 * years)
    shift = _twin_shift(dtstart.year, years + 1)
    run = dict(parts)
    if shift is None:
        shift = timedelta(0)
    elif "UNTIL" in run:
        until = datetime.strptime(run["UNTIL"], "%Y%m%dT%H%M%S")
        if until > end:
            del run["UNTIL"]
        else:
            run["UNTIL"] = format_until(until + shift)
    for occurrence in compile_rule(format_rule(run), dtstart + shift):
        occurrence -= shift
        if occurrence > end:
            return
        yield occurrence
