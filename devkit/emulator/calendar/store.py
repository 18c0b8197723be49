"""In-memory Calendar state: users, their primary calendars, events and Meet spaces.

An event is stored once, as a ``Record`` owned by its organizer's calendar;
every calendar that shows it (the organizer's, and each invited attendee's
who is a user of this emulator) holds an ``Entry`` pointing at the record.
So an attendee's ``responseStatus`` is one value that every copy shows, and
the ``self`` flags are computed per viewer when an event is rendered.

Every change takes the next value of one global sequence number. Entries and
instance overrides remember the number of their last change, which is what
sync tokens compare against: a delta is "everything whose number is above
the token's". Removing an event from a calendar leaves a tombstone there
(``Entry.removed``) so that deltas can report it as cancelled.

One re-entrant lock guards everything; services hold it for a whole
operation. ``listeners`` hear which calendars changed (the push notifier).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from devkit.emulator.calendar.errors import not_found
from devkit.emulator.calendar.times import valid_zone

Json = dict[str, Any]
Listener = Callable[[set[str]], None]

DEFAULT_USERS: tuple[tuple[str, str, str, str], ...] = (
    # email, users/{id} (as in the Chat emulator), display name, calendar zone
    ("dev@example.com", "users/100000000000000000001", "Dev User", "America/New_York"),
    ("alex@example.com", "users/100000000000000000002", "Alex Example", "Europe/Berlin"),
)
_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


def base32hex_id(seed: str, length: int = 26) -> str:
    """A Calendar-style id (``[a-v0-9]``) derived from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    bits = int.from_bytes(digest, "big")
    return "".join(_BASE32HEX[(bits >> (5 * i)) & 31] for i in range(length))


def user_name_for(email: str) -> str:
    number = int(hashlib.sha256(email.lower().encode()).hexdigest(), 16) % 10**20
    return f"users/1{number:020d}"


@dataclass
class User:
    email: str
    name: str  # users/{id}
    display_name: str
    #: The ``timezone`` setting; ``None`` means "at its default, not returned".
    timezone_setting: str | None


@dataclass
class Entry:
    record: str  # Record.key
    version: int
    removed: bool = False  # no longer on this calendar: deltas report it cancelled
    hidden: bool = False  # removed by the calendar's owner (an attendee's delete)


@dataclass
class Calendar:
    id: str  # the owner's email (every calendar here is a primary calendar)
    owner: str
    time_zone: str
    updated: float
    generation: int = 0  # bumped to expire every sync token of this calendar
    entries: dict[str, Entry] = field(default_factory=dict)  # event id -> entry


@dataclass
class Override:
    """An exception of a series: a moved, changed or cancelled instance."""

    key: str  # When.key() of the original start
    original: Json  # stored form of the original start
    data: Json  # fields that replace the series' ones for this instance
    cancelled: bool
    version: int
    updated: float


@dataclass
class Record:
    key: str  # "{owner}/{id}"
    id: str
    owner: str  # the organizer's calendar id (email)
    creator: str
    data: Json  # stored fields: start/end in stored form, attendees, summary, ...
    created: float
    updated: float
    version: int
    sequence: int = 0
    overrides: dict[str, Override] = field(default_factory=dict)
    send_updates: list[Json] = field(default_factory=list)

    @property
    def recurring(self) -> bool:
        return bool(self.data.get("recurrence"))

    @property
    def deleted(self) -> bool:
        """Deleting an event cancels it; patching its status back restores it (as Google)."""
        return self.data.get("status") == "cancelled"


@dataclass
class MeetSpace:
    name: str  # spaces/{id}
    code: str  # abc-defg-hij
    owner: str  # email
    created: float
    event: str = ""  # Record.key of the event whose conference this is


@dataclass
class Knobs:
    """Behaviour switches a test or the control API sets (``reset`` restores them)."""

    short_pages: bool = False  # list pages shorter than maxResults, the first one empty
    conference_status: str = "success"  # what createRequest yields: success|pending|failure
    horizon_days: int = 730  # how far open-ended series expand without timeMax


class Store:
    """All Calendar and Meet data, guarded by ``lock``."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.listeners: list[Listener] = []
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.users: dict[str, User] = {}
            self.calendars: dict[str, Calendar] = {}
            self.records: dict[str, Record] = {}
            self.spaces: dict[str, MeetSpace] = {}  # by name
            self.conference_records: dict[str, Json] = {}
            self.knobs = Knobs()
            self.seq = 0

    def seed_defaults(self) -> None:
        with self.lock:
            for email, name, display, tz in DEFAULT_USERS:
                self.add_user(email, name=name, display_name=display, time_zone=tz)

    def next_seq(self) -> int:
        with self.lock:
            self.seq += 1
            return self.seq

    def now(self) -> float:
        return self.clock()

    # --- users and calendars ---------------------------------------------------------------

    def add_user(
        self,
        email: str,
        *,
        name: str | None = None,
        display_name: str = "",
        time_zone: str = "UTC",
        timezone_setting: str | None = "",
    ) -> User:
        """Create (or update) a user and their primary calendar.

        ``timezone_setting`` ``""`` means "same as the calendar"; ``None`` means
        the setting is at its default and ``settings.get`` will not find it.
        """
        email = email.strip().lower()
        if "@" not in email:
            raise ValueError(f"a calendar user is an email address, not {email!r}")
        if not valid_zone(time_zone):
            raise ValueError(f"unknown time zone {time_zone!r}")
        setting = time_zone if timezone_setting == "" else timezone_setting
        if setting is not None and not valid_zone(setting):
            raise ValueError(f"unknown time zone {setting!r}")
        with self.lock:
            user = self.users.get(email)
            if user is None:
                user = User(email, name or user_name_for(email), display_name or email, setting)
                self.users[email] = user
                self.calendars[email] = Calendar(email, email, time_zone, self.now())
            else:
                user.display_name = display_name or user.display_name
                user.timezone_setting = setting
                self.calendars[email].time_zone = time_zone
            return user

    def user(self, email: str) -> User:
        found = self.users.get(email.strip().lower())
        if found is None:
            raise ValueError(f"no calendar user {email!r}")
        return found

    def calendar_for(self, viewer: str, calendar_id: str) -> Calendar:
        """The calendar ``calendar_id`` (``primary`` or an email) as ``viewer`` sees it; 404."""
        wanted = viewer if calendar_id == "primary" else calendar_id.strip().lower()
        calendar = self.calendars.get(wanted)
        if calendar is None or calendar.owner != viewer:
            raise not_found()  # no sharing is modelled: other people's calendars are unseen
        return calendar

    # --- records ------------------------------------------------------------------------------

    def find(self, calendar: Calendar, event_id: str) -> tuple[Record, Entry] | None:
        entry = calendar.entries.get(event_id)
        if entry is None:
            return None
        return self.records[entry.record], entry

    def wanted_calendars(self, record: Record) -> set[str]:
        wanted = {record.owner}
        for attendee in record.data.get("attendees") or []:
            email = str(attendee.get("email", "")).lower()
            if email in self.calendars and not attendee.get("resource"):
                wanted.add(email)
        return wanted

    def showing(self, record: Record) -> list[Calendar]:
        """Calendars that hold a live (not removed) entry for ``record``."""
        out = []
        for calendar in self.calendars.values():
            entry = calendar.entries.get(record.id)
            if entry is not None and entry.record == record.key and not entry.removed:
                out.append(calendar)
        return out

    def commit(self, record: Record, *, hide_for: Iterable[str] = ()) -> int:
        """Record a change of ``record``: entries follow its attendees; push listeners hear.

        ``hide_for`` names calendars whose owner removed the event from their
        calendar (an attendee's delete): it stays hidden there from then on.
        """
        with self.lock:
            seq = self.next_seq()
            now = self.now()
            record.version, record.updated = seq, now
            self.records[record.key] = record
            wanted, hide = self.wanted_calendars(record), set(hide_for)
            changed: set[str] = set()
            for calendar in self.calendars.values():
                entry = calendar.entries.get(record.id)
                if entry is not None and entry.record != record.key:
                    continue  # another record already uses this id in that calendar
                if entry is not None and calendar.id in hide:
                    entry.hidden = True
                show = calendar.id in wanted and not (entry is not None and entry.hidden)
                if show and entry is None:
                    calendar.entries[record.id] = Entry(record.key, seq)
                elif show and entry is not None:
                    entry.version, entry.removed = seq, False
                elif entry is not None and not entry.removed:
                    entry.version, entry.removed = seq, True
                else:
                    continue
                calendar.updated = now
                changed.add(calendar.id)
            self._notify(changed)
            return seq

    def commit_override(self, record: Record, override: Override) -> int:
        with self.lock:
            seq = self.next_seq()
            now = self.now()
            override.version, override.updated = seq, now
            record.overrides[override.key] = override
            changed = {calendar.id for calendar in self.showing(record)}
            for calendar_id in changed:
                self.calendars[calendar_id].updated = now
            self._notify(changed)
            return seq

    def _notify(self, changed: set[str]) -> None:
        if changed:
            for listener in list(self.listeners):
                listener(set(changed))

    # --- Meet -------------------------------------------------------------------------------

    def new_space(self, owner: str, seed: str) -> MeetSpace:
        with self.lock:
            letters = base32hex_id(seed, 20)
            alphabet = "abcdefghijklmnopqrstuvwxyz"
            raw = "".join(alphabet[int(c, 32) % 26] for c in letters[:10])
            code = f"{raw[:3]}-{raw[3:7]}-{raw[7:10]}"
            space_id = base64.urlsafe_b64encode(hashlib.sha256(code.encode()).digest()[:9]).decode()
            space = MeetSpace(f"spaces/{space_id}", code, owner, self.now())
            self.spaces[space.name] = space
            return space

    def space(self, name_or_code: str) -> MeetSpace | None:
        found = self.spaces.get(name_or_code)
        if found is not None:
            return found
        code = name_or_code.removeprefix("spaces/")
        return next((s for s in self.spaces.values() if s.code == code), None)
