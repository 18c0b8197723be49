"""The embedded store: one SQLite file (WAL), created with its schema on first use.

Good for local runs, tests and single-instance deployments. On Cloud
Functions the filesystem is per instance and temporary, so production with
more than one instance wants a shared store implementing ``shared.store.base``.
One connection is shared by all threads behind a lock; statements are short.
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

from shared.auth.crypto import looks_sealed
from shared.config import Settings
from shared.store.base import StoredToken

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS user_tokens (
    user_name TEXT PRIMARY KEY,
    sealed_refresh_token TEXT NOT NULL,
    scopes TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS used_nonces (
    nonce TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS used_nonces_expiry ON used_nonces (expires_at);
"""
#: Expired nonces are pruned at most this often.
PRUNE_EVERY_SECONDS = 300.0


class SqliteStore:
    """``shared.store.base.Store`` on SQLite; ``":memory:"`` works for tests."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._last_prune = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SqliteStore:
        return cls(settings.database)

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    # --- plumbing -----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            file = Path(self.path)
            file.parent.mkdir(parents=True, exist_ok=True)
            if not file.exists():
                # Owner-only from the start: the file holds (sealed) credentials.
                os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=5000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            log.info("created store schema", extra={"fields": {"path": self.path}})
        return conn

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                self._conn = self._connect()
            yield self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- tokens -------------------------------------------------------------------

    def get_token(self, user_name: str) -> StoredToken | None:
        with self._db() as db:
            row = db.execute(
                "SELECT sealed_refresh_token, scopes, email, updated_at FROM user_tokens "
                "WHERE user_name = ?",
                (user_name,),
            ).fetchone()
        if row is None:
            return None
        return StoredToken(
            user_name=user_name,
            sealed_refresh_token=row[0],
            scopes=frozenset(row[1].split()),
            email=row[2],
            updated_at=row[3],
        )

    def put_token(self, token: StoredToken) -> None:
        if not looks_sealed(token.sealed_refresh_token):
            raise ValueError("refusing to store a refresh token that is not sealed")
        with self._db() as db:
            db.execute(
                "INSERT INTO user_tokens "
                "(user_name, sealed_refresh_token, scopes, email, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_name) DO UPDATE SET "
                "sealed_refresh_token = excluded.sealed_refresh_token, scopes = excluded.scopes, "
                "email = excluded.email, updated_at = excluded.updated_at",
                (
                    token.user_name,
                    token.sealed_refresh_token,
                    " ".join(sorted(token.scopes)),
                    token.email,
                    token.updated_at or self._clock(),
                ),
            )

    def delete_token(self, user_name: str) -> bool:
        with self._db() as db:
            cursor = db.execute("DELETE FROM user_tokens WHERE user_name = ?", (user_name,))
            return cursor.rowcount > 0

    # --- nonces -------------------------------------------------------------------

    def use_nonce(self, nonce: str, expires_at: float) -> bool:
        now = self._clock()
        with self._db() as db:
            if now - self._last_prune >= PRUNE_EVERY_SECONDS:
                db.execute("DELETE FROM used_nonces WHERE expires_at < ?", (now,))
                self._last_prune = now
            cursor = db.execute(
                "INSERT INTO used_nonces (nonce, expires_at) VALUES (?, ?) "
                "ON CONFLICT (nonce) DO NOTHING",
                (nonce, expires_at),
            )
            return cursor.rowcount == 1
