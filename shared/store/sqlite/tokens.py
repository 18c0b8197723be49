"""``TokenStore`` and ``NonceStore`` on SQLite."""

from __future__ import annotations

from shared.store.sqlite.database import SqliteDatabase
from shared.store.tokens import StoredToken
from shared.util.crypto import looks_sealed

#: Expired nonces are pruned at most this often.
PRUNE_EVERY_SECONDS = 300.0


class SqliteTokens:
    """Users' OAuth grants; refuses to store a refresh token that is not sealed."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get_token(self, user_name: str) -> StoredToken | None:
        with self._db.connection() as conn:
            row = conn.execute(
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
        with self._db.connection() as conn:
            conn.execute(
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
                    token.updated_at or self._db.clock(),
                ),
            )

    def delete_token(self, user_name: str) -> bool:
        with self._db.connection() as conn:
            cursor = conn.execute("DELETE FROM user_tokens WHERE user_name = ?", (user_name,))
            return cursor.rowcount > 0


class SqliteNonces:
    """Single-use nonces, pruned once expired."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._last_prune = 0.0

    def use_nonce(self, nonce: str, expires_at: float) -> bool:
        now = self._db.clock()
        with self._db.connection() as conn:
            if now - self._last_prune >= PRUNE_EVERY_SECONDS:
                conn.execute("DELETE FROM used_nonces WHERE expires_at < ?", (now,))
                self._last_prune = now
            cursor = conn.execute(
                "INSERT INTO used_nonces (nonce, expires_at) VALUES (?, ?) "
                "ON CONFLICT (nonce) DO NOTHING",
                (nonce, expires_at),
            )
            return cursor.rowcount == 1
