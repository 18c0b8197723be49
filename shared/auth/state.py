"""The OAuth ``state`` parameter: signed, expiring, single-use, bound to a Chat user.

``state`` round-trips through the user's browser and Google, so it carries
everything the callback needs (who asked, for which scopes, where to send
the browser afterwards) under an HMAC-SHA256 signature (``itsdangerous.Signer``)
with a key derived from ``NUDGE_TOKEN_KEY``. It expires after ten minutes and its
nonce is recorded when the callback uses it, so a replayed callback URL fails.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, Signer

from shared.store.nonces import NonceStore
from shared.util.b64 import b64url_decode, b64url_encode

STATE_TTL_SECONDS = 600
_SALT = "nudge-oauth-state.v1"
MAX_STATE_CHARS = 4096


class StateError(Exception):
    """The state is unusable. ``reason`` is one of ``malformed``, ``signature``,
    ``expired`` or ``replayed``; ``str(exc)`` is safe to show the user."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class OAuthState:
    """What a verified state says."""

    user_name: str
    scopes: tuple[str, ...]
    redirect_after: str | None
    nonce: str
    expires_at: int


class StateSigner:
    """Signs with the first key, verifies with any (keys from ``TokenCipher.derive``)."""

    def __init__(
        self,
        keys: Sequence[bytes],
        nonces: NonceStore,
        *,
        ttl_seconds: int = STATE_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not keys:
            raise ValueError("StateSigner needs at least one key")
        # itsdangerous signs with the *last* key and verifies with any; its default
        # digest is SHA-1, hence the explicit SHA-256.
        self._signer = Signer(
            list(reversed(keys)), salt=_SALT, key_derivation="hmac", digest_method=hashlib.sha256
        )
        self._nonces = nonces
        self._ttl = ttl_seconds
        self._clock = clock

    def sign(self, user_name: str, scopes: Sequence[str], redirect_after: str | None) -> str:
        """A fresh state for ``user_name`` asking for ``scopes``."""
        body = {
            "u": user_name,
            "s": list(scopes),
            "r": redirect_after,
            "n": secrets.token_urlsafe(16),
            "e": int(self._clock()) + self._ttl,
        }
        payload = b64url_encode(json.dumps(body, separators=(",", ":")).encode())
        return self._signer.sign(payload).decode("ascii")

    def verify(self, token: str) -> OAuthState:
        """Check signature and expiry (without using the nonce up)."""
        if len(token) > MAX_STATE_CHARS or not token.isascii() or token.count(".") != 1:
            raise StateError("malformed", "The sign-in link is malformed. Start again from Chat.")
        try:
            payload = self._signer.unsign(token).decode("ascii")
        except BadSignature:
            raise StateError(
                "signature", "The sign-in link was not issued by this app. Start again from Chat."
            ) from None
        try:
            body: Any = json.loads(b64url_decode(payload))
            state = OAuthState(
                user_name=str(body["u"]),
                scopes=tuple(str(s) for s in body["s"]),
                redirect_after=str(body["r"]) if body.get("r") else None,
                nonce=str(body["n"]),
                expires_at=int(body["e"]),
            )
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise StateError(
                "malformed", "The sign-in link is malformed. Start again from Chat."
            ) from None
        if self._clock() >= state.expires_at:
            raise StateError(
                "expired",
                "The sign-in link has expired (they last 10 minutes). Start again from Chat.",
            )
        return state

    def consume(self, token: str) -> OAuthState:
        """Verify and use up the state; a second use raises ``StateError('replayed')``."""
        state = self.verify(token)
        if not self._nonces.use_nonce(state.nonce, float(state.expires_at)):
            raise StateError(
                "replayed", "This sign-in link has already been used. Start again from Chat."
            )
        return state
