"""``/_emulator/*``: control and inspect the Calendar emulator over HTTP (no auth, loopback only).

``{email}`` is the user acted as: their primary calendar, their view of events.
``…`` stands for ``/_emulator/calendars/{email}``. Bodies are JSON objects.

========  ====================================  ==========================================
GET       /_emulator/health                     ``{"ok": true, "calendarRevision", …}``
GET/POST  /_emulator/users                      list, or add ``{email, displayName,
                                                timeZone, timezoneSetting}`` (null: unset)
POST      /_emulator/tokens                     ``{token, email, scopes, user, displayName}``
GET       …/events                              every event as stored (exceptions too)
POST      …/events                              create: ``{event, conference, sendUpdates}``
POST      …/events/{id}/patch                   Event fields (an instance id works too)
POST      …/events/{id}/move                    ``{start, end}``: strings or EventDateTime
                                                (no ``end``: the length stays)
POST      …/events/{id}/respond                 ``{responseStatus}``
POST      …/events/{id}/decline                 ``respond`` with ``declined``
POST      …/events/{id}/cancel                  organizer: cancel; guest: decline, remove
POST      …/events/{seriesId}/exceptions        ``{originalStart, start, end, cancelled,
                                                changes}``: move/change/cancel an instance
POST      …/expire-sync-tokens                  that calendar's sync tokens -> 410
POST      …/timezone                            ``{calendar, setting}`` (setting null: unset)
GET       /_emulator/channels                   channels, with state, owner and address
POST      /_emulator/channels/expire            ``{id}`` (or every channel): expire now
GET       /_emulator/deliveries                 push deliveries, made and dropped
GET/POST  /_emulator/push                       a ``PushConfig`` (``{}`` clears)
GET/POST  /_emulator/faults                     a ``FaultConfig`` plus ``errors`` (names)
GET/POST  /_emulator/knobs                      ``{short_pages, conference_status,
                                                horizon_days}``
POST      /_emulator/conferences/resolve        pending conferences -> success
POST      /_emulator/meet/conferences           end one: ``{meetingCode, transcript,
                                                recording, minutes}``
GET       /_emulator/meet/events                the Workspace Events Meet would publish
GET       /_emulator/requests, …/stats          request log and counters
POST      /_emulator/reset                      seeded users only (tokens stay)
========  ====================================  ==========================================
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from devkit.emulator.calendar.control import UNCHANGED, Control
from devkit.emulator.calendar.core import CalendarCore
from devkit.emulator.calendar.discovery import calendar_discovery, meet_discovery
from devkit.emulator.calendar.handlers import Handlers
from devkit.emulator.errors import ApiError, invalid, not_found
from devkit.emulator.responses import error_response, json_response, read_json

Json = dict[str, Any]


def _object(request: Request) -> Json:
    body = read_json(request)
    if not isinstance(body, dict):
        raise invalid("expected a JSON object")
    return body


def _get(body: Json, *names: str, default: Any = None) -> Any:
    for name in names:
        if name in body:
            return body[name]
    return default


class Inspector:
    def __init__(self, core: CalendarCore, handlers: Handlers) -> None:
        self.core = core
        self.control = Control(core, handlers.events)

    def handle(self, request: Request) -> Response:
        try:
            return json_response(self._route(request))
        except ApiError as error:
            return error_response(error)
        except (ValueError, TypeError, KeyError) as exc:
            return error_response(invalid(str(exc)))

    def _route(self, request: Request) -> Any:
        parts = [urllib.parse.unquote(p) for p in request.path.split("/") if p][1:]
        post, control, core = request.method == "POST", self.control, self.core
        if parts in ([], ["health"]):
            return {
                "ok": True,
                "calendarRevision": calendar_discovery().revision,
                "meetRevision": meet_discovery().revision,
            }
        if parts and parts[0] == "calendars" and len(parts) >= 3 and post:
            return self._act(parts[1], parts[2:], _object(request))
        if parts and parts[0] == "calendars" and len(parts) == 3 and parts[2] == "events":
            return {"events": control.events_of(parts[1])}
        simple: dict[tuple[str, str], Callable[[], Any]] = {
            ("GET", "users"): lambda: {"users": control.users()},
            ("GET", "channels"): lambda: {"channels": core.notifier.snapshot()[0]},
            ("GET", "deliveries"): lambda: {"deliveries": core.notifier.snapshot()[1]},
            ("GET", "push"): lambda: core.notifier.config.to_json(),
            ("GET", "faults"): lambda: core.faults.to_json(),
            ("GET", "knobs"): lambda: control.set_knobs(),
            ("GET", "meet/events"): lambda: {"events": list(core.meet.events)},
            ("GET", "requests"): lambda: {"requests": core.journal.requests()},
            ("GET", "stats"): lambda: core.journal.stats(),
            ("POST", "reset"): self._reset,
            ("POST", "conferences/resolve"): lambda: {"resolved": control.resolve_conferences()},
        }
        action = simple.get((request.method, "/".join(parts)))
        if action is not None:
            return action()
        if not post:
            raise not_found(f"No emulator endpoint {request.method} {request.path}.")
        body = _object(request)
        route = "/".join(parts)
        if route == "users":
            return control.add_user(
                str(body["email"]),
                display_name=str(_get(body, "displayName", "display_name", default="")),
                time_zone=str(_get(body, "timeZone", "time_zone", default="UTC")),
                timezone_setting=_get(body, "timezoneSetting", "timezone_setting", default=""),
            )
        if route == "tokens":
            return control.register_token(
                str(body["token"]),
                str(body["email"]),
                list(body.get("scopes") or []),
                user=body.get("user"),
                display_name=_get(body, "displayName", "display_name"),
            )
        if route == "channels/expire":
            return {"expired": core.notifier.expire(body.get("id"))}
        if route == "push":
            return control.set_push(body)
        if route == "faults":
            return control.set_faults(body)
        if route == "knobs":
            return control.set_knobs(**body)
        if route == "meet/conferences":
            return core.meet.end_conference(
                str(_get(body, "meetingCode", "space")),
                transcript=bool(body.get("transcript", True)),
                recording=bool(body.get("recording", False)),
                minutes=int(body.get("minutes", 30)),
            )
        raise not_found(f"No emulator endpoint POST {request.path}.")

    def _reset(self) -> Json:
        self.core.reset()
        return {"reset": True}

    def _act(self, email: str, rest: list[str], body: Json) -> Any:
        control = self.control
        if rest == ["expire-sync-tokens"]:
            return {"generation": control.expire_sync_tokens(email)}
        if rest == ["timezone"]:
            return control.set_time_zone(
                email,
                calendar=_get(body, "calendar", "timeZone"),
                setting=_get(body, "setting", "timezoneSetting", default=UNCHANGED),
            )
        if rest == ["events"]:
            return control.create_event(
                email,
                body.get("event") or {},
                conference=bool(body.get("conference", False)),
                send_updates=_get(body, "sendUpdates", "send_updates"),
            )
        if len(rest) != 3 or rest[0] != "events":
            raise not_found(f"No emulator endpoint for {'/'.join(rest)}.")
        event_id, verb = rest[1], rest[2]
        if verb == "patch":
            return control.patch_event(email, event_id, body)
        if verb == "move":
            return control.move_event(email, event_id, body["start"], body.get("end"))
        if verb in ("respond", "decline"):
            status = "declined" if verb == "decline" else str(body["responseStatus"])
            return control.respond(email, event_id, status)
        if verb == "cancel":
            control.cancel_event(email, event_id)
            return {"cancelled": event_id}
        if verb == "exceptions":
            instance = control.add_exception(
                email,
                event_id,
                _get(body, "originalStart", "originalStartTime"),
                start=body.get("start"),
                end=body.get("end"),
                cancelled=bool(body.get("cancelled", False)),
                changes=body.get("changes"),
            )
            return {"id": instance}
        raise not_found(f"No emulator action {verb!r}.")
