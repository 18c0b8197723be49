"""Connected calendars, their push channels, and meetings scheduled from Chat.

The meetings feature keeps three kinds of record here:

* ``CalendarLink``: one per user who connected a calendar (their settings, the
  sync token, when the tick's sweep should sync it next, when their daily agenda
  is due). Saved compare-and-set on ``version``, like reminders.
* ``WatchChannel``: one per Calendar ``events.watch`` channel. A push is accepted
  only when its channel ID, resource ID and token match one of these; the token
  itself is never stored, only its SHA-256 (``token_hash``).
* ``ScheduledMeeting``: a meeting ``/meet`` created, so that what Meet reports
  after it (a transcript, a recording) is posted into the thread it came from.

The meeting reminders themselves are ``Reminder``s of kind ``meeting`` in the
reminders store, so the core's posting engine delivers them exactly once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

#: The event kinds a user can count or not (``CalendarLink.kinds``).
KIND_MEETINGS = "meetings"  # events with other guests
KIND_SOLO = "solo"  # events with no other guests (blocks, personal reminders)
KIND_TENTATIVE = "tentative"  # invitations answered "maybe"
KIND_UNANSWERED = "unanswered"  # invitations not answered yet
ALL_KINDS: tuple[str, ...] = (KIND_MEETINGS, KIND_SOLO, KIND_TENTATIVE, KIND_UNANSWERED)
DEFAULT_KINDS: tuple[str, ...] = (KIND_MEETINGS, KIND_TENTATIVE, KIND_UNANSWERED)


class LinkState(enum.StrEnum):
    #: ``/meetings connect`` asked for the grant; the sweep connects once it is there.
    PENDING = "pending"
    #: Connected: synced by pushes and the sweep.
    ACTIVE = "active"
    #: The grant was lost (revoked, expired); the user was told and must connect again.
    BROKEN = "broken"


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarLink:
    """A user's connected calendar, their meeting settings and where its sync stands."""

    user: str  # users/{id}: the key (one connected calendar per user)
    calendar_id: str = "primary"
    state: LinkState = LinkState.PENDING
    #: The Google account's email (from the grant), for display.
    email: str = ""
    # --- settings ---------------------------------------------------------------------
    reminders_on: bool = True
    minutes_before: int = 10
    #: Where meeting reminders go: ``spaces/{id}``, or "" for the user's DM with Nudge.
    destination: str = ""
    #: The destination's display name, as it was when chosen.
    destination_name: str = ""
    agenda_on: bool = False
    agenda_time: str = "08:30"  # HH:MM, local to ``zone``
    #: Which events count (a subset of ``ALL_KINDS``).
    kinds: tuple[str, ...] = DEFAULT_KINDS
    # --- time zone --------------------------------------------------------------------
    #: The calendar's IANA zone (``timeZone`` of the last ``events.list``); cards use it.
    zone: str = ""
    #: ``"{calendar zone}|{reminders zone}"`` once a disagreement was told, so it is told once.
    zone_noted: str = ""
    # --- sync ---------------------------------------------------------------------------
    sync_token: str = ""
    #: Epoch seconds of the last successful sync (0: never).
    synced_at: float = 0.0
    full_synced_at: float = 0.0
    #: Increases with every full sync; meeting posts carry the one that wrote them, so a
    #: full sync (after a 410) can withdraw what it no longer saw.
    generation: int = 0
    #: When the sweep should sync it next (epoch seconds); ``None``: never (not active).
    next_sync: float | None = 0.0
    #: Consecutive failed syncs (backs off the sweep); reset by a success.
    failures: int = 0
    #: Why it is BROKEN, or the last sync error, for /meetings.
    note: str = ""
    # --- agenda -------------------------------------------------------------------------
    #: When the next daily agenda is due (epoch seconds); ``None`` when off.
    agenda_next: float | None = None
    # --- bookkeeping --------------------------------------------------------------------
    created_at: float = 0.0
    updated_at: float = 0.0
    #: Bumped by every save; ``save_link`` is compare-and-set on it.
    version: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchChannel:
    """One ``events.watch`` channel, as created (``id`` is Nudge's, ``resource_id`` Google's)."""

    id: str  # the channel ID Nudge chose (a UUID; at most 64 characters)
    user: str
    calendar_id: str = "primary"
    #: Google's opaque ``resourceId``; "" between saving the channel and ``watch`` answering.
    resource_id: str = ""
    #: SHA-256 (hex) of the per-channel secret token; the token itself is not kept.
    token_hash: str
    #: Epoch seconds when Google stops delivering (0 while unknown).
    expiration: float = 0.0
    created_at: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledMeeting:
    """A meeting ``/meet`` created, and where in Chat it was announced."""

    event_id: str  # the Calendar event ID (Nudge chose it: base32hex)
    user: str  # who created it (the organizer)
    space: str  # spaces/{id} it was announced in
    thread: str = ""  # spaces/{id}/threads/{id} of the announcement
    message: str = ""  # spaces/{id}/messages/{id} of the announcement
    title: str = ""
    start: float = 0.0  # epoch seconds
    #: The Meet space (``spaces/{id}`` in the Meet API) and its meeting code, once known.
    meet_space: str = ""
    meeting_code: str = ""
    #: The Workspace Events subscription watching the Meet space, if one was made.
    subscription: str = ""
    #: Names of artifacts (transcripts, recordings) already posted, so each posts once.
    posted: tuple[str, ...] = field(default_factory=tuple)
    created_at: float = 0.0
    version: int = 0


class CalendarStore(Protocol):
    """Connected calendars (by user, due sweep and due agenda), channels and /meet meetings."""

    # --- links --------------------------------------------------------------------------
    def get_link(self, user: str) -> CalendarLink | None: ...

    def add_link(self, link: CalendarLink) -> CalendarLink:
        """Store a new link (version 1, ``updated_at`` now, ``created_at`` now if 0) and return
        it as stored; ``ValueError`` if the user has one."""
        ...

    def save_link(self, link: CalendarLink) -> CalendarLink | None:
        """Write ``link`` if the stored version is still ``link.version``; the stored link
        (version bumped), or ``None`` when it changed or was deleted meanwhile."""
        ...

    def delete_link(self, user: str) -> bool: ...

    def links_due(self, now: float, *, limit: int) -> list[CalendarLink]:
        """Links whose ``next_sync`` is at or before ``now``, soonest first."""
        ...

    def agendas_due(self, now: float, *, limit: int) -> list[CalendarLink]:
        """Links whose ``agenda_next`` is at or before ``now``, soonest first."""
        ...

    def count_links(self) -> int: ...

    # --- channels -----------------------------------------------------------------------
    def put_channel(self, channel: WatchChannel) -> None:
        """Insert or replace by ``id`` (``created_at`` 0 is stored as now)."""
        ...

    def get_channel(self, channel_id: str) -> WatchChannel | None: ...

    def delete_channel(self, channel_id: str) -> bool: ...

    def channels_of(self, user: str) -> list[WatchChannel]:
        """The user's channels, newest first."""
        ...

    # --- meetings scheduled from Chat ---------------------------------------------------
    def add_meeting(self, meeting: ScheduledMeeting) -> ScheduledMeeting:
        """Store a new one (version 1, ``created_at`` now if 0) and return it as stored;
        ``ValueError`` if ``event_id`` exists."""
        ...

    def get_meeting(self, event_id: str) -> ScheduledMeeting | None: ...

    def meeting_by_meet_space(self, meet_space: str) -> ScheduledMeeting | None:
        """The meeting whose ``meet_space`` this is (``None`` for "")."""
        ...

    def save_meeting(self, meeting: ScheduledMeeting) -> ScheduledMeeting | None:
        """Compare-and-set on ``version``, as ``save_link`` (it has no ``updated_at``)."""
        ...

    def delete_meeting(self, event_id: str) -> bool: ...
