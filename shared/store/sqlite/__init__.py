"""The embedded SQLite backend: one database file, one repository per domain."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from shared.store.sqlite.calendars import SqliteCalendars
from shared.store.sqlite.database import SqliteDatabase
from shared.store.sqlite.reminders import SqliteReminders, SqliteUsers
from shared.store.sqlite.tokens import SqliteNonces, SqliteTokens
from shared.store.sqlite.workspace import SqliteEventLog, SqliteSpaceSettings, SqliteSubscriptions


class SqliteBackend:
    """Every repository Nudge needs, on one SQLite file (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.db = SqliteDatabase(path, clock=clock)
        self.tokens = SqliteTokens(self.db)
        self.nonces = SqliteNonces(self.db)
        self.reminders = SqliteReminders(self.db)
        self.users = SqliteUsers(self.db)
        self.events = SqliteEventLog(self.db)
        self.subscriptions = SqliteSubscriptions(self.db)
        self.spaces = SqliteSpaceSettings(self.db)
        self.calendars = SqliteCalendars(self.db)

    def __repr__(self) -> str:
        return f"SqliteBackend({self.db.path!r})"

    def close(self) -> None:
        self.db.close()


__all__ = ["SqliteBackend", "SqliteDatabase"]
