"""``events.insert/get/patch/update/delete`` and attendee responses.

Every operation acts as one user (``actor``, an email): the API's caller or,
through the control API, "another user". The organizer of an event is the
owner of the calendar it was inserted into. What an attendee may do to
their copy is narrower (see ``_attendee_write``). An instance id
(``{seriesId}_{20261110T140000Z}``) addresses one instance of a series:
writing to it creates or updates an exception (moved, changed or cancelled).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from devkit.emulator.calendar import fields
from devkit.emulator.calendar.errors import (
    deleted,
    duplicate,
    forbidden_for_non_organizer,
    invalid,
    not_found,
)
from devkit.emulator.calendar.render import (
    Instance,
    Viewer,
    one_instance,
    render_cancelled,
    render_event,
)
from devkit.emulator.calendar.store import (
    Calendar,
    Entry,
    Override,
    Record,
    Store,
    base32hex_id,
)
from devkit.emulator.calendar.times import valid_zone

Json = dict[str, Any]

_SHARED = ("guestsCanInviteOthers", "guestsCanModify", "guestsCanSeeOtherGuests")
_ATTENDEE_FIELDS = frozenset({"attendees", "reminders", "colorId"})
_MOVING = ("start", "end", "recurrence", "location")


@dataclass
class Target:
    """What an event id names in a calendar: a record, maybe one of its instances."""

    calendar: Calendar
    record: Record
    entry: Entry
    instance: Instance | None = None


def names(store: Store) -> dict[str, str]:
    return {email: user.display_name for email, user in store.users.items()}


class EventService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- lookups ------------------------------------------------------------------------------

    def target(self, actor: str, calendar_id: str, event_id: str) -> Target:
        calendar = self.store.calendar_for(actor, calendar_id)
        found = self.store.find(calendar, event_id)
        if found is not None:
            return Target(calendar, *found)
        base, _, key = event_id.rpartition("_")
        found = self.store.find(calendar, base) if base else None
        if found is not None and found[0].recurring:
            instance = one_instance(found[0], key)
            if instance is not None:
                return Target(calendar, *found, instance=instance)
        raise not_found()

    def viewer(self, actor: str, calendar: Calendar, query: Json, *, busy: bool = False) -> Viewer:
        zone = str(query.get("timeZone") or calendar.time_zone)
        if not valid_zone(zone):
            raise invalid("Invalid time zone definition.", "timeZone")
        return Viewer(actor, calendar, zone, query.get("maxAttendees"), busy)

    def show(self, target: Target, viewer: Viewer) -> Json:
        record, entry, instance = target.record, target.entry, target.instance
        if entry.removed:
            return render_cancelled(record, viewer, entry.version, instance=instance)
        version = entry.version
        cancelled = record.deleted
        if instance is not None:
            if instance.override is not None:
                version = max(version, instance.override.version)
            cancelled = cancelled or instance.cancelled
        return render_event(
            record, viewer, version, names(self.store), instance=instance, cancelled=cancelled
        )

    # --- the API ------------------------------------------------------------------------------

    def get(self, actor: str, calendar_id: str, event_id: str, query: Json, busy: bool) -> Json:
        with self.store.lock:
            target = self.target(actor, calendar_id, event_id)
            return self.show(target, self.viewer(actor, target.calendar, query, busy=busy))

    def insert(self, actor: str, calendar_id: str, query: Json, body: Json) -> Json:
        store = self.store
        with store.lock:
            calendar = store.calendar_for(actor, calendar_id)
            event_id = str(body.get("id") or "")
            if event_id:
                fields.check_id(event_id)
            else:
                event_id = base32hex_id(f"{calendar.id}/{store.seq}/{store.now()}")
            if event_id in calendar.entries or f"{calendar.id}/{event_id}" in store.records:
                raise duplicate()
            data = fields.normalise(body)
            data["attendees"] = fields.attendees(data.get("attendees"), None, calendar.owner)
            if not data["attendees"]:
                del data["attendees"]
            key = f"{calendar.id}/{event_id}"
            fields.apply_conference(
                store,
                data,
                body,
                None,
                version=_version(query),
                owner=calendar.owner,
                record_key=key,
                replace=False,
            )
            now = store.now()
            record = Record(key, event_id, calendar.owner, actor, data, now, now, 0)
            _note_updates(record, "insert", query, now)
            store.commit(record)
            target = Target(calendar, record, calendar.entries[event_id])
            return self.show(target, self.viewer(actor, calendar, query))

    def write(
        self, actor: str, calendar_id: str, event_id: str, query: Json, body: Json, *, replace: bool
    ) -> Json:
        """``events.patch`` (``replace=False``) and ``events.update`` (``replace=True``)."""
        with self.store.lock:
            target = self.target(actor, calendar_id, event_id)
            if target.entry.removed:
                raise not_found()
            if actor != target.record.owner:
                self._attendee_write(actor, target, body, query, replace=replace)
            else:
                self._organizer_write(target, body, query, replace=replace)
            target = self.target(actor, calendar_id, event_id)
            return self.show(target, self.viewer(actor, target.calendar, query))

    def delete(self, actor: str, calendar_id: str, event_id: str, query: Json) -> None:
        store = self.store
        with store.lock:
            target = self.target(actor, calendar_id, event_id)
            record, instance = target.record, target.instance
            if target.entry.removed or record.deleted or (instance and instance.cancelled):
                raise deleted()
            if actor != record.owner:
                # An attendee deleting the event declines it and takes it off their calendar.
                self._respond(actor, target, "declined", hide=instance is None)
                return
            _note_updates(record, "delete", query, store.now())
            if instance is not None:
                self._override(record, instance, {}, cancelled=True)
                return
            record.data["status"] = "cancelled"
            store.commit(record)

    def respond(self, actor: str, calendar_id: str, event_id: str, status: str) -> Json:
        """Set ``actor``'s own ``responseStatus`` (the control API's "decline")."""
        if status not in fields.RESPONSES:
            raise invalid(f"responseStatus must be one of {', '.join(fields.RESPONSES)}")
        with self.store.lock:
            target = self.target(actor, calendar_id, event_id)
            self._respond(actor, target, status)
            target = self.target(actor, calendar_id, event_id)
            return self.show(target, self.viewer(actor, target.calendar, {}))

    # --- helpers ------------------------------------------------------------------------------

    def _respond(self, actor: str, target: Target, status: str, *, hide: bool = False) -> None:
        record, instance = target.record, target.instance
        source = record.data.get("attendees") or []
        if instance is not None and instance.override is not None:
            source = instance.override.data.get("attendees", source)
        updated = copy.deepcopy(source)
        mine = [a for a in updated if a.get("email") == actor]
        if not mine:
            raise invalid("You are not an attendee of this event.")
        for attendee in mine:
            attendee["responseStatus"] = status
        if instance is not None:
            data = dict(instance.override.data) if instance.override else {}
            data["attendees"] = updated
            self._override(record, instance, data, cancelled=instance.cancelled)
        else:
            record.data["attendees"] = updated
            self.store.commit(record, hide_for={actor} if hide else ())

    def _attendee_write(
        self, actor: str, target: Target, body: Json, query: Json, *, replace: bool
    ) -> None:
        """A guest may answer (own ``responseStatus``) and keep own reminders and colour.

        Shared properties are the organizer's (403 ``forbiddenForNonOrganizer``); so
        is anything else unless the event has ``guestsCanModify`` (best reading).
        """
        if any(name in body for name in _SHARED):
            raise forbidden_for_non_organizer()
        if set(body) - _ATTENDEE_FIELDS:
            if not target.record.data.get("guestsCanModify"):
                raise forbidden_for_non_organizer()
            self._organizer_write(target, body, query, replace=replace)
            return
        mine = [a for a in body.get("attendees") or [] if str(a.get("email")).lower() == actor]
        if mine and mine[0].get("responseStatus"):
            self._respond(actor, target, str(mine[0]["responseStatus"]))

    def _organizer_write(self, target: Target, body: Json, query: Json, *, replace: bool) -> None:
        if target.instance is not None:
            self._instance_write(target, body, query, replace=replace)
            return
        store, record = self.store, target.record
        old = record.data
        if "eventType" in body and body["eventType"] != old.get("eventType", "default"):
            raise invalid("The event type cannot be changed.", "eventType")
        merged = fields.normalise(body if replace else fields.merge(old, body))
        merged["attendees"] = fields.attendees(
            merged.get("attendees"), old.get("attendees"), record.owner
        )
        if not merged["attendees"]:
            del merged["attendees"]
        fields.apply_conference(
            store,
            merged,
            body,
            old,
            version=_version(query),
            owner=record.owner,
            record_key=record.key,
            replace=replace,
        )
        if any(merged.get(k) != old.get(k) for k in _MOVING):
            record.sequence += 1
        record.data = merged
        _note_updates(record, "update" if replace else "patch", query, store.now())
        store.commit(record)

    def _instance_write(self, target: Target, body: Json, query: Json, *, replace: bool) -> None:
        record, instance = target.record, target.instance
        assert instance is not None
        base = dict(record.data)
        base.pop("recurrence", None)
        if instance.override is not None:
            base.update(instance.override.data)
        base["start"], base["end"] = instance.start.stored(), instance.end.stored()
        merged = fields.normalise(body if replace else fields.merge(base, body), instance=True)
        merged["attendees"] = fields.attendees(
            merged.get("attendees"), base.get("attendees"), record.owner
        )
        if not merged["attendees"]:
            del merged["attendees"]
        cancelled = merged.pop("status", None) == "cancelled"
        changes = {k: v for k, v in merged.items() if record.data.get(k) != v}
        changes["start"], changes["end"] = merged["start"], merged["end"]
        _note_updates(record, "update" if replace else "patch", query, self.store.now())
        self._override(record, instance, changes, cancelled=cancelled)

    def _override(self, record: Record, instance: Instance, data: Json, *, cancelled: bool) -> None:
        override = Override(
            instance.key, instance.original.stored(), data, cancelled, 0, self.store.now()
        )
        self.store.commit_override(record, override)


def _version(query: Json) -> int:
    return int(query.get("conferenceDataVersion") or 0)


def _note_updates(record: Record, action: str, query: Json, now: float) -> None:
    """Record who would have been e-mailed (``sendUpdates``; ``sendNotifications`` is legacy)."""
    value = query.get("sendUpdates")
    if value is None and "sendNotifications" in query:
        value = "all" if query["sendNotifications"] else "none"
    record.send_updates.append({"action": action, "sendUpdates": value, "time": now})
