"""Typed, frozen views of Calendar's ``Event``, a page of ``events.list`` and a watch ``Channel``.

Pure parsing, no I/O. Parsing is tolerant: a missing or ill-typed field takes
its default, because cancelled items in a delta may carry only ``id`` (plus
``recurringEventId`` and ``originalStartTime`` for instances); only a missing
``id`` is an error. Timed instants become aware UTC datetimes; all-day events
keep their dates (``end_date`` exclusive, as Google sends it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)


def parse_rfc3339(value: str, zone: str = "") -> dt.datetime:
    """An aware UTC datetime from RFC 3339 text (``Z``, offsets, any fraction of a second).

    Text without an offset is wall time in ``zone`` (an IANA name), else UTC.
    Raises ``ValueError`` on anything else.
    """
    match = _RFC3339.match(value.strip())
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    micros = int((match.group(7) or "0")[:6].ljust(6, "0"))
    tz: dt.tzinfo
    if match.group(8):
        tz = dt.UTC
    elif match.group(9):
        sign = 1 if match.group(9) == "+" else -1
        offset = dt.timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        tz = dt.timezone(sign * offset)
    else:
        tz = _zone(zone) or dt.UTC
    if second == 60:  # a leap second: the instant just before the next minute
        second, micros = 59, 999_999
    local = dt.datetime(year, month, day, hour, minute, second, micros, tzinfo=tz)
    return local.astimezone(dt.UTC)


def _zone(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _text(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return value if isinstance(value, str) else default


def _flag(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else default


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _instant(text: str, zone: str = "") -> dt.datetime | None:
    if not text:
        return None
    try:
        return parse_rfc3339(text, zone)
    except ValueError:
        return None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_when(value: Any) -> dt.datetime | dt.date | None:
    """An ``EventDateTime``: its ``dateTime`` as UTC, else its ``date``, else ``None``."""
    if not isinstance(value, Mapping):
        return None
    instant = _instant(_text(value, "dateTime"), _text(value, "timeZone"))
    return instant if instant is not None else _date(_text(value, "date"))


@dataclass(frozen=True, slots=True)
class Attendee:
    """One ``attendees[]`` entry; ``is_self`` marks the calendar this copy is on."""

    email: str
    name: str = ""
    response: str = "needsAction"
    is_self: bool = False
    organizer: bool = False
    resource: bool = False
    optional: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Attendee:
        return cls(
            email=_text(data, "email"),
            name=_text(data, "displayName"),
            response=_text(data, "responseStatus", "needsAction") or "needsAction",
            is_self=_flag(data, "self"),
            organizer=_flag(data, "organizer"),
            resource=_flag(data, "resource"),
            optional=_flag(data, "optional"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEvent:
    """A Calendar ``Event`` as one calendar's owner sees it (an instance, with singleEvents)."""

    id: str
    status: str = "confirmed"
    event_type: str = "default"
    summary: str = ""
    description: str = ""
    location: str = ""
    start: dt.datetime | None = None  # aware UTC, timed events
    end: dt.datetime | None = None
    start_date: dt.date | None = None  # all-day events; end_date is exclusive
    end_date: dt.date | None = None
    zone: str = ""  # start.timeZone, when given
    attendees: tuple[Attendee, ...] = ()
    organizer_email: str = ""
    organizer_name: str = ""
    organizer_self: bool = False
    html_link: str = ""
    meet_link: str = ""  # hangoutLink, or the conference's video entry point
    conference_status: str = ""  # success | pending | failure | ""
    meeting_code: str = ""  # conferenceData.conferenceId
    visibility: str = "default"
    guests_can_see_other_guests: bool = True
    attendees_omitted: bool = False
    recurring_event_id: str = ""
    original_start: dt.datetime | dt.date | None = None
    updated: dt.datetime | None = None
    end_time_unspecified: bool = False

    @property
    def all_day(self) -> bool:
        return self.start_date is not None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def self_response(self) -> str:
        """The user's own answer: their attendee entry's; ``accepted`` if they organize
        or nobody is invited; ``needsAction`` if they are not listed at all."""
        for attendee in self.attendees:
            if attendee.is_self:
                return attendee.response
        if self.organizer_self or not self.attendees:
            return "accepted"
        return "needsAction"

    @property
    def has_other_guests(self) -> bool:
        """Whether anyone besides the user (rooms and other resources aside) is invited."""
        return any(not a.is_self and not a.resource for a in self.attendees)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CalendarEvent:
        """Parse an ``Event``; ``ValueError`` only when ``id`` is missing or not a string."""
        event_id = data.get("id")
        if not isinstance(event_id, str) or not event_id:
            raise ValueError("a Calendar event needs a string id")
        start, end = _mapping(data, "start"), _mapping(data, "end")
        zone = _text(start, "timeZone")
        organizer = _mapping(data, "organizer")
        raw_attendees = data.get("attendees")
        attendees = tuple(
            Attendee.from_api(a)
            for a in (raw_attendees if isinstance(raw_attendees, list) else [])
            if isinstance(a, Mapping)
        )
        meet_link, status, code = _conference(data)
        return cls(
            id=event_id,
            status=_text(data, "status", "confirmed") or "confirmed",
            event_type=_text(data, "eventType", "default") or "default",
            summary=_text(data, "summary"),
            description=_text(data, "description"),
            location=_text(data, "location"),
            start=_instant(_text(start, "dateTime"), zone),
            end=_instant(_text(end, "dateTime"), _text(end, "timeZone") or zone),
            start_date=None if _text(start, "dateTime") else _date(_text(start, "date")),
            end_date=None if _text(end, "dateTime") else _date(_text(end, "date")),
            zone=zone,
            attendees=attendees,
            organizer_email=_text(organizer, "email"),
            organizer_name=_text(organizer, "displayName"),
            organizer_self=_flag(organizer, "self"),
            html_link=_text(data, "htmlLink"),
            meet_link=meet_link,
            conference_status=status,
            meeting_code=code,
            visibility=_text(data, "visibility", "default") or "default",
            guests_can_see_other_guests=_flag(data, "guestsCanSeeOtherGuests", True),
            attendees_omitted=_flag(data, "attendeesOmitted"),
            recurring_event_id=_text(data, "recurringEventId"),
            original_start=parse_when(data.get("originalStartTime")),
            updated=_instant(_text(data, "updated")),
            end_time_unspecified=_flag(data, "endTimeUnspecified"),
        )


def _conference(data: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(meet link, conference status, meeting code)`` of an event.

    The status is ``createRequest.status.statusCode``; conference data that
    was copied in (no create request) counts as ``success`` when it has a link.
    """
    conference = _mapping(data, "conferenceData")
    link = _text(data, "hangoutLink")
    points = conference.get("entryPoints")
    if not link and isinstance(points, list):
        video = (
            _text(p, "uri")
            for p in points
            if isinstance(p, Mapping) and p.get("entryPointType") == "video"
        )
        link = next((uri for uri in video if uri), "")
    status = _text(_mapping(_mapping(conference, "createRequest"), "status"), "statusCode")
    if not status and link:
        status = "success"
    return link, status, _text(conference, "conferenceId")


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of ``events.list``: ``zone`` is the calendar's; ``next_sync_token`` comes
    on the last page only."""

    items: tuple[CalendarEvent, ...]
    zone: str
    next_page_token: str | None
    next_sync_token: str | None
    access_role: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> EventPage:
        """Parse an ``Events`` response; items without an id are skipped."""
        raw = data.get("items")
        items = tuple(
            CalendarEvent.from_api(item)
            for item in (raw if isinstance(raw, list) else [])
            if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"]
        )
        return cls(
            items=items,
            zone=_text(data, "timeZone"),
            next_page_token=_text(data, "nextPageToken") or None,
            next_sync_token=_text(data, "nextSyncToken") or None,
            access_role=_text(data, "accessRole"),
        )


@dataclass(frozen=True, slots=True)
class Channel:
    """A notification channel ``events.watch`` made; ``expiration`` in epoch seconds."""

    id: str
    resource_id: str
    resource_uri: str
    expiration: float
    token: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Channel:
        """Parse a ``Channel``: ``expiration`` is Unix milliseconds, sent as a string."""
        raw = data.get("expiration")
        try:
            millis = float(raw) if isinstance(raw, str | int | float) else 0.0
        except ValueError:
            millis = 0.0
        return cls(
            id=_text(data, "id"),
            resource_id=_text(data, "resourceId"),
            resource_uri=_text(data, "resourceUri"),
            expiration=millis / 1000.0,
            token=_text(data, "token"),
        )
