"""Meeting reminders as scheduled posts: one ``Reminder(kind="meeting")`` per event instance.

The post's ID derives from (user, calendar, instance ID), so every sync finds
the same post for the same instance. It is due ``minutes_before`` the start;
``due_key`` is the start (epoch seconds, plus ``#snooze-N`` for a snooze), so a
meeting that moves gets a new delivery, and the core's posting engine posts each
delivery exactly once. ``payload`` is what the card needs (``Meeting``), plus
the sync ``generation`` that wrote it and the event's ``updated`` time, so an
older view of the event never overwrites a newer one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.calendar.models import CalendarEvent
from shared.store.calendars import CalendarLink
from shared.store.reminders import Reminder, ReminderState

KIND = "meeting"
#: Attendees kept in a post (the card lists at most this many, then "and N more").
MAX_ATTENDEES = 30
_SAFE_SCHEMES = ("https://",)


def post_id(user: str, calendar_id: str, event_id: str) -> str:
    """``mtg-`` + 24 hex characters of SHA-256(user, calendar, instance)."""
    seed = "\x1f".join((user, calendar_id, event_id)).encode("utf-8")
    return "mtg-" + hashlib.sha256(seed).hexdigest()[:24]


def safe_link(url: str) -> str:
    """``url`` when it is an https link, else ``""`` (never a ``javascript:`` button)."""
    return url if url.startswith(_SAFE_SCHEMES) and len(url) <= 2000 else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting:
    """What a meeting card shows, as stored in a post's payload."""

    event_id: str
    title: str = ""
    start: datetime
    end: datetime | None = None
    zone: str = "UTC"
    organizer: str = ""
    organizer_self: bool = False
    #: ``(name or email, response)`` pairs, resources left out.
    attendees: tuple[tuple[str, str], ...] = ()
    more_attendees: int = 0
    location: str = ""
    meet_link: str = ""
    calendar_link: str = ""
    #: ``private``/``confidential`` events show as "Busy" where others can see them.
    private: bool = False
    #: The guest list is hidden from guests (``guestsCanSeeOtherGuests`` false or omitted).
    hide_guests: bool = False
    self_response: str = "accepted"
    #: A change shown on a posted reminder: ``moved``, ``cancelled``, ``declined``, or "".
    notice: str = ""
    #: The start the reminder was posted for, when the meeting moved after that.
    was_start: datetime | None = None
    generation: int = 0
    updated: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, event: CalendarEvent, link: CalendarLink) -> Meeting:
        """The card data of a timed ``event`` (``event.start`` must be set)."""
        if event.start is None:
            raise ValueError("a meeting reminder needs a timed event")
        people = [a for a in event.attendees if not a.resource]
        return cls(
            event_id=event.id,
            title=event.summary,
            start=event.start,
            end=event.end,
            zone=link.zone or event.zone or "UTC",
            organizer=event.organizer_name or event.organizer_email,
            organizer_self=event.organizer_self,
            attendees=tuple(
                (a.name or a.email, a.response) for a in people[:MAX_ATTENDEES] if a.name or a.email
            ),
            more_attendees=max(0, len(people) - MAX_ATTENDEES),
            location=event.location,
            meet_link=safe_link(event.meet_link) if event.conference_status != "pending" else "",
            calendar_link=safe_link(event.html_link),
            private=event.visibility in ("private", "confidential"),
            hide_guests=not event.guests_can_see_other_guests or event.attendees_omitted,
            self_response=event.self_response,
            generation=link.generation,
            updated=event.updated.isoformat() if event.updated else "",
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "event": self.event_id,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else "",
            "zone": self.zone,
            "organizer": self.organizer,
            "organizer_self": self.organizer_self,
            "attendees": [list(pair) for pair in self.attendees],
            "more_attendees": self.more_attendees,
            "location": self.location,
            "meet": self.meet_link,
            "link": self.calendar_link,
            "private": self.private,
            "hide_guests": self.hide_guests,
            "response": self.self_response,
            "notice": self.notice,
            "was_start": self.was_start.isoformat() if self.was_start else "",
            "generation": self.generation,
            "updated": self.updated,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Meeting:
        def when(key: str) -> datetime | None:
            raw = payload.get(key)
            return datetime.fromisoformat(raw) if isinstance(raw, str) and raw else None

        start = when("start")
        if start is None:
            raise ValueError("a meeting post's payload has no start")
        return cls(
            event_id=str(payload.get("event", "")),
            title=str(payload.get("title", "")),
            start=start,
            end=when("end"),
            zone=str(payload.get("zone") or "UTC"),
            organizer=str(payload.get("organizer", "")),
            organizer_self=bool(payload.get("organizer_self")),
            attendees=tuple(
                (str(p[0]), str(p[1]))
                for p in payload.get("attendees", ())
                if isinstance(p, list | tuple) and len(p) == 2
            ),
            more_attendees=int(payload.get("more_attendees", 0) or 0),
            location=str(payload.get("location", "")),
            meet_link=safe_link(str(payload.get("meet", ""))),
            calendar_link=safe_link(str(payload.get("link", ""))),
            private=bool(payload.get("private")),
            hide_guests=bool(payload.get("hide_guests")),
            self_response=str(payload.get("response") or "accepted"),
            notice=str(payload.get("notice", "")),
            was_start=when("was_start"),
            generation=int(payload.get("generation", 0) or 0),
            updated=str(payload.get("updated", "")),
        )

    def shown(self) -> tuple[Any, ...]:
        """What a posted card shows: when this changes, the posted message is updated."""
        return (
            self.title,
            self.start,
            self.end,
            self.location,
            self.meet_link,
            self.notice,
            self.self_response,
        )


def start_key(start: datetime) -> str:
    """The ``due_key`` of a reminder for a meeting starting at ``start``."""
    return str(int(start.timestamp()))


def fire_at(meeting: Meeting, minutes_before: int, now: datetime) -> datetime:
    """When to post: ``minutes_before`` the start, or now when that has passed."""
    return max(meeting.start - timedelta(minutes=minutes_before), now)


def new_post(meeting: Meeting, link: CalendarLink, *, now: datetime) -> Reminder:
    """A pending reminder for ``meeting`` (not stored yet)."""
    return Reminder(
        id=post_id(link.user, link.calendar_id, meeting.event_id),
        owner=link.user,
        text=meeting.title or "(no title)",
        kind=KIND,
        payload=meeting.to_payload(),
        space=link.destination,
        origin_space=link.destination,
        zone=meeting.zone,
        state=ReminderState.ACTIVE,
        next_fire=fire_at(meeting, link.minutes_before, now).timestamp(),
        due_key=start_key(meeting.start),
        created_at=now.timestamp(),
    )


def rearmed(post: Reminder, meeting: Meeting, link: CalendarLink, *, now: datetime) -> Reminder:
    """``post`` pending again for ``meeting`` (moved, or its settings changed)."""
    return replace(
        post,
        text=meeting.title or "(no title)",
        payload=meeting.to_payload(),
        space=link.destination,
        origin_space=link.destination,
        zone=meeting.zone,
        state=ReminderState.ACTIVE,
        next_fire=fire_at(meeting, link.minutes_before, now).timestamp(),
        due_key=start_key(meeting.start),
        note="",
    )


def with_meeting(post: Reminder, meeting: Meeting) -> Reminder:
    """``post`` showing ``meeting`` (nothing about its delivery changes)."""
    return replace(post, text=meeting.title or "(no title)", payload=meeting.to_payload())


def meeting_of(post: Reminder) -> Meeting:
    return Meeting.from_payload(post.payload)


def delivered(post: Reminder, *, message: str, now: datetime) -> Reminder:
    """After the engine posted it: done, remembering the message (updates go there)."""
    return replace(
        post,
        state=ReminderState.DONE,
        next_fire=None,
        last_message=message,
        lease_owner="",
        lease_fire=None,
    )


def snoozed(post: Reminder, *, until: datetime) -> Reminder:
    """Pending again at ``until`` (a new delivery: ``#snooze-<epoch>``)."""
    base = post.due_key.split("#", 1)[0]
    return replace(
        post,
        state=ReminderState.ACTIVE,
        next_fire=until.timestamp(),
        due_key=f"{base}#snooze-{int(until.timestamp())}",
        lease_owner="",
        lease_fire=None,
    )


def now_utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
