"""Checking and normalising Event bodies, and Meet conference creation (§3, §3.1).

The discovery document checks JSON types and field names; the Calendar
front end checks more, and so does this module: start/end (a zone is needed
for a ``dateTime`` without offset and for any recurring event), the range,
recurrence lines, enum-like strings the document leaves open, attendee
emails, client-chosen ids (base32hex, 5-1024 characters) and conference
requests. Messages are Google's where known, our best reading otherwise.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from devkit.emulator.calendar.errors import invalid, required
from devkit.emulator.calendar.render import OUTPUT_ONLY
from devkit.emulator.calendar.store import Store
from devkit.emulator.calendar.times import build_rules, check_range, parse_when

Json = dict[str, Any]

ID_PATTERN = re.compile(r"[a-v0-9]{5,1024}")
EVENT_TYPES = ("default", "birthday", "focusTime", "fromGmail", "outOfOffice", "workingLocation")
_ENUMS = {
    "status": ("confirmed", "tentative", "cancelled"),
    "visibility": ("default", "public", "private", "confidential"),
    "transparency": ("opaque", "transparent"),
}
RESPONSES = ("needsAction", "declined", "tentative", "accepted")
MEET_ICON = (
    "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/"
    "logo_meet_2020q4_color_2x_web_512dp.png"
)
_TIME_FIELDS = ("date", "dateTime", "timeZone")


def check_id(event_id: str) -> None:
    if not ID_PATTERN.fullmatch(event_id):
        raise invalid("Invalid resource id value.", "id")


def merge(old: Json, patch: Json) -> Json:
    """PATCH semantics: objects merge field by field, arrays and scalars replace.

    A ``start``/``end`` that switches between ``date`` and ``dateTime`` drops the other form.
    """
    out = copy.deepcopy(old)
    for name, value in patch.items():
        current = out.get(name)
        if name in ("start", "end") and isinstance(value, dict) and isinstance(current, dict):
            if "date" in value:
                current = {}
            elif "dateTime" in value:
                current = {k: v for k, v in current.items() if k != "date"}
            out[name] = {**current, **value}
        elif isinstance(value, dict) and isinstance(current, dict):
            out[name] = merge(current, value)
        else:
            out[name] = copy.deepcopy(value)
    return out


def normalise(body: Json, *, instance: bool = False) -> Json:
    """A checked copy of an event body with start/end in stored form; raises 400s."""
    data = {k: copy.deepcopy(v) for k, v in body.items() if k not in OUTPUT_ONLY}
    data.pop("id", None)
    recurrence = data.get("recurrence")
    if instance:
        data.pop("recurrence", None)
        recurrence = None
    if recurrence is not None and not (
        isinstance(recurrence, list) and all(isinstance(x, str) for x in recurrence)
    ):
        raise invalid("Invalid recurrence rule.", "recurrence")
    if not recurrence:
        data.pop("recurrence", None)
    start = parse_when(data.get("start"), "start", need_zone=bool(recurrence))
    end = parse_when(data.get("end"), "end", need_zone=bool(recurrence))
    check_range(start, end)
    if recurrence:
        build_rules(recurrence, start)
    data["start"], data["end"] = start.stored(), end.stored()
    for name, allowed in _ENUMS.items():
        if name in data and data[name] not in allowed:
            raise invalid(f"Invalid value for: {name}", name)
    event_type = data.get("eventType", "default")
    if event_type not in EVENT_TYPES:
        raise invalid("Invalid event type.", "eventType")
    for attendee in data.get("attendees") or []:
        if not isinstance(attendee, dict) or not attendee.get("email"):
            raise required("Missing attendee email.", "attendees")
        attendee["email"] = str(attendee["email"]).strip().lower()
        status = attendee.get("responseStatus")
        if status is not None and status not in RESPONSES:
            raise invalid("Invalid attendee response status.", "attendees.responseStatus")
    return data


def attendees(new: list[Json] | None, old: list[Json] | None, organizer: str) -> list[Json]:
    """Attendees with responses kept from ``old`` and the organizer's own entry added.

    Google adds the organizer (``organizer: true``, accepted) to an event that
    has guests; guests start at ``needsAction``.
    """
    if not new:
        return []
    before = {str(a.get("email")): a for a in old or []}
    out: list[Json] = []
    for attendee in new:
        entry = {k: v for k, v in attendee.items() if k not in ("self", "organizer")}
        previous = before.get(entry["email"], {})
        if entry["email"] == organizer:
            entry["organizer"] = True
        entry.setdefault(
            "responseStatus",
            previous.get(
                "responseStatus", "accepted" if entry["email"] == organizer else "needsAction"
            ),
        )
        out.append(entry)
    if organizer not in {a["email"] for a in out}:
        out.insert(0, {"email": organizer, "organizer": True, "responseStatus": "accepted"})
    return out


# --- conferences (§3.1) ----------------------------------------------------------------------


def conference_json(code: str | None, request_id: str, status: str) -> Json:
    """``conferenceData`` for a Meet conference in state ``status``."""
    out: Json = {
        "createRequest": {
            "requestId": request_id,
            "conferenceSolutionKey": {"type": "hangoutsMeet"},
            "status": {"statusCode": status},
        },
        "conferenceSolution": {
            "key": {"type": "hangoutsMeet"},
            "name": "Google Meet",
            "iconUri": MEET_ICON,
        },
    }
    if status == "success" and code:
        out["entryPoints"] = [
            {
                "entryPointType": "video",
                "uri": f"https://meet.google.com/{code}",
                "label": f"meet.google.com/{code}",
            }
        ]
        out["conferenceId"] = code
    return out


def apply_conference(
    store: Store,
    data: Json,
    body: Json,
    old: Json | None,
    *,
    version: int,
    owner: str,
    record_key: str,
    replace: bool,
) -> None:
    """Set ``conferenceData``/``hangoutLink`` in ``data`` per ``conferenceDataVersion``.

    Version 0 ignores the body's conference data (an existing conference stays).
    Version 1 creates a conference for a new ``createRequest.requestId``, ignores
    a repeated one, copies conference data given as is, and (for ``update``)
    drops a conference the body no longer carries.
    """
    previous = (old or {}).get("conferenceData")
    link = (old or {}).get("hangoutLink")
    data.pop("conferenceData", None)
    data.pop("hangoutLink", None)
    wanted = body.get("conferenceData") if version >= 1 else None
    if wanted is None:
        if previous is not None and not (version >= 1 and replace):
            data["conferenceData"] = previous
            if link:
                data["hangoutLink"] = link
        return
    request = wanted.get("createRequest")
    old_request = ((previous or {}).get("createRequest") or {}).get("requestId")
    if request is None:
        data["conferenceData"] = wanted
        for point in wanted.get("entryPoints") or []:
            if point.get("entryPointType") == "video":
                data["hangoutLink"] = point.get("uri")
        return
    kind = (request.get("conferenceSolutionKey") or {}).get("type")
    if kind != "hangoutsMeet":
        raise invalid("Invalid conference type value.", "conferenceData.createRequest")
    request_id = str(request.get("requestId") or "")
    if not request_id:
        raise required("Missing conference request id.", "conferenceData.createRequest.requestId")
    if previous is not None and request_id == old_request:
        data["conferenceData"] = previous  # "the same ID as the previous request is ignored"
        if link:
            data["hangoutLink"] = link
        return
    status = store.knobs.conference_status
    code = None
    if status == "success":
        space = store.new_space(owner, f"{record_key}/{request_id}")
        space.event = record_key
        code = space.code
        data["hangoutLink"] = f"https://meet.google.com/{code}"
    data["conferenceData"] = conference_json(code, request_id, status)


def resolve_pending(store: Store, data: Json, owner: str, record_key: str) -> bool:
    """Turn a ``pending`` conference into ``success``; ``True`` if it changed."""
    conference = data.get("conferenceData") or {}
    request = conference.get("createRequest") or {}
    if (request.get("status") or {}).get("statusCode") != "pending":
        return False
    request_id = str(request.get("requestId"))
    space = store.new_space(owner, f"{record_key}/{request_id}")
    space.event = record_key
    data["conferenceData"] = conference_json(space.code, request_id, "success")
    data["hangoutLink"] = f"https://meet.google.com/{space.code}"
    return True
