"""What a test or a person can do besides the API: act as any user, set knobs, look inside.

Acting "as another user" goes through the same ``EventService`` as the API
(so the same rules, change numbers and push messages apply), with full
access and no token. Event bodies are checked against the discovery
document's ``Event`` schema as API bodies are. ``CalendarEmulator`` exposes
these as methods and ``/_emulator/…`` as HTTP (see ``inspection.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from devkit.emulator.calendar.channels import PushConfig
from devkit.emulator.calendar.core import CalendarCore
from devkit.emulator.calendar.discovery import calendar_discovery
from devkit.emulator.calendar.events import EventService
from devkit.emulator.calendar.fields import resolve_pending
from devkit.emulator.calendar.handlers import settings_of
from devkit.emulator.calendar.render import instance_id
from devkit.emulator.calendar.times import load, parse_when, shift

Json = dict[str, Any]
UNCHANGED: Any = object()
CONFERENCE_STATES = ("success", "pending", "failure")


def _when(value: Any, name: str) -> Json:
    """``"2026-11-10T15:00:00+01:00"``, ``"2026-11-10"`` or an ``EventDateTime`` dict."""
    if isinstance(value, Mapping):
        return dict(value)
    text = str(value)
    return {"date": text} if len(text) == 10 else {"dateTime": text}


class Control:
    def __init__(self, core: CalendarCore, events: EventService) -> None:
        self.core = core
        self.store = core.store
        self.events = events

    # --- users, tokens, zones --------------------------------------------------------------------

    def add_user(
        self,
        email: str,
        *,
        display_name: str = "",
        time_zone: str = "UTC",
        timezone_setting: str | None = "",
        user: str | None = None,
    ) -> Json:
        found = self.store.add_user(
            email,
            name=user,
            display_name=display_name,
            time_zone=time_zone,
            timezone_setting=timezone_setting,
        )
        return self.user_json(found.email)

    def user_json(self, email: str) -> Json:
        with self.store.lock:
            user = self.store.user(email)
            return {
                "email": user.email,
                "user": user.name,
                "displayName": user.display_name,
                "timeZone": self.store.calendars[user.email].time_zone,
                "timezoneSetting": user.timezone_setting,
                "settings": settings_of(user),
            }

    def users(self) -> list[Json]:
        with self.store.lock:
            return [self.user_json(email) for email in self.store.users]

    def register_token(
        self,
        token: str,
        email: str,
        scopes: Iterable[str],
        *,
        user: str | None = None,
        display_name: str | None = None,
    ) -> Json:
        principal = self.core.tokens.register(
            token, email, list(scopes), user=user, display_name=display_name
        )
        with self.store.lock:
            if str(principal.email) not in self.store.users:
                self.store.add_user(str(principal.email), name=principal.user)
        return {
            "email": principal.email,
            "user": principal.user,
            "scopes": sorted(principal.scopes),
        }

    def set_time_zone(
        self, email: str, *, calendar: str | None = None, setting: Any = UNCHANGED
    ) -> Json:
        """Change a calendar's zone and/or the ``timezone`` setting (``None``: back to unset)."""
        with self.store.lock:
            user = self.store.user(email)
            zone = calendar or self.store.calendars[user.email].time_zone
            self.store.add_user(
                user.email,
                time_zone=zone,
                timezone_setting=user.timezone_setting if setting is UNCHANGED else setting,
            )
        return self.user_json(email)

    # --- acting as a user ------------------------------------------------------------------------

    def create_event(
        self,
        as_user: str,
        event: Mapping[str, Any],
        *,
        conference: bool = False,
        send_updates: str | None = None,
    ) -> Json:
        body = calendar_discovery().validate_schema("Event", dict(event), "event")
        query: Json = {}
        if conference:
            query["conferenceDataVersion"] = 1
            body.setdefault(
                "conferenceData",
                {
                    "createRequest": {
                        "requestId": f"control-{self.store.seq + 1}",
                        "conferenceSolutionKey": {"type": "hangoutsMeet"},
                    }
                },
            )
        if send_updates:
            query["sendUpdates"] = send_updates
        return self.events.insert(as_user.lower(), "primary", query, body)

    def patch_event(self, as_user: str, event_id: str, changes: Mapping[str, Any]) -> Json:
        body = calendar_discovery().validate_schema("Event", dict(changes), "event")
        return self.events.write(as_user.lower(), "primary", event_id, {}, body, replace=False)

    def move_event(self, as_user: str, event_id: str, start: Any, end: Any = None) -> Json:
        """New start (and end; without one, the event keeps its length)."""
        return self.patch_event(as_user, event_id, self._times(as_user, event_id, start, end))

    def _times(self, as_user: str, event_id: str, start: Any, end: Any) -> Json:
        new_start = _when(start, "start")
        if end is not None:
            return {"start": new_start, "end": _when(end, "end")}
        with self.store.lock:
            target = self.events.target(as_user.lower(), "primary", event_id)
            if target.instance is not None:
                old_start, old_end = target.instance.start, target.instance.end
            else:
                old_start = load(target.record.data["start"])
                old_end = load(target.record.data["end"])
        moved = parse_when({"timeZone": old_start.tz, **new_start}, "start")
        return {"start": new_start, "end": shift(old_start, old_end, moved).stored()}

    def respond(self, as_user: str, event_id: str, status: str) -> Json:
        return self.events.respond(as_user.lower(), "primary", event_id, status)

    def cancel_event(self, as_user: str, event_id: str) -> None:
        """As the organizer: cancel (delete). As a guest: decline and remove from their calendar."""
        self.events.delete(as_user.lower(), "primary", event_id, {})

    def add_exception(
        self,
        as_user: str,
        series_id: str,
        original_start: Any,
        *,
        start: Any = None,
        end: Any = None,
        cancelled: bool = False,
        changes: Mapping[str, Any] | None = None,
    ) -> str:
        """Move, change or cancel one instance, named by its original start; returns its id."""
        with self.store.lock:
            target = self.events.target(as_user.lower(), "primary", series_id)
            if not target.record.recurring:
                raise ValueError(f"{series_id} is not a recurring event")
            series_zone = target.record.data["start"].get("timeZone")
            raw = _when(original_start, "originalStart")
            if "dateTime" in raw and series_zone:
                raw.setdefault("timeZone", series_zone)
            key = parse_when(raw, "originalStart").key()
            event_id = instance_id(target.record, key)
        if cancelled:
            self.cancel_event(as_user, event_id)
            return event_id
        patch = dict(changes or {})
        if start is not None:
            patch.update(self._times(as_user, event_id, start, end))
        elif end is not None:
            patch["end"] = _when(end, "end")
        self.patch_event(as_user, event_id, patch)
        return event_id

    # --- knobs ---------------------------------------------------------------------------------

    def expire_sync_tokens(self, email: str) -> int:
        with self.store.lock:
            calendar = self.store.calendar_for(email.lower(), "primary")
            calendar.generation += 1
            return calendar.generation

    def set_knobs(self, **values: Any) -> Json:
        knobs = self.store.knobs
        with self.store.lock:
            for name, value in values.items():
                if not hasattr(knobs, name):
                    raise ValueError(f"unknown knob {name!r}")
                if name == "conference_status" and value not in CONFERENCE_STATES:
                    raise ValueError(f"conference_status must be one of {CONFERENCE_STATES}")
                setattr(knobs, name, type(getattr(knobs, name))(value))
            return {
                k: getattr(knobs, k) for k in ("short_pages", "conference_status", "horizon_days")
            }

    def resolve_conferences(self) -> int:
        """Pending conferences become ``success`` (with a Meet link); each change is pushed."""
        done = 0
        with self.store.lock:
            for record in list(self.store.records.values()):
                if resolve_pending(self.store, record.data, record.owner, record.key):
                    self.store.commit(record)
                    done += 1
        return done

    def set_push(self, config: PushConfig | Mapping[str, Any] | None = None, **values: Any) -> Json:
        merged = config.to_json() if isinstance(config, PushConfig) else dict(config or {})
        merged.update(values)
        parsed = PushConfig.from_json(merged)
        self.core.notifier.configure(parsed)
        return parsed.to_json()

    def set_faults(self, config: Mapping[str, Any] | None = None, **values: Any) -> Json:
        merged = dict(config or {})
        merged.update(values)
        self.core.faults.configure(merged)
        return self.core.faults.to_json()

    # --- looking inside ------------------------------------------------------------------------

    def events_of(self, email: str) -> list[Json]:
        """Every event on a user's calendar as stored: data, overrides, entries, sendUpdates."""
        with self.store.lock:
            calendar = self.store.calendar_for(email.lower(), "primary")
            out = []
            for event_id, entry in calendar.entries.items():
                record = self.store.records[entry.record]
                out.append(
                    {
                        "id": event_id,
                        "organizer": record.owner,
                        "creator": record.creator,
                        "removed": entry.removed,
                        "version": entry.version,
                        "sequence": record.sequence,
                        "data": copy.deepcopy(record.data),
                        "exceptions": {
                            key: {"cancelled": o.cancelled, "originalStart": o.original, **o.data}
                            for key, o in record.overrides.items()
                        },
                        "sendUpdates": list(record.send_updates),
                    }
                )
            return out
