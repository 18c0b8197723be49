"""Five-field cron (``minute hour day-of-month month day-of-week``) translated to RRULE parts.

Supports ``*``, values, ranges ``1-5``, lists ``1,15``, steps ``*/15`` ``9-17/2`` ``5/10``,
names ``mon-fri`` ``jan,jul``, Sunday as 0 or 7, and the macros ``@hourly``, ``@daily``,
``@midnight``, ``@weekly``, ``@monthly``, ``@yearly`` and ``@annually``. Times are local
wall-clock time in the user's zone, as in the rest of Nudge.

Classic cron fires when *either* a restricted day-of-month or a restricted day-of-week
matches; one RRULE can only express *both*, so that combination is rejected with advice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.schedules.errors import GrammarError
from shared.schedules.lexicon import WEEKDAY_CODES

TRY_CRON = "cron 0 9 * * 1-5"
MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    first_name: int = 0


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS, 1),
    _Field("day of week", 0, 7, _DAYS, 0),
)


def _reject(message: str) -> GrammarError:
    return GrammarError(message, try_when=TRY_CRON)


def _value(text: str, field: _Field) -> int:
    if text in field.names:
        return field.names.index(text) + field.first_name
    if not text.isdigit():
        raise _reject(f"Cron {field.name} “{text}” is not a number.")
    value = int(text)
    if not field.low <= value <= field.high:
        raise _reject(f"Cron {field.name} {value} is outside {field.low}-{field.high}.")
    return value


def _expand(text: str, field: _Field) -> set[int]:
    """All values one cron field allows."""
    values: set[int] = set()
    for item in text.split(","):
        span, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _reject(f"Cron step “/{step_text}” must be a whole number of 1 or more.")
            step = int(step_text)
        if span == "*":
            low, high = field.low, field.high
        elif "-" in span:
            a, _, b = span.partition("-")
            low, high = _value(a, field), _value(b, field)
            if field.names is _DAYS and high == 0:
                high = 7  # "sat-sun": Sunday closes the week
            if low > high:
                raise _reject(f"Cron range {span} runs backwards.")
        else:
            low = _value(span, field)
            high = field.high if step_text else low
        values.update(range(low, high + 1, step))
    return values


def cron_parts(fields: Sequence[str]) -> dict[str, str]:
    """RRULE parts for five cron fields (or one macro), all explicit; raises ``GrammarError``."""
    if len(fields) == 1 and fields[0] in MACROS:
        fields = MACROS[fields[0]].split()
    if len(fields) != 5:
        raise _reject("Cron needs five fields: minute hour day-of-month month day-of-week.")
    minutes, hours, month_days, months, weekdays = (
        _expand(text, field) for text, field in zip(fields, _FIELDS, strict=True)
    )
    weekdays = {d % 7 for d in weekdays}
    day_restricted = not fields[2].startswith("*")
    week_restricted = not fields[4].startswith("*")
    if day_restricted and week_restricted:
        raise _reject(
            "Cron fires when either the day of month or the weekday matches; "
            "I can't repeat that in one reminder. Make two reminders, one for each."
        )
    parts: dict[str, str]
    if len(minutes) == 60:
        parts = {"FREQ": "MINUTELY"}
    elif len(hours) == 24:
        parts = {"FREQ": "HOURLY"}
    else:
        parts = {"FREQ": "DAILY"}
    if len(months) < 12:
        parts["BYMONTH"] = ",".join(map(str, sorted(months)))
    if day_restricted:
        parts["BYMONTHDAY"] = ",".join(map(str, sorted(month_days)))
    if week_restricted and len(weekdays) < 7:
        parts["BYDAY"] = ",".join(WEEKDAY_CODES[(d - 1) % 7] for d in sorted(weekdays, key=_mon))
    if len(hours) < 24:
        parts["BYHOUR"] = ",".join(map(str, sorted(hours)))
    if len(minutes) < 60:
        parts["BYMINUTE"] = ",".join(map(str, sorted(minutes)))
    parts["BYSECOND"] = "0"
    return parts


def _mon(cron_day: int) -> int:
    """Sort key: Monday first, as RRULE weekdays are written."""
    return (cron_day - 1) % 7
