"""Making a ``/meet`` meeting: who is invited, the event (as the user), the announcement.

Everything here happens once per request, however often Chat retries it: the
event ID derives from (user, what asked), so a retried insert meets ``409
duplicate`` and gets the event made; the announcement's client message ID
derives from the event ID; the ``ScheduledMeeting`` is keyed by it, and so is
the follow-up job (``conference``: a pending Meet link, then watching the Meet
space for the transcript and recording, ``after``).

Guests: addresses typed, then ``users/ID`` email aliases, then the directory
(People API, only with ``directory.readonly``); whoever is left is ``missing``
and the dialog asks for them. The caller is never a guest.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from shared.auth.errors import AuthorizationRequired
from shared.chat.events.models import Event, EventFormat
from shared.chat.responses import Reply
from shared.features.meetings.meet_dialog import MAX_FIELDS
from shared.features.meetings.scopes import DIRECTORY, MEET_ASKS, MEET_NEEDS

if TYPE_CHECKING:
    import google.oauth2.credentials

    from shared.calendar.models import CalendarEvent
    from shared.core.context import Context
    from shared.google.errors import ApiError

log = logging.getLogger(__name__)
T = TypeVar("T")

WHY = "to create meetings in your Google Calendar"
ID_PREFIX = "nudge"
_LABEL_JUNK = re.compile(r"[,;<>\n\r\"]+")


def event_id(user: str, key: str) -> str:
    """``nudge`` + 26 base32hex characters (``[0-9a-v]``) of SHA-256(user | key)."""
    digest = hashlib.sha256(f"{user}|{key}".encode()).digest()
    return ID_PREFIX + base64.b32hexencode(digest).decode("ascii").lower()[:26]


# --- who, where, when ---------------------------------------------------------------------


def granted(ctx: Context, user: str) -> frozenset[str]:
    """The user's scopes; ``AuthorizationRequired`` (a consent prompt) without ``MEET_NEEDS``."""
    scopes = ctx.services.grants().granted_scopes(user)
    if not set(MEET_NEEDS) <= scopes:
        raise AuthorizationRequired(MEET_ASKS, WHY)
    return scopes


def _as_user(
    ctx: Context, user: str, fn: Callable[[google.oauth2.credentials.Credentials], T]
) -> T:
    try:
        return ctx.services.grants().call(user, MEET_NEEDS, fn, reason=WHY)
    except AuthorizationRequired:
        raise AuthorizationRequired(MEET_ASKS, WHY) from None


def _valid_zone(name: str) -> bool:
    from shared.schedules.schedule import zone_info

    try:
        zone_info(name)
    except ValueError:
        return False
    return len(name) <= 64


def known_zone(ctx: Context, user: str) -> str | None:
    """The reminders' zone for ``user``, else their calendar's, else ``None``."""
    prefs = ctx.services.users().get_user(user)
    if prefs is not None and prefs.zone and _valid_zone(prefs.zone):
        return prefs.zone
    link = ctx.services.calendars().get_link(user)
    return link.zone if link is not None and link.zone and _valid_zone(link.zone) else None


def reported_zone(ctx: Context, event: Event) -> str | None:
    """The zone a click or submission carries; remembered when Nudge knew none."""
    from shared.store.users import UserPrefs, ZoneSource

    reported = event.time_zone.id if event.time_zone is not None else ""
    if not reported or not _valid_zone(reported):
        return None
    users = ctx.services.users()
    prefs = users.get_user(event.user.name)
    if prefs is None or not prefs.zone:
        base = prefs or UserPrefs(event.user.name)
        users.put_user(
            replace(base, zone=reported, zone_source=ZoneSource.CHAT, locale=event.locale or "")
        )
    return reported


# --- guests ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Guests:
    """Who is invited: ``emails`` (address -> label) and those still without one."""

    emails: dict[str, str]
    #: ``users/ID -> name`` of invited people whose email is unknown.
    missing: dict[str, str]


def _members(ctx: Context, event: Event) -> dict[str, str]:
    """The space's human members but the caller (``users/ID -> name``), as Nudge sees them."""
    from shared.features.meetings.meet_parse import MAX_GUESTS, MeetError

    if event.space.is_dm:
        raise MeetError("“Everyone” is a space's members; here it is just you and Nudge.")
    found: dict[str, str] = {}
    for membership in ctx.services.chat().list_members(event.space.name):
        member = membership.get("member")
        if not isinstance(member, dict) or member.get("type") != "HUMAN":
            continue
        name = member.get("name")
        if isinstance(name, str) and name.startswith("users/") and name != event.user.name:
            found[name] = str(member.get("displayName") or "")
        if len(found) > MAX_GUESTS:
            raise MeetError(
                f"This space has more than {MAX_GUESTS} members: invite a group's address instead."
            )
    return found


def _directory(ctx: Context, user: str, people: Sequence[str]) -> dict[str, str]:
    """Emails of ``people`` from the People API (those it knows)."""
    from shared.google.errors import ApiError

    try:
        found = _as_user(ctx, user, lambda c: ctx.services.people()(c).emails_of(people))
    except ApiError as exc:
        log.warning(
            "directory lookup failed; asking for emails instead",
            extra={"fields": {"status": exc.status, "reason": exc.reason}},
        )
        return {}
    return {person: email.lower() for person, email in found.items() if email}


def resolve_guests(
    ctx: Context,
    event: Event,
    granted: frozenset[str],
    *,
    people: Mapping[str, str],
    everyone: bool,
    typed: Mapping[str, str] | None = None,
    listed: Sequence[tuple[str, str]] = (),
) -> Guests:
    """Resolve the invited: ``typed`` emails first, then aliases, then the directory."""
    from shared.features.meetings.meet_parse import MAX_GUESTS, MeetError

    typed = typed or {}
    wanted = dict(people)
    if everyone:
        for member, name in _members(ctx, event).items():
            wanted.setdefault(member, name)
    wanted.pop(event.user.name, None)
    known = {user: typed[user] for user in wanted if user in typed}
    known |= {u: u.rpartition("/")[2].lower() for u in wanted if "@" in u and u not in known}
    lookup = [user for user in wanted if user not in known]
    if lookup and DIRECTORY in granted:
        known |= _directory(ctx, event.user.name, lookup)
    emails: dict[str, str] = {}
    for label, address in listed:
        emails.setdefault(address, label)
    for user, name in wanted.items():
        if user in known:
            emails.setdefault(known[user], name)
    emails.pop((event.user.email or "").lower(), None)
    missing = {user: name for user, name in wanted.items() if user not in known}
    total = len(emails) + len(missing)
    if total > MAX_GUESTS:
        raise MeetError(
            f"A meeting from /meet invites at most {MAX_GUESTS} guests, and this one would "
            f"invite {total}. Invite a group's address instead, or add people in Google Calendar."
        )
    if len(missing) > MAX_FIELDS:
        if DIRECTORY not in granted:
            raise AuthorizationRequired(
                MEET_ASKS, f"to look up the emails of {len(missing)} people"
            )
        raise MeetError(
            f"I couldn't find the email addresses of {len(missing)} people. Invite them by "
            "address, or add them in Google Calendar."
        )
    return Guests(emails, missing)


def guests_field(emails: Mapping[str, str]) -> str:
    """The dialog's Guests field for known guests: ``Ada Lovelace <ada@x.org>, bob@x.org``."""
    parts = []
    for address, label in emails.items():
        clean = _LABEL_JUNK.sub(" ", label).strip()
        parts.append(f"{clean} <{address}>" if clean else address)
    return ", ".join(parts)


# --- making it ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """A meeting to make: ``key`` names what asked (a Chat message, a dialog request)."""

    key: str
    title: str
    start: datetime
    length: timedelta
    zone: str
    emails: Mapping[str, str]
    thread: str = ""


@dataclass(frozen=True, slots=True)
class Made:
    """What ``make`` did: the event (``created`` False when a retry found it made)."""

    event: CalendarEvent
    created: bool
    #: The announcement as a reply, and its message name ("" when it couldn't be posted).
    announcement: Reply
    message: str
    zone: str


def _body(eid: str, plan: Plan, space: str) -> dict[str, object]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(plan.zone)
    return {
        "id": eid,
        "summary": plan.title,
        "description": "Scheduled from Google Chat with /meet.",
        "start": {"dateTime": plan.start.astimezone(zone).isoformat(), "timeZone": plan.zone},
        "end": {
            "dateTime": (plan.start + plan.length).astimezone(zone).isoformat(),
            "timeZone": plan.zone,
        },
        "attendees": [
            {"email": address, **({"displayName": label[:100]} if label else {})}
            for address, label in plan.emails.items()
        ],
        "extendedProperties": {"private": {"nudgeSpace": space}},
    }


def _announce(ctx: Context, event: Event, reply: Reply, eid: str, thread: str) -> tuple[str, str]:
    """Post ``reply`` into the space once (client message ID of the event): (message, thread)."""
    from shared.chat.render import render_message
    from shared.chatapi.ids import client_message_id
    from shared.google.errors import ApiError

    body = render_message(
        reply, addon=event.format is EventFormat.ADDON, endpoint_url=ctx.settings.endpoint_url
    )
    try:
        posted = ctx.services.chat().create_message(
            event.space.name,
            body,
            message_id=client_message_id("meet", eid),
            thread_name=thread or None,
        )
    except ApiError as exc:
        log.warning(
            "could not post a /meet announcement",
            extra={"fields": {"space": event.space.name, "status": exc.status}},
        )
        return "", ""
    where = posted.get("thread")
    thread_name = str(where.get("name") or "") if isinstance(where, dict) else ""
    return str(posted.get("name") or ""), thread_name


def _remember(ctx: Context, event: Event, made: Made, title: str, thread: str) -> None:
    """Keep the ``ScheduledMeeting`` (once: a retry finds it and fills in what it lacks)."""
    from shared.store.calendars import ScheduledMeeting

    store = ctx.services.calendars()
    cal = made.event
    record = ScheduledMeeting(
        event_id=cal.id,
        user=event.user.name,
        space=event.space.name,
        thread=thread,
        message=made.message,
        title=title,
        start=cal.start.timestamp() if cal.start else 0.0,
        meeting_code=cal.meeting_code,
    )
    try:
        store.add_meeting(record)
    except ValueError:
        existing = store.get_meeting(cal.id)
        if existing is not None and made.message and not existing.message:
            store.save_meeting(replace(existing, message=made.message, thread=thread))


def make(ctx: Context, event: Event, plan: Plan) -> Made:
    """Insert the event (as the user), announce it, remember it; all three once per ``key``."""
    from shared.features.meetings.conference import follow_up
    from shared.features.meetings.meet_cards import announcement
    from shared.features.meetings.meet_parse import MeetError

    user = event.user.name
    eid = event_id(user, plan.key)
    body = _body(eid, plan, event.space.name)
    cal, created = _as_user(
        ctx, user, lambda c: ctx.services.calendar()(c).insert_event("primary", body)
    )
    if cal.cancelled or cal.start is None:
        raise MeetError("That meeting was made earlier and then deleted from your calendar.")
    link = ctx.services.calendars().get_link(user)
    zone = link.zone if link is not None and link.zone else (cal.zone or plan.zone)
    title = cal.summary or plan.title
    reply = announcement(
        cal,
        title=title,
        zone=zone,
        organizer=event.user.display_name,
        guests=[label or address for address, label in plan.emails.items()],
    )
    message, thread = _announce(ctx, event, reply, eid, plan.thread)
    made = Made(cal, created, reply, message, zone)
    _remember(ctx, event, made, title, thread or plan.thread)
    follow_up(ctx, user, cal, event.user.display_name)  # the Meet link if pending; watching
    log.info(
        "meeting scheduled" if created else "meeting already scheduled: a retry",
        extra={"fields": {"user": user, "event": eid, "guests": len(plan.emails)}},
    )
    return made


def api_problem(exc: ApiError) -> str:
    """What to tell the user when Google Calendar refused or failed (plain text)."""
    from shared.google.errors import InvalidArgument, PermissionDenied, RateLimited

    if isinstance(exc, RateLimited):
        return "Google Calendar is busy right now: try again in a minute."
    if isinstance(exc, PermissionDenied):
        return "Google Calendar refused: you may not add events to your calendar."
    if isinstance(exc, InvalidArgument):
        return f"Google Calendar refused the meeting: {(exc.detail or 'invalid request')[:200]}"
    return "Google Calendar didn't answer properly: try again in a minute."
