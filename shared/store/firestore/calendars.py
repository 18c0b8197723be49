"""``CalendarStore`` on Firestore: three collections, one document per key.

* ``{prefix}calendar_links``: one per user (the ID is the percent-encoded user name,
  ``users%2F123``). ``links_due`` and ``agendas_due`` are one range on one field
  each (``next_sync <= now ORDER BY next_sync``; likewise ``agenda_next``), which
  Firestore's automatic single-field indexes serve; a ``None`` (stored as null)
  never matches a numeric range. ``count_links`` is an aggregation query.
* ``{prefix}calendar_channels``: one per ``events.watch`` channel, keyed by its ID.
  ``channels_of`` is equality on ``user`` (automatic index); a user has one or two
  channels (two while one is renewed), so they are sorted here, newest first,
  rather than with an ORDER BY that would need a composite index.
* ``{prefix}scheduled_meetings``: one per event ID; ``meeting_by_meet_space`` is
  equality on ``meet_space`` (automatic index).

Every field of a record is a native Firestore value (tuples as arrays, ``LinkState``
by value). ``save_link`` and ``save_meeting`` are compare-and-set on ``version`` as
reminders are saved: read, check the version, then update conditional on the
``update_time`` as read, so a write or delete in between makes the save fail.

These collections needed no schema migration: they are new, nothing older wrote
them, and an older Nudge never reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, TypeVar

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from shared.store.calendars import CalendarLink, LinkState, ScheduledMeeting, WatchChannel
from shared.store.firestore.database import FirestoreDatabase, doc_id

LINKS = "calendar_links"
CHANNELS = "calendar_channels"
MEETINGS = "scheduled_meetings"

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class _Layout(Generic[R]):
    """How one record type is written: which fields are arrays, numbers, booleans, enums."""

    record: Callable[..., R]
    names: tuple[str, ...]
    tuples: frozenset[str] = frozenset()
    floats: frozenset[str] = frozenset()
    ints: frozenset[str] = frozenset()
    bools: frozenset[str] = frozenset()
    enums: Mapping[str, Callable[[Any], Any]] | None = None

    def document(self, record: R) -> dict[str, Any]:
        """Every field of ``record`` (``None`` included, as null)."""
        enums = self.enums or {}
        data: dict[str, Any] = {}
        for name in self.names:
            value = getattr(record, name)
            if name in self.tuples:
                value = list(value)
            elif name in enums:
                value = enums[name](value).value
            elif name in self.bools:
                value = bool(value)
            elif value is None:
                pass
            elif name in self.floats:
                value = float(value)
            elif name in self.ints:
                value = int(value)
            data[name] = value
        return data

    def read(self, snapshot: firestore.DocumentSnapshot[Any]) -> R:
        """The record stored in ``snapshot`` (a field it lacks keeps its default)."""
        data = snapshot.to_dict() or {}
        enums = self.enums or {}
        values: dict[str, Any] = {}
        for name in self.names:
            if name not in data:
                continue
            value = data[name]
            if name in self.tuples:
                value = tuple(value or ())
            elif name in enums:
                value = enums[name](value)
            elif value is not None and name in self.floats:
                value = float(value)
            values[name] = value
        return self.record(**values)


_LINK = _Layout(
    CalendarLink,
    tuple(f.name for f in fields(CalendarLink)),
    tuples=frozenset({"kinds"}),
    floats=frozenset(
        {"synced_at", "full_synced_at", "next_sync", "agenda_next", "created_at", "updated_at"}
    ),
    ints=frozenset({"minutes_before", "generation", "failures", "version"}),
    bools=frozenset({"reminders_on", "agenda_on"}),
    enums={"state": LinkState},
)
_CHANNEL = _Layout(
    WatchChannel,
    tuple(f.name for f in fields(WatchChannel)),
    floats=frozenset({"expiration", "created_at"}),
)
_MEETING = _Layout(
    ScheduledMeeting,
    tuple(f.name for f in fields(ScheduledMeeting)),
    tuples=frozenset({"posted"}),
    floats=frozenset({"start", "created_at"}),
    ints=frozenset({"version"}),
)


def link_document(link: CalendarLink) -> dict[str, Any]:
    """What ``add_link`` and ``save_link`` write for ``link``."""
    return _LINK.document(link)


class FirestoreCalendars:
    """Calendar links, watch channels and meetings scheduled from Chat."""

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def _ref(self, collection: str, key: str) -> firestore.DocumentReference:
        return self._db.collection(collection).document(doc_id(key))

    def _where(self, collection: str, field: str, op: str, value: Any) -> Any:
        return self._db.collection(collection).where(filter=FieldFilter(field, op, value))

    def _create(self, collection: str, key: str, document: dict[str, Any], what: str) -> None:
        try:
            self._ref(collection, key).create(document)
        except exceptions.AlreadyExists:
            raise ValueError(f"{what} exists") from None

    def _save(self, collection: str, key: str, version: int, document: dict[str, Any]) -> bool:
        """Write ``document`` if the stored version is still ``version`` (compare-and-set)."""
        ref = self._ref(collection, key)
        snapshot = ref.get()
        if not snapshot.exists or snapshot.get("version") != version:
            return False
        option = self._db.write_option(last_update_time=snapshot.update_time)
        try:
            ref.update(document, option=option)
        except (exceptions.FailedPrecondition, exceptions.NotFound):
            return False  # changed or deleted since we read it
        return True

    def _delete(self, collection: str, key: str) -> bool:
        try:
            self._ref(collection, key).delete(option=self._db.write_option(exists=True))
        except exceptions.NotFound:
            return False
        return True

    # --- links --------------------------------------------------------------------------

    def get_link(self, user: str) -> CalendarLink | None:
        snapshot = self._ref(LINKS, user).get()
        return _LINK.read(snapshot) if snapshot.exists else None

    def add_link(self, link: CalendarLink) -> CalendarLink:
        now = self._db.clock()
        stored = replace(link, version=1, created_at=link.created_at or now, updated_at=now)
        self._create(LINKS, link.user, link_document(stored), f"{link.user}'s calendar link")
        return stored

    def save_link(self, link: CalendarLink) -> CalendarLink | None:
        stored = replace(link, version=link.version + 1, updated_at=self._db.clock())
        saved = self._save(LINKS, link.user, link.version, link_document(stored))
        return stored if saved else None

    def delete_link(self, user: str) -> bool:
        return self._delete(LINKS, user)

    def links_due(self, now: float, *, limit: int) -> list[CalendarLink]:
        return self._due("next_sync", now, limit)

    def agendas_due(self, now: float, *, limit: int) -> list[CalendarLink]:
        return self._due("agenda_next", now, limit)

    def _due(self, field: str, now: float, limit: int) -> list[CalendarLink]:
        if limit <= 0:
            return []
        # One range on one field, ordered by it: the automatic single-field index.
        query = self._where(LINKS, field, "<=", float(now)).order_by(field).limit(limit)
        return [_LINK.read(s) for s in query.stream()]

    def count_links(self) -> int:
        everything: Any = self._db.collection(LINKS)  # count() is untyped in the library
        result = everything.count(alias="n").get()
        return int(result[0][0].value)

    # --- channels -----------------------------------------------------------------------

    def put_channel(self, channel: WatchChannel) -> None:
        stamped = replace(channel, created_at=channel.created_at or self._db.clock())
        self._ref(CHANNELS, channel.id).set(_CHANNEL.document(stamped))

    def get_channel(self, channel_id: str) -> WatchChannel | None:
        snapshot = self._ref(CHANNELS, channel_id).get()
        return _CHANNEL.read(snapshot) if snapshot.exists else None

    def delete_channel(self, channel_id: str) -> bool:
        return self._delete(CHANNELS, channel_id)

    def channels_of(self, user: str) -> list[WatchChannel]:
        # Equality only (the automatic index); a user has one or two, sorted here.
        found = [_CHANNEL.read(s) for s in self._where(CHANNELS, "user", "==", user).stream()]
        return sorted(found, key=lambda channel: (-channel.created_at, channel.id))

    # --- meetings scheduled from Chat ---------------------------------------------------

    def add_meeting(self, meeting: ScheduledMeeting) -> ScheduledMeeting:
        stored = replace(meeting, version=1, created_at=meeting.created_at or self._db.clock())
        what = f"meeting {meeting.event_id}"
        self._create(MEETINGS, meeting.event_id, _MEETING.document(stored), what)
        return stored

    def get_meeting(self, event_id: str) -> ScheduledMeeting | None:
        snapshot = self._ref(MEETINGS, event_id).get()
        return _MEETING.read(snapshot) if snapshot.exists else None

    def meeting_by_meet_space(self, meet_space: str) -> ScheduledMeeting | None:
        if not meet_space:
            return None  # "" is "not known yet", never a Meet space
        query = self._where(MEETINGS, "meet_space", "==", meet_space).limit(1)
        found = [_MEETING.read(s) for s in query.stream()]
        return found[0] if found else None

    def save_meeting(self, meeting: ScheduledMeeting) -> ScheduledMeeting | None:
        stored = replace(meeting, version=meeting.version + 1)
        saved = self._save(MEETINGS, meeting.event_id, meeting.version, _MEETING.document(stored))
        return stored if saved else None

    def delete_meeting(self, event_id: str) -> bool:
        return self._delete(MEETINGS, event_id)
