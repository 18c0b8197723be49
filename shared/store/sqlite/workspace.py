"""``EventLog``, ``SubscriptionStore`` and ``SpaceSettingsStore`` on SQLite."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Any

from shared.store.events import Begin
from shared.store.spaces import SpaceSettings
from shared.store.sqlite.database import SqliteDatabase
from shared.store.subscriptions import SubscriptionRecord

#: Expired marks are pruned at most this often (seconds).
PRUNE_EVERY_SECONDS = 300.0


class SqliteEventLog:
    """Handled-event marks; a lease that ran out counts as never begun."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._last_prune = 0.0

    def begin(self, key: str, *, now: float, lease_seconds: float) -> Begin:
        with self._db.transaction() as conn:
            if now - self._last_prune >= PRUNE_EVERY_SECONDS:
                conn.execute("DELETE FROM handled_events WHERE until < ?", (now,))
                self._last_prune = now
            row = conn.execute(
                "SELECT state, until FROM handled_events WHERE key = ?", (key,)
            ).fetchone()
            if row is not None and row[1] >= now:
                return Begin.DONE if row[0] == "done" else Begin.BUSY
            conn.execute(
                "INSERT INTO handled_events (key, state, until) VALUES (?, 'busy', ?) "
                "ON CONFLICT (key) DO UPDATE SET state = 'busy', until = excluded.until",
                (key, now + lease_seconds),
            )
            return Begin.NEW

    def finish(self, key: str, *, expires_at: float) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "INSERT INTO handled_events (key, state, until) VALUES (?, 'done', ?) "
                "ON CONFLICT (key) DO UPDATE SET state = 'done', until = excluded.until",
                (key, expires_at),
            )

    def abandon(self, key: str) -> None:
        with self._db.connection() as conn:
            conn.execute("DELETE FROM handled_events WHERE key = ? AND state = 'busy'", (key,))


def _to_json(record: Any) -> str:
    return json.dumps(asdict(record), sort_keys=True)


def _subscription(text: str) -> SubscriptionRecord:
    data = json.loads(text)
    data["event_types"] = tuple(data.get("event_types", ()))
    data["notes"] = tuple(data.get("notes", ()))
    return SubscriptionRecord(**data)


class SqliteSubscriptions:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def put_subscription(self, record: SubscriptionRecord) -> None:
        stamped = replace(record, updated_at=self._db.clock())
        with self._db.connection() as conn:
            conn.execute(
                "INSERT INTO subscriptions (name, space, state, expire_time, record) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET space = excluded.space, "
                "state = excluded.state, expire_time = excluded.expire_time, "
                "record = excluded.record",
                (
                    stamped.name,
                    stamped.space,
                    stamped.state,
                    stamped.expire_time,
                    _to_json(stamped),
                ),
            )

    def get_subscription(self, name: str) -> SubscriptionRecord | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT record FROM subscriptions WHERE name = ?", (name,)
            ).fetchone()
        return _subscription(row[0]) if row else None

    def delete_subscription(self, name: str) -> bool:
        with self._db.connection() as conn:
            cursor = conn.execute("DELETE FROM subscriptions WHERE name = ?", (name,))
        return cursor.rowcount > 0

    def subscriptions_for(self, space: str) -> list[SubscriptionRecord]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT record FROM subscriptions WHERE space = ? ORDER BY name", (space,)
            ).fetchall()
        return [_subscription(r[0]) for r in rows]

    def expiring_before(self, instant: float) -> list[SubscriptionRecord]:
        with self._db.connection() as conn:
            rows = conn.execute(
                "SELECT record FROM subscriptions WHERE state = 'ACTIVE' AND expire_time < ? "
                "ORDER BY expire_time",
                (instant,),
            ).fetchall()
        return [_subscription(r[0]) for r in rows]


def _settings(text: str) -> SpaceSettings:
    data = json.loads(text)
    data["watch_words"] = tuple(data.get("watch_words", ()))
    return SpaceSettings(**data)


class SqliteSpaceSettings:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get_space(self, space: str) -> SpaceSettings | None:
        with self._db.connection() as conn:
            row = conn.execute(
                "SELECT record FROM space_settings WHERE space = ?", (space,)
            ).fetchone()
        return _settings(row[0]) if row else None

    def put_space(self, settings: SpaceSettings) -> SpaceSettings | None:
        stored = replace(settings, version=settings.version + 1, updated_at=self._db.clock())
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT version FROM space_settings WHERE space = ?", (settings.space,)
            ).fetchone()
            current = row[0] if row else 0
            if current != settings.version:
                return None
            conn.execute(
                "INSERT INTO space_settings (space, version, record) VALUES (?, ?, ?) "
                "ON CONFLICT (space) DO UPDATE SET version = excluded.version, "
                "record = excluded.record",
                (stored.space, stored.version, _to_json(stored)),
            )
        return stored
