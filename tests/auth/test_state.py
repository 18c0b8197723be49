"""The OAuth state: signed, expiring, single-use, bound to the Chat user."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from shared.auth.state import StateError, StateSigner
from shared.store.sqlite import SqliteBackend

from .conftest import FakeClock


@pytest.fixture
def signer(tmp_path: Path, clock: FakeClock) -> StateSigner:
    return StateSigner([os.urandom(32)], SqliteBackend(tmp_path / "s.db").nonces, clock=clock)


def test_round_trip_carries_user_scopes_and_redirect(signer: StateSigner) -> None:
    token = signer.sign("users/1", ["a", "openid"], "https://chat.google.com/x?token=1")
    state = signer.consume(token)
    assert state.user_name == "users/1"
    assert state.scopes == ("a", "openid")
    assert state.redirect_after == "https://chat.google.com/x?token=1"
    assert len(state.nonce) >= 16


def test_replay_is_rejected(signer: StateSigner) -> None:
    token = signer.sign("users/1", ["a"], None)
    signer.consume(token)
    with pytest.raises(StateError) as info:
        signer.consume(token)
    assert info.value.reason == "replayed"


def test_expires_after_ten_minutes(signer: StateSigner, clock: FakeClock) -> None:
    token = signer.sign("users/1", ["a"], None)
    clock.advance(599)
    signer.verify(token)
    clock.advance(1)
    with pytest.raises(StateError) as info:
        signer.consume(token)
    assert info.value.reason == "expired"


def test_changing_the_user_breaks_the_signature(signer: StateSigner) -> None:
    token = signer.sign("users/1", ["a"], None)
    payload, mac = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["u"] = "users/2"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(StateError) as info:
        signer.consume(f"{forged}.{mac}")
    assert info.value.reason == "signature"


def test_other_keys_and_garbage_are_rejected(
    signer: StateSigner, tmp_path: Path, clock: FakeClock
) -> None:
    other = StateSigner([os.urandom(32)], SqliteBackend(tmp_path / "o.db").nonces, clock=clock)
    with pytest.raises(StateError) as info:
        signer.verify(other.sign("users/1", ["a"], None))
    assert info.value.reason == "signature"
    for junk in ("", "abc", "a.b.c", "x" * 5000, "!!.!!"):
        with pytest.raises(StateError):
            signer.verify(junk)


def test_rotated_keys_still_verify(tmp_path: Path, clock: FakeClock) -> None:
    old, new = os.urandom(32), os.urandom(32)
    store = SqliteBackend(tmp_path / "r.db").nonces
    token = StateSigner([old], store, clock=clock).sign("users/1", ["a"], None)
    assert StateSigner([new, old], store, clock=clock).consume(token).user_name == "users/1"


def test_the_first_key_signs_with_hmac_sha256(tmp_path: Path, clock: FakeClock) -> None:
    old, new = os.urandom(32), os.urandom(32)
    store = SqliteBackend(tmp_path / "k.db").nonces
    token = StateSigner([new, old], store, clock=clock).sign("users/1", ["a"], None)
    assert StateSigner([new], store, clock=clock).verify(token).user_name == "users/1"
    with pytest.raises(StateError) as info:
        StateSigner([old], store, clock=clock).verify(token)
    assert info.value.reason == "signature"
    assert len(token.rsplit(".", 1)[1]) == 43  # 32 bytes of MAC: SHA-256, not SHA-1


@pytest.mark.parametrize("junk", ["é.abc", "\udc80.x", "a.\u00ff"])
def test_non_ascii_is_malformed(signer: StateSigner, junk: str) -> None:
    with pytest.raises(StateError) as info:
        signer.verify(junk)
    assert info.value.reason == "malformed"
