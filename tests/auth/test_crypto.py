"""Refresh-token encryption: round trip, tampering, AAD binding, key rotation."""

from __future__ import annotations

import base64
import os

import pytest

from shared.util.crypto import SealError, TokenCipher, TokenKeyError, looks_sealed, parse_keys

SECRET = "1//0g-refresh-token-value"


def key() -> bytes:
    return os.urandom(32)


def test_round_trip_uses_a_fresh_nonce_each_time() -> None:
    cipher = TokenCipher([key()])
    one = cipher.seal(SECRET, aad="users/1")
    two = cipher.seal(SECRET, aad="users/1")
    assert one != two
    assert SECRET not in one
    assert looks_sealed(one)
    assert one.startswith(f"v1.{cipher.primary_key_id}.")
    assert cipher.open(one, aad="users/1") == SECRET
    assert cipher.open(two, aad="users/1") == SECRET


def test_tampering_is_detected() -> None:
    cipher = TokenCipher([key()])
    sealed = cipher.seal(SECRET, aad="users/1")
    prefix, body = sealed.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 0x01
    forged = prefix + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(SealError, match="altered"):
        cipher.open(forged, aad="users/1")
    with pytest.raises(SealError):
        cipher.open(sealed[:-6], aad="users/1")
    with pytest.raises(SealError):
        cipher.open("plaintext-token", aad="users/1")


def test_wrong_aad_fails() -> None:
    cipher = TokenCipher([key()])
    sealed = cipher.seal(SECRET, aad="users/1")
    with pytest.raises(SealError):
        cipher.open(sealed, aad="users/2")


def test_wrong_key_fails() -> None:
    sealed = TokenCipher([key()]).seal(SECRET, aad="users/1")
    with pytest.raises(SealError, match="not configured"):
        TokenCipher([key()]).open(sealed, aad="users/1")


def test_key_rotation_new_key_seals_old_key_still_opens() -> None:
    old, new = key(), key()
    old_cipher = TokenCipher([old])
    sealed_old = old_cipher.seal(SECRET, aad="users/1")
    rotated = TokenCipher([new, old])
    assert rotated.open(sealed_old, aad="users/1") == SECRET
    assert rotated.needs_reseal(sealed_old)
    resealed = rotated.seal(SECRET, aad="users/1")
    assert not rotated.needs_reseal(resealed)
    assert resealed.split(".")[1] == rotated.primary_key_id != old_cipher.primary_key_id
    with pytest.raises(SealError):
        old_cipher.open(resealed, aad="users/1")


def test_parse_keys_from_setting() -> None:
    a, b = key(), key()
    raw = f"{base64.b64encode(a).decode()}, {base64.urlsafe_b64encode(b).decode()}"
    assert parse_keys(raw) == (a, b)
    with pytest.raises(TokenKeyError, match="not set"):
        parse_keys(None)
    with pytest.raises(TokenKeyError, match="16 bytes"):
        parse_keys(base64.b64encode(os.urandom(16)).decode())
    with pytest.raises(TokenKeyError, match="not base64"):
        parse_keys("***")


def test_derived_keys_differ_per_purpose_and_from_the_key() -> None:
    k = key()
    cipher = TokenCipher([k])
    (state_key,) = cipher.derive("oauth-state/v1")
    (other,) = cipher.derive("something-else")
    assert len(state_key) == 32
    assert state_key not in (k, other)
