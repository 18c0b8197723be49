"""``CalendarStore`` on SQLite: three tables (migration 5), one column per record field.

Tuples are stored as JSON arrays, booleans as 0/1 and ``LinkState`` by value.
``save_link`` and ``save_meeting`` are compare-and-set, as reminders are saved: one
``UPDATE … WHERE key = ? AND version = ?``, which matches nothing once the row
changed or was deleted. The partial indexes on ``next_sync`` and ``agenda_next``
make the sweep and the agenda job cost what is due, not what is stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any, Generic, TypeVar

from shared.store.calendars import CalendarLink, LinkState, ScheduledMeeting, WatchChannel
from shared.store.sqlite.database import SqliteDatabase

R = TypeVar("R")


class _Table(Generic[R]):
    """How one record type maps to one table: a column per field, keyed by ``key``.

    Statements are built from the record's field names, never from input.
    """

    def __init__(
        self,
        name: str,
        record: Callable[..., R],
        columns: tuple[str, ...],
        key: str,
        *,
        tuples: frozenset[str] = frozenset(),
        bools: frozenset[str] = frozenset(),
        enums: dict[str, Callable[[Any], Any]] | None = None,
    ) -> None:
        self._record = record
        self.columns = columns
        self.key = key
        self._tuples = tuples
        self._bools = bools
        self._enums = enums or {}
        listed = ", ".join(columns)
        others = [c for c in columns if c != key]
        self.select = f"SELECT {listed} FROM {name}"  # noqa: S608
        self.insert = (
            f"INSERT INTO {name} ({listed}) "  # noqa: S608
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        replaced = ", ".join(f"{c} = excluded.{c}" for c in others)
        self.upsert = f"{self.insert} ON CONFLICT ({key}) DO UPDATE SET {replaced}"
        self.update = (
            f"UPDATE {name} SET "  # noqa: S608
            + ", ".join(f"{c} = ?" for c in others)
            + f" WHERE {key} = ? AND version = ?"
        )
        self.delete = f"DELETE FROM {name} WHERE {key} = ?"  # noqa: S608

    def row(self, record: R) -> tuple[Any, ...]:
        """The record's column values, in ``columns`` order."""
        values = []
        for name in self.columns:
            value = getattr(record, name)
            if name in self._tuples:
                value = json.dumps(list(value))
            elif name in self._bools:
                value = int(bool(value))
            elif name in self._enums:
                value = self._enums[name](value).value
            values.append(value)
        return tuple(values)

    def record(self, row: Sequence[Any]) -> R:
        values = dict(zip(self.columns, row, strict=True))
        for name in self._tuples:
            values[name] = tuple(json.loads(values[name]))
        for name in self._bools:
            values[name] = bool(values[name])
        for name, kind in self._enums.items():
            values[name] = kind(values[name])
        return self._record(**values)

    def updating(self, record: R, expected_version: int) -> tuple[Any, ...]:
        """Parameters of ``update``: the new values, then the key and the version expected."""
        values = dict(zip(self.columns, self.row(record), strict=True))
        key = values.pop(self.key)
        return (*values.values(), key, expected_version)


_LINKS = _Table(
    "calendar_links",
    CalendarLink,
    tuple(f.name for f in fields(CalendarLink)),
    "user",
    tuples=frozenset({"kinds"}),
    bools=frozenset({"reminders_on", "agenda_on"}),
    enums={"state": LinkState},
)
_CHANNELS = _Table(
    "calendar_channels", WatchChannel, tuple(f.name for f in fields(WatchChannel)), "id"
)
_MEETINGS = _Table(
    "scheduled_meetings",
    ScheduledMeeting,
    tuple(f.name for f in fields(ScheduledMeeting)),
    "event_id",
    tuples=frozenset({"posted"}),
)


class SqliteCalendars:
    """Calendar links, watch channels and meetings scheduled from Chat."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    # --- links --------------------------------------------------------------------------

    def get_link(self, user: str) -> CalendarLink | None:
        with self._db.connection() as conn:
            row = conn.execute(f"{_LINKS.select} WHERE user = ?", (user,)).fetchone()
        return _LINKS.record(row) if row else None

    def add_link(self, link: CalendarLink) -> CalendarLink:
        now = self._db.clock()
        stored = replace(link, version=1, created_at=link.created_at or now, updated_at=now)
        try:
            with self._db.connection() as conn:
                conn.execute(_LINKS.insert, _LINKS.row(stored))
        except sqlite3.IntegrityError:
            raise ValueError(f"{link.user} has a calendar link") from None
        return stored

    def save_link(self, link: CalendarLink) -> CalendarLink | None:
        stored = replace(link, version=link.version + 1, updated_at=self._db.clock())
        with self._db.connection() as conn:
            cursor = conn.execute(_LINKS.update, _LINKS.updating(stored, link.version))
        return stored if cursor.rowcount == 1 else None

    def delete_link(self, user: str) -> bool:
        return self._delete(_LINKS, user)

    def links_due(self, now: float, *, limit: int) -> list[CalendarLink]:
        return self._due("next_sync", now, limit)

    def agendas_due(self, now: float, *, limit: int) -> list[CalendarLink]:
        return self._due("agenda_next", now, limit)

    def _due(self, column: str, now: float, limit: int) -> list[CalendarLink]:
        if limit <= 0:
            return []  # SQLite reads a negative LIMIT as none at all
        with self._db.connection() as conn:
            rows = conn.execute(
                f"{_LINKS.select} WHERE {column} <= ? ORDER BY {column}, user LIMIT ?",
                (now, limit),
            ).fetchall()
        return [_LINKS.record(r) for r in rows]

    def count_links(self) -> int:
        with self._db.connection() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM calendar_links").fetchone()[0])

    # --- channels -----------------------------------------------------------------------

    def put_channel(self, channel: WatchChannel) -> None:
        stamped = replace(channel, created_at=channel.created_at or self._db.clock())
        with self._db.connection() as conn:
            conn.execute(_CHANNELS.upsert, _CHANNELS.row(stamped))

    def get_channel(self, channel_id: str) -> WatchChannel | None:
        with self._db.connection() as conn:
            row = conn.execute(f"{_CHANNELS.select} WHERE id = ?", (channel_id,)).fetchone()
        return _CHANNELS.record(row) if row else None

    def delete_channel(self, channel_id: str) -> bool:
        return self._delete(_CHANNELS, channel_id)

    def channels_of(self, user: str) -> list[WatchChannel]:
        with self._db.connection() as conn:
            rows = conn.execute(
                f"{_CHANNELS.select} WHERE user = ? ORDER BY created_at DESC, id", (user,)
            ).fetchall()
        return [_CHANNELS.record(r) for r in rows]

    # --- meetings scheduled from Chat ---------------------------------------------------

    def add_meeting(self, meeting: ScheduledMeeting) -> ScheduledMeeting:
        stored = replace(meeting, version=1, created_at=meeting.created_at or self._db.clock())
        try:
            with self._db.connection() as conn:
                conn.execute(_MEETINGS.insert, _MEETINGS.row(stored))
        except sqlite3.IntegrityError:
            raise ValueError(f"meeting {meeting.event_id} exists") from None
        return stored

    def get_meeting(self, event_id: str) -> ScheduledMeeting | None:
        with self._db.connection() as conn:
            row = conn.execute(f"{_MEETINGS.select} WHERE event_id = ?", (event_id,)).fetchone()
        return _MEETINGS.record(row) if row else None

    def meeting_by_meet_space(self, meet_space: str) -> ScheduledMeeting | None:
        if not meet_space:
            return None  # "" is "not known yet", never a Meet space
        with self._db.connection() as conn:
            row = conn.execute(
                f"{_MEETINGS.select} WHERE meet_space = ? ORDER BY event_id LIMIT 1",
                (meet_space,),
            ).fetchone()
        return _MEETINGS.record(row) if row else None

    def save_meeting(self, meeting: ScheduledMeeting) -> ScheduledMeeting | None:
        stored = replace(meeting, version=meeting.version + 1)
        with self._db.connection() as conn:
            cursor = conn.execute(_MEETINGS.update, _MEETINGS.updating(stored, meeting.version))
        return stored if cursor.rowcount == 1 else None

    def delete_meeting(self, event_id: str) -> bool:
        return self._delete(_MEETINGS, event_id)

    def _delete(self, table: _Table[Any], key: str) -> bool:
        with self._db.connection() as conn:
            cursor = conn.execute(table.delete, (key,))
        return cursor.rowcount > 0
