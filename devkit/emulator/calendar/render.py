"""Events as one viewer sees them: per-viewer ``self`` flags, instances, cancelled stubs.

``expand`` turns a series into its instances (original start, actual start and
end, and the override that moved, changed or cancelled it). ``render_event``
builds the ``Event`` JSON for a viewer's calendar; ``render_cancelled`` the
bare stub Google guarantees for cancelled items: ``id`` and ``status`` (plus
``recurringEventId`` and ``originalStartTime`` for a cancelled instance),
and nothing a client could wrongly rely on.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from devkit.emulator.calendar.store import Calendar, Override, Record
from devkit.emulator.calendar.times import When, from_epoch, load, occurrences, rfc3339, shift

Json = dict[str, Any]

#: Fields a client may not set (Google fills them in or ignores them).
OUTPUT_ONLY = frozenset(
    {
        "kind",
        "etag",
        "htmlLink",
        "created",
        "updated",
        "creator",
        "organizer",
        "hangoutLink",
        "iCalUID",
        "recurringEventId",
        "originalStartTime",
        "privateCopy",
        "locked",
    }
)
#: Defaults Google leaves out of responses.
_OMIT_DEFAULT = {"visibility": "default", "transparency": "opaque"}
_BUSY_FIELDS = frozenset(
    {"kind", "etag", "id", "status", "start", "end", "updated", "recurringEventId"}
    | {"originalStartTime", "transparency", "eventType"}
)


def etag(version: int) -> str:
    return f'"{3_400_000_000_000_000 + version}"'


@dataclass(frozen=True)
class Viewer:
    """Who looks, through which calendar, with times shown in ``zone``."""

    email: str
    calendar: Calendar
    zone: str
    max_attendees: int | None = None
    busy_only: bool = False  # a calendar.events.freebusy-only token


@dataclass(frozen=True)
class Instance:
    key: str
    original: When
    start: When
    end: When
    override: Override | None

    @property
    def cancelled(self) -> bool:
        return self.override is not None and self.override.cancelled


def instance_id(record: Record, key: str) -> str:
    return f"{record.id}_{key}"


def expand(record: Record, until: dt.datetime) -> Iterator[Instance]:
    """The instances of a series whose original start is before ``until`` (UTC)."""
    start, end = load(record.data["start"]), load(record.data["end"])
    for original in occurrences(record.data["recurrence"], start, until):
        key = original.key()
        override = record.overrides.get(key)
        first, last = original, shift(start, end, original)
        if override is not None and not override.cancelled:
            if "start" in override.data:
                first = load(override.data["start"])
            if "end" in override.data:
                last = load(override.data["end"])
        yield Instance(key, original, first, last, override)


def one_instance(record: Record, key: str) -> Instance | None:
    """The instance ``key`` of a series (by its original start), if the rule produces it."""
    start = load(record.data["start"])
    if start.all_day:
        try:
            day = dt.datetime.strptime(key, "%Y%m%d").replace(tzinfo=dt.UTC)
        except ValueError:
            return None
        until = day + dt.timedelta(days=1)
    else:
        try:
            moment = dt.datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            return None
        until = moment + dt.timedelta(seconds=1)
    return next((i for i in expand(record, until) if i.key == key), None)


def _html_link(event_id: str, calendar_id: str) -> str:
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar_id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def _person(email: str, viewer: Viewer, names: dict[str, str]) -> Json:
    out: Json = {"email": email}
    if names.get(email):
        out["displayName"] = names[email]
    if email == viewer.email:
        out["self"] = True
    return out


def _attendees(data: Json, record: Record, viewer: Viewer, out: Json) -> None:
    attendees = [dict(a) for a in data.get("attendees") or []]
    if not attendees:
        return
    for attendee in attendees:
        if str(attendee.get("email", "")).lower() == viewer.email:
            attendee["self"] = True
    omitted = False
    if data.get("guestsCanSeeOtherGuests") is False and viewer.email != record.owner:
        kept = [a for a in attendees if a.get("self")]
        omitted, attendees = len(kept) < len(attendees), kept
    if viewer.max_attendees is not None and len(attendees) > viewer.max_attendees:
        mine = [a for a in attendees if a.get("self")]
        others = [a for a in attendees if not a.get("self")]
        attendees = (mine + others)[: max(viewer.max_attendees, len(mine))]
        omitted = True
    out["attendees"] = attendees
    if omitted or data.get("attendeesOmitted"):
        out["attendeesOmitted"] = True


def render_event(
    record: Record,
    viewer: Viewer,
    version: int,
    names: dict[str, str],
    *,
    instance: Instance | None = None,
    cancelled: bool = False,
) -> Json:
    """The ``Event`` JSON of ``record`` (or one of its instances) for ``viewer``."""
    data = dict(record.data)
    updated = record.updated
    event_id = record.id
    if instance is not None:
        if instance.override is not None:
            data.update(instance.override.data)
            updated = max(updated, instance.override.updated)
        data.pop("recurrence", None)
        event_id = instance_id(record, instance.key)
    out: Json = {
        "kind": "calendar#event",
        "etag": etag(version),
        "id": event_id,
        "status": "cancelled" if cancelled else data.get("status", "confirmed"),
        "htmlLink": _html_link(event_id, viewer.calendar.id),
        "created": rfc3339(from_epoch(record.created)),
        "updated": rfc3339(from_epoch(updated)),
    }
    for name, value in data.items():
        if name in ("start", "end", "attendees", "status", "source", "extendedProperties"):
            continue
        if _OMIT_DEFAULT.get(name) == value:
            continue
        out[name] = value
    out["creator"] = _person(record.creator, viewer, names)
    out["organizer"] = _person(record.owner, viewer, names)
    start = instance.start if instance is not None else load(data["start"])
    end = instance.end if instance is not None else load(data["end"])
    out["start"], out["end"] = start.render(viewer.zone), end.render(viewer.zone)
    if instance is not None:
        out["recurringEventId"] = record.id
        out["originalStartTime"] = instance.original.render(viewer.zone)
    out["iCalUID"] = f"{record.id}@google.com"
    out["sequence"] = record.sequence
    _attendees(data, record, viewer, out)
    out.setdefault("reminders", {"useDefault": True})
    if viewer.email != record.owner:
        out["reminders"] = {"useDefault": True}  # reminders are the viewer's own
    out.setdefault("eventType", "default")
    if "source" in data and viewer.email == record.creator:
        out["source"] = data["source"]
    props = data.get("extendedProperties") or {}
    visible = {k: v for k, v in props.items() if k == "shared" or viewer.email == record.owner}
    if visible:
        out["extendedProperties"] = visible
    if viewer.busy_only:
        out = {k: v for k, v in out.items() if k in _BUSY_FIELDS}
    return out


def render_cancelled(
    record: Record, viewer: Viewer, version: int, *, instance: Instance | None = None
) -> Json:
    """The stub of a cancelled item: only what Google guarantees."""
    out: Json = {"kind": "calendar#event", "etag": etag(version), "status": "cancelled"}
    if instance is None:
        out["id"] = record.id
        return out
    out["id"] = instance_id(record, instance.key)
    out["recurringEventId"] = record.id
    out["originalStartTime"] = instance.original.render(viewer.zone)
    return out
