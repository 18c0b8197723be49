"""One SQLite file (WAL), migrated on first use, shared by threads behind a lock.

Good for local runs, tests and single-instance deployments. On Cloud
Functions the filesystem is per instance and temporary (only ``/tmp`` is
writable), so deployments with more than one instance use Firestore.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.store.sqlite.migrations import migrate

log = logging.getLogger(__name__)


def _use_wal(conn: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch to WAL once per file; several handles opening a new file at once may race.

    Changing the journal mode needs the file to itself and does not wait on the busy
    handler, so a handle that loses the race retries briefly (a database already in
    WAL mode needs nothing).
    """
    for attempt in range(attempts):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


class SqliteDatabase:
    """The connection to one database file (``":memory:"`` works for tests)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self.clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"SqliteDatabase({self.path!r})"

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            file = Path(self.path)
            file.parent.mkdir(parents=True, exist_ok=True)
            if not file.exists():
                # Owner-only from the start: the file holds (sealed) credentials.
                os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
        conn.execute("PRAGMA busy_timeout=5000")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        applied = migrate(conn)
        if applied:
            log.info(
                "migrated the store schema",
                extra={"fields": {"path": self.path, "versions": applied}},
            )
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """The connection, held exclusively for the block."""
        with self._lock:
            if self._conn is None:
                self._conn = self._connect()
            yield self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), committed unless the block raises."""
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
