"""The method table: discovery method id -> handler, and the small read-only methods.

A handler takes ``(principal, path parameters, query, body, busy_only)`` and
returns the response JSON, or ``None`` for an empty 204.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devkit.emulator.auth import Principal
from devkit.emulator.calendar.core import CalendarCore
from devkit.emulator.calendar.errors import not_found
from devkit.emulator.calendar.events import EventService
from devkit.emulator.calendar.listing import Lister
from devkit.emulator.calendar.people import PeopleService
from devkit.emulator.calendar.render import etag
from devkit.emulator.calendar.store import User

Json = dict[str, Any]
Handler = Callable[[Principal, dict[str, str], Json, Json, bool], Json | None]

#: Settings and the values a user has unless told otherwise (settings reference, §4).
DEFAULT_SETTINGS = {
    "autoAddHangouts": "true",
    "dateFieldOrder": "MDY",
    "defaultEventLength": "60",
    "format24HourTime": "false",
    "hideInvitations": "false",
    "hideWeekends": "false",
    "locale": "en",
    "remindOnRespondedEventsOnly": "false",
    "showDeclinedEvents": "true",
    "useKeyboardShortcuts": "true",
    "weekStart": "0",
}
CONFERENCE_PROPERTIES = {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}


def settings_of(user: User) -> dict[str, str]:
    """A user's settings; ``timezone`` only when set (§4: defaults "might not be returned")."""
    out = dict(DEFAULT_SETTINGS)
    if user.timezone_setting is not None:
        out["timezone"] = user.timezone_setting
    return dict(sorted(out.items()))


class Handlers:
    def __init__(self, core: CalendarCore) -> None:
        self.core = core
        self.events = EventService(core.store)
        self.lister = Lister(self.events)
        self.people = PeopleService(core.store)
        events, lister, meet, people = self.events, self.lister, core.meet, self.people

        def me(p: Principal) -> str:
            return str(p.email)

        self.table: dict[str, Handler] = {
            "calendar.events.list": lambda p, a, q, b, busy: lister.list_events(
                me(p), a["calendarId"], q, busy=busy
            ),
            "calendar.events.instances": self._instances,
            "calendar.events.get": lambda p, a, q, b, busy: events.get(
                me(p), a["calendarId"], a["eventId"], q, busy
            ),
            "calendar.events.insert": lambda p, a, q, b, busy: events.insert(
                me(p), a["calendarId"], q, b
            ),
            "calendar.events.patch": lambda p, a, q, b, busy: events.write(
                me(p), a["calendarId"], a["eventId"], q, b, replace=False
            ),
            "calendar.events.update": lambda p, a, q, b, busy: events.write(
                me(p), a["calendarId"], a["eventId"], q, b, replace=True
            ),
            "calendar.events.delete": lambda p, a, q, b, busy: events.delete(
                me(p), a["calendarId"], a["eventId"], q
            ),
            "calendar.events.watch": self._watch,
            "calendar.channels.stop": lambda p, a, q, b, busy: core.notifier.stop_channel(me(p), b),
            "calendar.settings.get": self._setting,
            "calendar.settings.list": self._settings,
            "calendar.calendars.get": self._calendar,
            "calendar.calendarList.get": self._calendar_list_entry,
            "meet.spaces.get": lambda p, a, q, b, busy: meet.get_space(me(p), a["name"]),
            "meet.conferenceRecords.list": lambda p, a, q, b, busy: meet.list_records(me(p), q),
            "meet.conferenceRecords.get": lambda p, a, q, b, busy: meet.get_record(
                me(p), a["name"]
            ),
            "people.people.get": lambda p, a, q, b, busy: people.get(p, a["resourceName"], q),
            "people.people.getBatchGet": lambda p, a, q, b, busy: people.batch_get(p, q),
        }
        for kind in ("transcripts", "recordings"):
            self.table[f"meet.conferenceRecords.{kind}.list"] = self._artifacts(kind, listing=True)
            self.table[f"meet.conferenceRecords.{kind}.get"] = self._artifacts(kind, listing=False)

    def _artifacts(self, kind: str, *, listing: bool) -> Handler:
        meet = self.core.meet

        def handle(p: Principal, a: dict[str, str], q: Json, b: Json, busy: bool) -> Json:
            if listing:
                return meet.list_artifacts(str(p.email), a["parent"], kind, q)
            return meet.get_artifact(str(p.email), a["name"], kind)

        return handle

    def _instances(self, p: Principal, a: dict[str, str], q: Json, b: Json, busy: bool) -> Json:
        actor = str(p.email)
        with self.core.store.lock:
            target = self.events.target(actor, a["calendarId"], a["eventId"])
            if target.instance is not None:
                raise not_found()
            series = target.record.id
            return self.lister.list_events(actor, a["calendarId"], q, busy=busy, only=series)

    def _watch(self, p: Principal, a: dict[str, str], q: Json, b: Json, busy: bool) -> Json:
        actor = str(p.email)
        with self.core.store.lock:
            calendar = self.core.store.calendar_for(actor, a["calendarId"])
        return self.core.notifier.watch(actor, calendar.id, a["calendarId"], b)

    def _user(self, p: Principal) -> User:
        with self.core.store.lock:
            return self.core.store.user(str(p.email))

    def _setting(self, p: Principal, a: dict[str, str], q: Json, b: Json, busy: bool) -> Json:
        values = settings_of(self._user(p))
        if a["setting"] not in values:
            raise not_found()
        return _setting_json(a["setting"], values[a["setting"]])

    def _settings(self, p: Principal, a: dict[str, str], q: Json, b: Json, busy: bool) -> Json:
        items = [_setting_json(k, v) for k, v in settings_of(self._user(p)).items()]
        return {"kind": "calendar#settings", "etag": etag(len(items)), "items": items}

    def _calendar(self, p: Principal, a: dict[str, str], q: Json, b: Json, busy: bool) -> Json:
        with self.core.store.lock:
            calendar = self.core.store.calendar_for(str(p.email), a["calendarId"])
            return {
                "kind": "calendar#calendar",
                "etag": etag(calendar.generation),
                "id": calendar.id,
                "summary": calendar.id,
                "timeZone": calendar.time_zone,
                "conferenceProperties": CONFERENCE_PROPERTIES,
            }

    def _calendar_list_entry(
        self, p: Principal, a: dict[str, str], q: Json, b: Json, busy: bool
    ) -> Json:
        entry = self._calendar(p, a, q, b, busy)
        return {
            **entry,
            "kind": "calendar#calendarListEntry",
            "colorId": "14",
            "backgroundColor": "#9fe1e7",
            "foregroundColor": "#000000",
            "selected": True,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "primary": True,
        }


def _setting_json(setting: str, value: str) -> Json:
    return {
        "kind": "calendar#setting",
        "etag": etag(sum(map(ord, setting + value))),
        "id": setting,
        "value": value,
    }
