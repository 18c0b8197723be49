"""Check that a request really comes from Google Chat.

Chat signs every request with an RS256 JWT in ``Authorization: Bearer``.
Which JWT depends on the app's *Authentication Audience* (``NUDGE_CHAT_AUDIENCE``):

* a project **number** -> a JWT self-signed by ``chat@system.gserviceaccount.com``,
  checked against the Chat SA's x509 certs (mode ``project_number``);
* the **endpoint URL** -> a Google OIDC ID token whose ``email`` is the Chat SA
  (mode ``endpoint_url``) or the configured Workspace add-on SA (mode ``addon``),
  checked against Google's OAuth2 certs.

The JWT code is our own (small, RS256 only) so that parsed public keys are cached
in a :class:`CertsCache` and ``nbf`` is honoured. No ``requests`` on this path.
PyJWT was measured as a replacement and kept out: more code, twice the warm cost
(docs/decisions/0009-pyjwt-and-itsdangerous.md).
"""

from __future__ import annotations

import binascii
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from shared.config import CHAT_ISSUER, Settings
from shared.core.certs import CertsCache, CertsCaches, decode_segment

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW = 60
"""Seconds of clock difference tolerated on ``exp``, ``iat`` and ``nbf``."""
MAX_TOKEN_BYTES = 16 * 1024

OIDC_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
CHAT_ISSUERS = frozenset({CHAT_ISSUER})

Clock = Callable[[], float]


class VerificationError(Exception):
    """The request is not provably from Chat. ``reason`` is safe to show the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedCaller:
    """Who signed a request that passed verification."""

    mode: str  # "project_number" | "endpoint_url" | "addon"
    issuer: str
    email: str | None
    claims: Mapping[str, Any]


# --------------------------------------------------------------------------- JWT


def _json_object(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise VerificationError(f"token has no valid {name}")
    return float(value)


def verify_jwt(
    token: str,
    get_key: Callable[[str], rsa.RSAPublicKey | None],
    *,
    audience: str,
    issuers: frozenset[str],
    now: float,
) -> dict[str, Any]:
    """Check an RS256 JWT's signature and ``aud``/``iss``/``exp``/``iat``/``nbf``.

    Returns the claims; raises :class:`VerificationError` (or
    :class:`CertsUnavailable` from ``get_key``).
    """
    if len(token) > MAX_TOKEN_BYTES:
        raise VerificationError("token too large")
    parts = token.split(".")
    if len(parts) != 3:
        raise VerificationError("malformed token")
    try:
        header = _json_object(decode_segment(parts[0]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise VerificationError("malformed token") from None
    if header.get("alg") != "RS256":
        raise VerificationError("unsupported token algorithm")
    try:
        signature = decode_segment(parts[2])
    except (ValueError, binascii.Error):
        raise VerificationError("malformed token") from None
    if "crit" in header:
        raise VerificationError("unsupported token header")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise VerificationError("token has no key id")
    key = get_key(kid)
    if key is None:
        raise VerificationError("unknown signing key")
    signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise VerificationError("bad signature") from None
    try:
        claims = _json_object(decode_segment(parts[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise VerificationError("malformed token") from None

    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise VerificationError("wrong audience")
    if claims.get("iss") not in issuers:
        raise VerificationError("wrong issuer")
    if now > _number(claims, "exp") + MAX_CLOCK_SKEW:
        raise VerificationError("token expired")
    if _number(claims, "iat") > now + MAX_CLOCK_SKEW:
        raise VerificationError("token issued in the future")
    if "nbf" in claims and _number(claims, "nbf") > now + MAX_CLOCK_SKEW:
        raise VerificationError("token not yet valid")
    return claims


# --------------------------------------------------------------------------- Chat


class ChatVerifier:
    """Verifies ``Authorization`` headers for one configured audience."""

    def __init__(
        self,
        audience: str | None,
        certs: CertsCache | None,
        *,
        addon_service_account: str | None = None,
        clock: Clock = time.time,
    ) -> None:
        self._unconfigured_logged = False
        self.audience = audience
        self.certs = certs
        self.addon_service_account = addon_service_account or None
        self._clock = clock
        self.project_number_mode = bool(audience) and str(audience).isdigit()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, caches: CertsCaches | None = None, clock: Clock = time.time
    ) -> ChatVerifier:
        """A verifier for ``settings``, taking its certs cache from ``caches`` (kept per URL)."""
        audience = settings.chat_audience or None
        certs: CertsCache | None = None
        if audience:
            url = settings.chat_certs_url if audience.isdigit() else settings.oidc_certs_url
            certs = (caches or CertsCaches()).get(url, settings.certs_min_refetch_seconds)
        return cls(
            audience,
            certs,
            addon_service_account=settings.addon_service_account,
            clock=clock,
        )

    def verify(self, authorization_header: str | None) -> VerifiedCaller:
        """Verify ``Bearer <jwt>``; raises VerificationError or CertsUnavailable."""
        if not authorization_header:
            raise self._reject("missing Authorization header")
        scheme, _, token = authorization_header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise self._reject("Authorization header is not a Bearer token")
        return self.verify_token(token)

    def verify_token(self, token: str) -> VerifiedCaller:
        """Verify a bare JWT (e.g. an add-on's ``systemIdToken``)."""
        if not self.audience or self.certs is None:
            if not self._unconfigured_logged:
                self._unconfigured_logged = True
                log.error("NUDGE_CHAT_AUDIENCE is not set; every Chat request is rejected")
            raise VerificationError("server has no NUDGE_CHAT_AUDIENCE configured")
        try:
            if self.project_number_mode:
                return self._verify_chat_jwt(token, self.audience, self.certs)
            return self._verify_oidc(token, self.audience, self.certs)
        except VerificationError as exc:
            raise self._reject(exc.reason) from None

    def _verify_chat_jwt(self, token: str, audience: str, certs: CertsCache) -> VerifiedCaller:
        claims = verify_jwt(
            token, certs.get, audience=audience, issuers=CHAT_ISSUERS, now=self._clock()
        )
        return VerifiedCaller("project_number", CHAT_ISSUER, None, claims)

    def _verify_oidc(self, token: str, audience: str, certs: CertsCache) -> VerifiedCaller:
        claims = verify_jwt(
            token, certs.get, audience=audience, issuers=OIDC_ISSUERS, now=self._clock()
        )
        email = claims.get("email")
        if email == CHAT_ISSUER:
            mode = "endpoint_url"
        elif self.addon_service_account and email == self.addon_service_account:
            mode = "addon"
        else:
            raise VerificationError("token is not from Google Chat")
        verified = claims.get("email_verified")
        if verified is not True and verified != "true":
            raise VerificationError("token email is not verified")
        return VerifiedCaller(mode, str(claims["iss"]), str(email), claims)

    def _reject(self, reason: str) -> VerificationError:
        # The caller logs the rejection (with request context); keep this one quiet.
        log.debug("token rejected", extra={"fields": {"reason": reason}})
        return VerificationError(reason)
