"""The SQLite schema as numbered migrations; ``PRAGMA user_version`` records the last applied.

Append a migration to change the schema; never edit one that has shipped.
Each runs in its own transaction, so a crash leaves the previous version intact.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    purpose: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "users' OAuth grants and used nonces",
        (
            """CREATE TABLE IF NOT EXISTS user_tokens (
                user_name TEXT PRIMARY KEY,
                sealed_refresh_token TEXT NOT NULL,
                scopes TEXT NOT NULL,
                email TEXT NOT NULL DEFAULT '',
                updated_at REAL NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS used_nonces (
                nonce TEXT PRIMARY KEY,
                expires_at REAL NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS used_nonces_expiry ON used_nonces (expires_at)",
        ),
    ),
    Migration(
        2,
        "reminders (due index, owner and space lookups) and users' time zones",
        (
            """CREATE TABLE reminders (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                text TEXT NOT NULL,
                space TEXT NOT NULL,
                origin_space TEXT NOT NULL,
                mention TEXT NOT NULL DEFAULT '',
                schedule TEXT NOT NULL,
                zone TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL,
                next_fire REAL,
                due_key TEXT NOT NULL DEFAULT '',
                thread_key TEXT NOT NULL DEFAULT '',
                nag_every INTEGER NOT NULL DEFAULT 0,
                nag_cap INTEGER NOT NULL DEFAULT 0,
                nag_count INTEGER NOT NULL DEFAULT 0,
                last_message TEXT NOT NULL DEFAULT '',
                note TEXT NOT NULL DEFAULT '',
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                version INTEGER NOT NULL,
                lease_owner TEXT NOT NULL DEFAULT '',
                lease_fire REAL
            )""",
            # Finding due reminders costs what is due, not what is stored.
            "CREATE INDEX reminders_due ON reminders (next_fire) WHERE state = 'active'",
            "CREATE INDEX reminders_owner ON reminders (owner, next_fire)",
            "CREATE INDEX reminders_space ON reminders (space)",
            "CREATE INDEX reminders_origin ON reminders (origin_space)",
            """CREATE TABLE users (
                user TEXT PRIMARY KEY,
                zone TEXT NOT NULL DEFAULT '',
                zone_source TEXT,
                locale TEXT NOT NULL DEFAULT '',
                updated_at REAL NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "handled Workspace events, subscriptions, and per-space automation settings",
        (
            """CREATE TABLE handled_events (
                key TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                until REAL NOT NULL
            )""",
            "CREATE INDEX handled_events_until ON handled_events (until)",
            """CREATE TABLE subscriptions (
                name TEXT PRIMARY KEY,
                space TEXT NOT NULL,
                state TEXT NOT NULL,
                expire_time REAL NOT NULL,
                record TEXT NOT NULL
            )""",
            "CREATE INDEX subscriptions_space ON subscriptions (space)",
            "CREATE INDEX subscriptions_expiry ON subscriptions (state, expire_time)",
            """CREATE TABLE space_settings (
                space TEXT PRIMARY KEY,
                version INTEGER NOT NULL,
                record TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        4,
        "the kind of a scheduled post (reminder, meeting…) and what it needs to render",
        (
            "ALTER TABLE reminders ADD COLUMN kind TEXT NOT NULL DEFAULT 'reminder'",
            "ALTER TABLE reminders ADD COLUMN payload TEXT NOT NULL DEFAULT '{}'",
            "DROP INDEX reminders_owner",
            "CREATE INDEX reminders_owner ON reminders (owner, kind, next_fire)",
        ),
    ),
    Migration(
        5,
        "connected calendars (due sweep and agenda indexes), their watch channels, "
        "and meetings scheduled from Chat",
        (
            """CREATE TABLE calendar_links (
                user TEXT PRIMARY KEY,
                calendar_id TEXT NOT NULL,
                state TEXT NOT NULL,
                email TEXT NOT NULL DEFAULT '',
                reminders_on INTEGER NOT NULL,
                minutes_before INTEGER NOT NULL,
                destination TEXT NOT NULL DEFAULT '',
                destination_name TEXT NOT NULL DEFAULT '',
                agenda_on INTEGER NOT NULL,
                agenda_time TEXT NOT NULL,
                kinds TEXT NOT NULL,
                zone TEXT NOT NULL DEFAULT '',
                zone_noted TEXT NOT NULL DEFAULT '',
                sync_token TEXT NOT NULL DEFAULT '',
                synced_at REAL NOT NULL,
                full_synced_at REAL NOT NULL,
                generation INTEGER NOT NULL,
                next_sync REAL,
                failures INTEGER NOT NULL,
                note TEXT NOT NULL DEFAULT '',
                agenda_next REAL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                version INTEGER NOT NULL
            )""",
            # The sweep and the agenda job cost what is due, not what is stored.
            "CREATE INDEX calendar_links_next_sync ON calendar_links (next_sync) "
            "WHERE next_sync IS NOT NULL",
            "CREATE INDEX calendar_links_agenda_next ON calendar_links (agenda_next) "
            "WHERE agenda_next IS NOT NULL",
            """CREATE TABLE calendar_channels (
                id TEXT PRIMARY KEY,
                user TEXT NOT NULL,
                calendar_id TEXT NOT NULL,
                resource_id TEXT NOT NULL DEFAULT '',
                token_hash TEXT NOT NULL,
                expiration REAL NOT NULL,
                created_at REAL NOT NULL
            )""",
            "CREATE INDEX calendar_channels_user ON calendar_channels (user)",
            """CREATE TABLE scheduled_meetings (
                event_id TEXT PRIMARY KEY,
                user TEXT NOT NULL,
                space TEXT NOT NULL,
                thread TEXT NOT NULL DEFAULT '',
                message TEXT NOT NULL DEFAULT '',
                title TEXT NOT NULL DEFAULT '',
                start REAL NOT NULL,
                meet_space TEXT NOT NULL DEFAULT '',
                meeting_code TEXT NOT NULL DEFAULT '',
                subscription TEXT NOT NULL DEFAULT '',
                posted TEXT NOT NULL,
                created_at REAL NOT NULL,
                version INTEGER NOT NULL
            )""",
            "CREATE INDEX scheduled_meetings_meet_space ON scheduled_meetings (meet_space)",
        ),
    ),
)

#: The schema version this code writes.
SCHEMA_VERSION = MIGRATIONS[-1].version


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Nudge; refusing to guess at its schema."""


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply every migration newer than the database; returns the versions applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the database has schema version {current}; this Nudge knows up to {SCHEMA_VERSION}"
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
