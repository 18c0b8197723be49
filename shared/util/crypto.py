"""Encryption at rest for refresh tokens: AES-256-GCM with key IDs for rotation.

A sealed value reads ``v1.<kid>.<base64url(nonce || ciphertext+tag)>``: a
fresh 96-bit random nonce per seal, and the owner's Chat user name as
associated data, so a sealed token copied onto another user's row fails to
open. ``NUDGE_TOKEN_KEY`` holds one or more base64 32-byte keys separated by
commas; the first seals, all open, so rotation is "prepend the new key, let
tokens re-seal on use, drop the old key later".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.util.b64 import b64url_decode, b64url_encode

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = "v1"
_KID_LABEL = b"nudge/token-key-id/v1"


class TokenKeyError(Exception):
    """No usable encryption key is configured (so nothing may be stored)."""


class SealError(Exception):
    """A sealed value is malformed, was tampered with, or needs an unknown key."""


def key_id(key: bytes) -> str:
    """A short public label for ``key`` (8 hex chars); reveals nothing useful about it."""
    return hmac.new(key, _KID_LABEL, hashlib.sha256).hexdigest()[:8]


def parse_keys(raw: str | None) -> tuple[bytes, ...]:
    """Decode ``NUDGE_TOKEN_KEY`` (``NEW[,OLD...]``, standard or URL-safe base64)."""
    if not raw or not raw.strip():
        raise TokenKeyError(
            "NUDGE_TOKEN_KEY is not set: Nudge will not store user tokens without an "
            "encryption key. Set it to base64 of 32 random bytes "
            '(python -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())").'
        )
    keys: list[bytes] = []
    for position, part in enumerate(p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            standard = part.rstrip("=").replace("-", "+").replace("_", "/")
            key = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise TokenKeyError(f"NUDGE_TOKEN_KEY entry {position + 1} is not base64") from None
        if len(key) != KEY_BYTES:
            raise TokenKeyError(
                f"NUDGE_TOKEN_KEY entry {position + 1} decodes to {len(key)} bytes, not {KEY_BYTES}"
            )
        keys.append(key)
    if not keys:
        raise TokenKeyError("NUDGE_TOKEN_KEY holds no keys")
    return tuple(keys)


def looks_sealed(value: str) -> bool:
    """True when ``value`` has the sealed shape (a guard against storing plaintext)."""
    parts = value.split(".")
    return len(parts) == 3 and parts[0] == VERSION and len(parts[1]) == 8 and len(parts[2]) >= 38


class TokenCipher:
    """Seals and opens secrets with AES-GCM; the first key seals, every key opens."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise TokenKeyError("TokenCipher needs at least one key")
        for key in keys:
            if len(key) != KEY_BYTES:
                raise TokenKeyError(f"every key must be {KEY_BYTES} bytes")
        self._keys = tuple(keys)
        self._by_id = {key_id(k): k for k in reversed(self._keys)}

    @classmethod
    def from_setting(cls, raw: str | None) -> TokenCipher:
        """The cipher for ``Settings.token_key``; raises ``TokenKeyError`` if it is unusable."""
        return cls(parse_keys(raw))

    def __repr__(self) -> str:
        return f"TokenCipher(key_ids={[key_id(k) for k in self._keys]!r})"

    @property
    def primary_key_id(self) -> str:
        return key_id(self._keys[0])

    def seal(self, plaintext: str, *, aad: str) -> str:
        """Encrypt ``plaintext`` bound to ``aad`` (the owner's user name)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[0]).encrypt(nonce, plaintext.encode("utf-8"), aad.encode())
        return f"{VERSION}.{self.primary_key_id}.{b64url_encode(nonce + sealed)}"

    def open(self, sealed: str, *, aad: str) -> str:
        """Decrypt a value from ``seal``; raises ``SealError`` on any mismatch."""
        parts = sealed.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            raise SealError("not a sealed value (unknown format)")
        key = self._by_id.get(parts[1])
        if key is None:
            raise SealError(f"sealed with key {parts[1]}, which is not configured")
        try:
            blob = b64url_decode(parts[2])
        except ValueError:
            raise SealError("sealed value is not base64url") from None
        if len(blob) < NONCE_BYTES + 16:
            raise SealError("sealed value is too short")
        try:
            plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode())
        except InvalidTag:
            raise SealError("sealed value was altered or belongs to someone else") from None
        return plain.decode("utf-8")

    def needs_reseal(self, sealed: str) -> bool:
        """True when ``sealed`` was made with an older key."""
        parts = sealed.split(".")
        return len(parts) != 3 or parts[1] != self.primary_key_id

    def derive(self, purpose: str) -> tuple[bytes, ...]:
        """Independent 32-byte subkeys (one per configured key) for ``purpose``, via HKDF."""
        return tuple(
            HKDF(
                algorithm=hashes.SHA256(),
                length=KEY_BYTES,
                salt=None,
                info=f"nudge/{purpose}".encode(),
            ).derive(key)
            for key in self._keys
        )
