"""The SQLite store: schema on first use, WAL, no plaintext tokens, single-use nonces."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from shared.store.sqlite import SqliteBackend
from shared.store.tokens import StoredToken
from shared.util.crypto import TokenCipher

SECRET = "1//0g-very-secret-refresh-token-ABCDEF"


def test_creates_parent_dir_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "nudge.db"
    store = SqliteBackend(path)
    assert store.tokens.get_token("users/1") is None
    assert path.exists()
    assert (path.stat().st_mode & 0o777) == 0o600
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_round_trip_and_delete(tmp_path: Path) -> None:
    cipher = TokenCipher([os.urandom(32)])
    store = SqliteBackend(tmp_path / "nudge.db")
    sealed = cipher.seal(SECRET, aad="users/1")
    store.tokens.put_token(
        StoredToken("users/1", sealed, frozenset({"openid", "b"}), "a@example.com")
    )
    got = store.tokens.get_token("users/1")
    assert got is not None
    assert got.sealed_refresh_token == sealed
    assert got.scopes == {"openid", "b"}
    assert SECRET not in repr(got)
    assert store.tokens.delete_token("users/1") is True
    assert store.tokens.delete_token("users/1") is False
    assert store.tokens.get_token("users/1") is None


def test_refuses_plaintext(tmp_path: Path) -> None:
    store = SqliteBackend(tmp_path / "nudge.db")
    with pytest.raises(ValueError, match="not sealed"):
        store.tokens.put_token(StoredToken("users/1", SECRET))


def test_no_plaintext_refresh_token_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "nudge.db"
    cipher = TokenCipher([os.urandom(32)])
    store = SqliteBackend(path)
    for n in range(5):
        token = f"{SECRET}-{n}"
        store.tokens.put_token(StoredToken(f"users/{n}", cipher.seal(token, aad=f"users/{n}")))
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert SECRET.encode() not in raw
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM user_tokens").fetchall()
    assert len(rows) == 5
    assert all(SECRET not in str(value) for row in rows for value in row)


def test_nonces_are_single_use_and_pruned(tmp_path: Path) -> None:
    now = [1000.0]
    store = SqliteBackend(tmp_path / "nudge.db", clock=lambda: now[0])
    assert store.nonces.use_nonce("n1", 1600.0) is True
    assert store.nonces.use_nonce("n1", 1600.0) is False
    now[0] = 5000.0
    assert store.nonces.use_nonce("n2", 5600.0) is True  # prunes n1 (expired)
    with sqlite3.connect(tmp_path / "nudge.db") as db:
        assert [r[0] for r in db.execute("SELECT nonce FROM used_nonces")] == ["n2"]


def test_concurrent_nonce_use_admits_exactly_one(tmp_path: Path) -> None:
    store = SqliteBackend(tmp_path / "nudge.db")
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        results.append(store.nonces.use_nonce("same", 9e12))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(results) == [False] * 7 + [True]
