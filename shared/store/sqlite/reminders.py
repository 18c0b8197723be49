"""``ReminderStore`` and ``UserStore`` on SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from shared.store.reminders import MAX_CLAIM, Reminder, ReminderPage, ReminderState
from shared.store.sqlite.database import SqliteDatabase
from shared.store.users import UserPrefs, ZoneSource

_COLUMNS = (
    "id",
    "owner",
    "text",
    "kind",
    "payload",
    "space",
    "origin_space",
    "mention",
    "schedule",
    "zone",
    "state",
    "next_fire",
    "due_key",
    "thread_key",
    "nag_every",
    "nag_cap",
    "nag_count",
    "last_message",
    "note",
    "created_at",
    "updated_at",
    "version",
    "lease_owner",
    "lease_fire",
)
# Statements built from the constant column list above, never from input.
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM reminders"  # noqa: S608
_INSERT = (
    f"INSERT INTO reminders ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)
_UPDATE = (
    "UPDATE reminders SET "  # noqa: S608
    + ", ".join(f"{name} = ?" for name in _COLUMNS if name != "id")
    + " WHERE id = ? AND version = ?"
)


def _row(reminder: Reminder) -> tuple[Any, ...]:
    values = {name: getattr(reminder, name) for name in _COLUMNS}
    values["schedule"] = json.dumps(dict(reminder.schedule), sort_keys=True)
    values["payload"] = json.dumps(dict(reminder.payload), sort_keys=True)
    values["state"] = reminder.state.value
    return tuple(values[name] for name in _COLUMNS)


def _reminder(row: Sequence[Any]) -> Reminder:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["schedule"] = json.loads(values["schedule"])
    values["payload"] = json.loads(values["payload"])
    values["state"] = ReminderState(values["state"])
    return Reminder(**values)


class SqliteReminders:
    """Reminders in one table; the partial index on ``next_fire`` serves the tick."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def add(self, reminder: Reminder) -> None:
        try:
            with self._db.connection() as conn:
                conn.execute(_INSERT, _row(reminder))
        except sqlite3.IntegrityError:
            raise ValueError(f"reminder {reminder.id} exists") from None

    def get(self, reminder_id: str) -> Reminder | None:
        with self._db.connection() as conn:
            row = conn.execute(f"{_SELECT} WHERE id = ?", (reminder_id,)).fetchone()
        return _reminder(row) if row else None

    def save(self, reminder: Reminder) -> Reminder | None:
        stored = _replace_version(reminder, reminder.version + 1, self._db.clock())
        values = [v for name, v in zip(_COLUMNS, _row(stored), strict=True) if name != "id"]
        with self._db.connection() as conn:
            cursor = conn.execute(_UPDATE, (*values, reminder.id, reminder.version))
        return stored if cursor.rowcount == 1 else None

    def delete(self, reminder_id: str) -> bool:
        with self._db.connection() as conn:
            cursor = conn.execute("DELETE FROM reminders WHERE id = ?", (reminder_id,))
        return cursor.rowcount > 0

    def owned_by(
        self, owner: str, *, kind: str = "reminder", offset: int = 0, limit: int = 10
    ) -> ReminderPage:
        with self._db.connection() as conn:
            total = conn.execute(
                "SELECT COUNT(*) FROM reminders WHERE owner = ? AND kind = ? AND state != 'done'",
                (owner, kind),
            ).fetchone()[0]
            rows = conn.execute(
                f"{_SELECT} WHERE owner = ? AND kind = ? AND state != 'done' "
                "ORDER BY next_fire IS NULL, next_fire, id LIMIT ? OFFSET ?",
                (owner, kind, limit, offset),
            ).fetchall()
        items = tuple(_reminder(r) for r in rows)
        more = offset + len(items) < total
        return ReminderPage(items, int(total), offset + len(items) if more else None)

    def listing(self, *, offset: int = 0, limit: int = 100) -> ReminderPage:
        with self._db.connection() as conn:
            total = conn.execute("SELECT COUNT(*) FROM reminders").fetchone()[0]
            rows = conn.execute(
                f"{_SELECT} ORDER BY next_fire IS NULL, next_fire, id LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        items = tuple(_reminder(r) for r in rows)
        more = offset + len(items) < total
        return ReminderPage(items, int(total), offset + len(items) if more else None)

    def in_space(self, space: str) -> list[Reminder]:
        with self._db.connection() as conn:
            rows = conn.execute(
                f"{_SELECT} WHERE space = ? OR origin_space = ? ORDER BY id", (space, space)
            ).fetchall()
        return [_reminder(r) for r in rows]

    def claim_due(
        self, now: float, *, limit: int, lease_seconds: float, worker: str
    ) -> list[Reminder]:
        limit = max(0, min(limit, MAX_CLAIM))
        claimed: list[Reminder] = []
        with self._db.transaction() as conn:
            rows = conn.execute(
                f"{_SELECT} WHERE state = 'active' AND next_fire <= ? ORDER BY next_fire LIMIT ?",
                (now, limit),
            ).fetchall()
            until = now + lease_seconds
            for row in rows:
                due = _reminder(row)
                fire = due.lease_fire if due.lease_fire is not None else due.next_fire
                conn.execute(
                    "UPDATE reminders SET next_fire = ?, lease_owner = ?, lease_fire = ?, "
                    "version = version + 1 WHERE id = ?",
                    (until, worker, fire, due.id),
                )
                claimed.append(_replace_lease(due, until, worker, fire, due.version + 1))
        return claimed

    def count_due(self, now: float) -> int:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM reminders WHERE state = 'active' AND next_fire <= ?",
                (now,),
            ).fetchone()
        return int(row[0])


def _replace_version(reminder: Reminder, version: int, now: float) -> Reminder:
    return replace(reminder, version=version, updated_at=now)


def _replace_lease(
    reminder: Reminder, until: float, worker: str, fire: float | None, version: int
) -> Reminder:
    return replace(reminder, next_fire=until, lease_owner=worker, lease_fire=fire, version=version)


class SqliteUsers:
    """Per-user preferences."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get_user(self, user: str) -> UserPrefs | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT zone, zone_source, locale, updated_at FROM users WHERE user = ?", (user,)
            ).fetchone()
        if row is None:
            return None
        source = ZoneSource(row[1]) if row[1] else None
        return UserPrefs(user, row[0], source, row[2], row[3])

    def put_user(self, prefs: UserPrefs) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "INSERT INTO users (user, zone, zone_source, locale, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user) DO UPDATE SET zone = excluded.zone, "
                "zone_source = excluded.zone_source, locale = excluded.locale, "
                "updated_at = excluded.updated_at",
                (
                    prefs.user,
                    prefs.zone,
                    prefs.zone_source.value if prefs.zone_source else None,
                    prefs.locale,
                    prefs.updated_at or self._db.clock(),
                ),
            )
