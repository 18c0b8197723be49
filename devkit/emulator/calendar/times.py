"""Event times (``EventDateTime``) and recurrence expansion in the series' own zone.

A ``When`` is either all-day (``date``) or timed (an absolute ``instant`` in
UTC plus the optional IANA ``tz`` it was written in). Records store times in a
canonical JSON form (``{"dateTime": "…Z", "timeZone": …}`` or ``{"date": …}``)
and render them in the zone a response asks for, with that zone's offset.

Recurring series expand with dateutil on *wall-clock* time in ``start.timeZone``
(a ``ZoneInfo``-aware ``dtstart``), so a 09:00 meeting stays at 09:00 local
across daylight-saving transitions, which is what Google does (§0.5).
``UNTIL`` values and ``EXDATE``/``RDATE`` lines are normalised first so that
naive, zoned and UTC forms all compare correctly.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from devkit.emulator.calendar.errors import invalid, required, time_range_empty

Json = dict[str, Any]
UTC = dt.UTC
#: Never expand one series into more instances than this per request.
MAX_INSTANCES = 5000


@functools.lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name; ``ValueError`` for unknown names."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(name) from None


def valid_zone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def rfc3339(moment: dt.datetime) -> str:
    """``2026-11-30T10:00:00.000Z`` (milliseconds, as Calendar's ``updated``)."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def from_epoch(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def parse_instant(text: str) -> dt.datetime:
    """An RFC 3339 timestamp that carries an offset (or ``Z``); ``ValueError`` otherwise."""
    moment = dt.datetime.fromisoformat(text.strip().replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class When:
    """One ``start``/``end``/``originalStartTime``."""

    date: dt.date | None = None
    instant: dt.datetime | None = None
    tz: str | None = None

    @property
    def all_day(self) -> bool:
        return self.date is not None

    def local(self, fallback: str = "UTC") -> dt.datetime:
        """Wall-clock time in ``tz`` (timed) or midnight (all-day, naive)."""
        if self.date is not None:
            return dt.datetime.combine(self.date, dt.time())
        assert self.instant is not None
        return self.instant.astimezone(zone(self.tz or fallback))

    def utc(self, calendar_zone: str) -> dt.datetime:
        """The absolute start of this moment (all-day: midnight in the calendar's zone)."""
        if self.instant is not None:
            return self.instant
        assert self.date is not None
        return dt.datetime.combine(self.date, dt.time(), zone(calendar_zone)).astimezone(UTC)

    def stored(self) -> Json:
        if self.date is not None:
            return {"date": self.date.isoformat()}
        assert self.instant is not None
        out: Json = {"dateTime": self.instant.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if self.tz:
            out["timeZone"] = self.tz
        return out

    def render(self, in_zone: str) -> Json:
        """Google's response form: the instant with ``in_zone``'s offset, plus ``timeZone``."""
        if self.date is not None:
            return {"date": self.date.isoformat()}
        assert self.instant is not None
        out: Json = {"dateTime": self.instant.astimezone(zone(in_zone)).isoformat()}
        if self.tz:
            out["timeZone"] = self.tz
        return out

    def key(self) -> str:
        """The instance-id suffix: ``20261110T140000Z`` (UTC) or ``20261110``."""
        if self.date is not None:
            return self.date.strftime("%Y%m%d")
        assert self.instant is not None
        return self.instant.strftime("%Y%m%dT%H%M%SZ")


def load(stored: Json) -> When:
    """A ``When`` from its stored form (trusted: it was produced by ``parse_when``)."""
    if "date" in stored:
        return When(date=dt.date.fromisoformat(stored["date"]))
    return When(instant=parse_instant(stored["dateTime"]), tz=stored.get("timeZone"))


def parse_when(value: Any, name: str, *, need_zone: bool = False) -> When:
    """Validate a request's ``EventDateTime``; raises Calendar's 400s."""
    if not isinstance(value, dict) or not (value.get("date") or value.get("dateTime")):
        raise required(f"Missing {name} time.")
    tz = value.get("timeZone")
    if tz is not None and not valid_zone(str(tz)):
        raise invalid(f"Invalid time zone definition for {name} time.")
    if value.get("date") and value.get("dateTime"):
        raise invalid(f"Invalid {name} time.")
    if value.get("date"):
        try:
            return When(date=dt.date.fromisoformat(str(value["date"])))
        except ValueError:
            raise invalid(f"Invalid {name} time.") from None
    if need_zone and not tz:
        raise required(f"Missing time zone definition for {name} time.")
    try:
        moment = dt.datetime.fromisoformat(str(value["dateTime"]).replace("z", "Z"))
    except ValueError:
        raise invalid(f"Invalid {name} time.") from None
    if moment.tzinfo is None:
        if not tz:
            raise required(f"Missing time zone definition for {name} time.")
        moment = moment.replace(tzinfo=zone(str(tz)))
    return When(instant=moment.astimezone(UTC), tz=str(tz) if tz else None)


def check_range(start: When, end: When) -> None:
    if start.all_day != end.all_day:
        raise invalid("Start and end times must either both be date or both be dateTime.")
    if start.all_day:
        assert start.date is not None
        assert end.date is not None
        if end.date <= start.date:
            raise time_range_empty("end.date")
    else:
        assert start.instant is not None
        assert end.instant is not None
        if end.instant < start.instant:
            raise time_range_empty("end.dateTime")


def shift(start: When, end: When, new_start: When) -> When:
    """The end of an instance starting at ``new_start``, keeping the wall-clock duration."""
    if start.date is not None and end.date is not None and new_start.date is not None:
        return When(date=new_start.date + (end.date - start.date))
    tz = start.tz or "UTC"
    wall = end.local(tz).replace(tzinfo=None) - start.local(tz).replace(tzinfo=None)
    local_end = new_start.local(tz).replace(tzinfo=None) + wall
    return When(instant=local_end.replace(tzinfo=zone(tz)).astimezone(UTC), tz=end.tz)


# --- recurrence ------------------------------------------------------------------------------

_VALUE = re.compile(r"^(?P<name>[A-Z]+)(?P<params>(;[^:]*)?):(?P<value>.*)$")


def _parse_dates(params: str, value: str, series_tz: str | None, all_day: bool) -> list[Any]:
    tzid = re.search(r"TZID=([^;:]+)", params)
    out: list[Any] = []
    for part in value.split(","):
        part = part.strip()
        if re.fullmatch(r"\d{8}", part):
            day = dt.datetime.strptime(part, "%Y%m%d")
            out.append(day if all_day else day.replace(tzinfo=zone(series_tz or "UTC")))
            continue
        moment = dt.datetime.strptime(part.rstrip("Z"), "%Y%m%dT%H%M%S")
        if all_day:
            out.append(moment.replace(hour=0, minute=0, second=0))
        elif part.endswith("Z"):
            out.append(moment.replace(tzinfo=UTC))
        else:
            out.append(moment.replace(tzinfo=zone(tzid.group(1) if tzid else series_tz or "UTC")))
    return out


def _rule_line(value: str, series_tz: str | None, all_day: bool) -> str:
    """``UNTIL`` in the form dateutil accepts for this ``dtstart`` (UTC if zoned, naive if not)."""
    match = re.search(r"UNTIL=([0-9TZ]+)", value)
    if not match:
        return value
    until: dt.datetime = _parse_dates("", match.group(1), series_tz, all_day)[0]
    text: str = (
        until.strftime("%Y%m%dT%H%M%S")
        if all_day
        else until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    )
    return value[: match.start(1)] + text + value[match.end(1) :]


def build_rules(lines: Sequence[str], start: When) -> rrule.rruleset:
    """An ``rruleset`` for ``recurrence`` lines anchored at ``start``; 400 if unparsable."""
    all_day = start.all_day
    dtstart = start.local("UTC") if all_day else start.local(start.tz or "UTC")
    rules = rrule.rruleset()
    try:
        for raw in lines:
            match = _VALUE.match(str(raw).strip())
            if not match:
                raise ValueError(raw)
            name, params, value = match.group("name", "params", "value")
            if name in ("RRULE", "EXRULE"):
                parsed = rrule.rrulestr(_rule_line(value, start.tz, all_day), dtstart=dtstart)
                assert isinstance(parsed, rrule.rrule)
                (rules.rrule if name == "RRULE" else rules.exrule)(parsed)
            elif name in ("RDATE", "EXDATE"):
                for moment in _parse_dates(params, value, start.tz, all_day):
                    (rules.rdate if name == "RDATE" else rules.exdate)(moment)
            else:
                raise ValueError(raw)
    except (ValueError, TypeError, AssertionError):
        raise invalid("Invalid recurrence rule.") from None
    return rules


def occurrences(
    lines: Sequence[str], start: When, until: dt.datetime, *, limit: int = MAX_INSTANCES
) -> Iterator[When]:
    """Original start times of a series, in order, up to (excluding) ``until`` (UTC)."""
    rules = build_rules(lines, start)
    count = 0
    try:
        for moment in rules:
            if start.all_day:
                when = When(date=moment.date())
                if dt.datetime.combine(when.date or moment.date(), dt.time(), UTC) >= until:
                    return
            else:
                when = When(instant=moment.astimezone(UTC), tz=start.tz)
                if moment >= until:
                    return
            yield when
            count += 1
            if count >= limit:
                return
    except TypeError:
        raise invalid("Invalid recurrence rule.") from None
