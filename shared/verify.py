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
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from shared.config import CHAT_ISSUER, Settings

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW = 60
"""Seconds of clock difference tolerated on ``exp``, ``iat`` and ``nbf``."""
MAX_TOKEN_BYTES = 16 * 1024
MAX_CERTS_BYTES = 1024 * 1024
FETCH_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_AGE_SECONDS = 300.0
MAX_CACHE_SECONDS = 24 * 3600.0
EMPTY_RETRY_SECONDS = 5.0
"""With no keys at all, a failed fetch is retried at most this often."""

OIDC_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
CHAT_ISSUERS = frozenset({CHAT_ISSUER})

_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

Fetch = Callable[[str], tuple[bytes, Mapping[str, str]]]
"""``fetch(url) -> (body, headers)``; header names may be in any case."""
Clock = Callable[[], float]


class VerificationError(Exception):
    """The request is not provably from Chat. ``reason`` is safe to show the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CertsUnavailable(Exception):
    """No signing keys could be fetched at all (the caller answers 503)."""


@dataclass(frozen=True)
class VerifiedCaller:
    """Who signed a request that passed verification."""

    mode: str  # "project_number" | "endpoint_url" | "addon"
    issuer: str
    email: str | None
    claims: Mapping[str, Any]


# --------------------------------------------------------------------------- certs


def urllib_fetch(url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> tuple[bytes, dict[str, str]]:
    """GET ``url`` with stdlib urllib. Plain http is allowed only to loopback."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
    ):
        raise ValueError("certs URL must be https (or http on loopback)")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, headers={"Accept": "application/json", "User-Agent": "nudge-verify"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body: bytes = response.read(MAX_CERTS_BYTES + 1)
        if len(body) > MAX_CERTS_BYTES:
            raise ValueError("certs document too large")
        return body, {k.lower(): v for k, v in response.headers.items()}


def _b64url_decode(segment: str) -> bytes:
    if not _B64URL.fullmatch(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url_uint(segment: str) -> int:
    return int.from_bytes(_b64url_decode(segment), "big")


def parse_certs(document: Any) -> dict[str, rsa.RSAPublicKey]:
    """Public keys by kid from ``{kid: PEM cert}`` or a JWKS ``{"keys": [...]}``.

    Entries that are not RSA signing keys are skipped; raises ``ValueError`` if
    nothing usable is left.
    """
    if not isinstance(document, dict):
        raise ValueError("certs document is not a JSON object")
    keys: dict[str, rsa.RSAPublicKey] = {}
    if isinstance(document.get("keys"), list):
        for jwk in document["keys"]:
            if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
                continue
            kid, n, e = jwk.get("kid"), jwk.get("n"), jwk.get("e")
            if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
                continue
            if not (isinstance(kid, str) and isinstance(n, str) and isinstance(e, str)):
                continue
            try:
                keys[kid] = rsa.RSAPublicNumbers(_b64url_uint(e), _b64url_uint(n)).public_key()
            except (ValueError, binascii.Error):
                log.warning("skipping a malformed JWK", extra={"fields": {"kid": kid}})
    else:
        for kid, pem in document.items():
            if not (isinstance(kid, str) and isinstance(pem, str)):
                continue
            try:
                key = _load_pem(pem.encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                log.warning("skipping a malformed certificate", extra={"fields": {"kid": kid}})
                continue
            if isinstance(key, rsa.RSAPublicKey):
                keys[kid] = key
    if not keys:
        raise ValueError("certs document holds no RSA keys")
    return keys


def _load_pem(pem: bytes) -> object:
    if b"BEGIN CERTIFICATE" in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    return serialization.load_pem_public_key(pem)


def cache_seconds(headers: Mapping[str, str]) -> float:
    """How long a certs response stays fresh: ``max-age`` minus ``Age``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    control = lowered.get("cache-control", "")
    match = _MAX_AGE.search(control)
    if match is None:
        return DEFAULT_MAX_AGE_SECONDS
    seconds = float(match.group(1))
    age = lowered.get("age", "").strip()
    if age.isdigit():
        seconds -= float(age)
    return min(max(seconds, 0.0), MAX_CACHE_SECONDS)


class CertsCache:
    """Parsed public keys from one certs URL, shared by threads.

    Keys are refetched when the response's ``max-age`` runs out or an unknown
    kid shows up, but while any keys are held at most once per
    ``min_refetch_seconds`` (forged kids cannot turn us into a fetch amplifier).
    A failed refresh keeps the old keys; with none at all ``get`` raises
    :class:`CertsUnavailable`.
    """

    def __init__(
        self,
        url: str,
        *,
        min_refetch_seconds: float = 60.0,
        fetch: Fetch = urllib_fetch,
        clock: Clock = time.monotonic,
    ) -> None:
        self.url = url
        self.min_refetch_seconds = max(0.0, float(min_refetch_seconds))
        self.fetch_count = 0
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        # (keys, fresh_until) swapped as one object so the lock-free read is consistent.
        self._state: tuple[Mapping[str, rsa.RSAPublicKey], float] = ({}, -math.inf)
        self._last_attempt = -math.inf
        self._retry_at = -math.inf

    def get(self, kid: str) -> rsa.RSAPublicKey | None:
        """The key for ``kid``, or None if the (refetched) certs don't have it."""
        keys, fresh_until = self._state
        known = keys.get(kid)
        if known is not None and self._clock() < fresh_until:
            return known
        if known is not None:
            # Stale: refresh, but if another thread already is, serve the old key meanwhile.
            if not self._lock.acquire(blocking=False):
                return known
        else:
            self._lock.acquire()
        try:
            now = self._clock()
            keys, fresh_until = self._state
            if keys:
                wanted = now >= fresh_until or kid not in keys
                if wanted and now - self._last_attempt >= self.min_refetch_seconds:
                    self._refresh(now)
            elif now >= self._retry_at:
                self._refresh(now)
            keys = self._state[0]
            if not keys:
                raise CertsUnavailable(f"no signing keys from {self.url}")
            return keys.get(kid)
        finally:
            self._lock.release()

    def _refresh(self, now: float) -> None:
        """Fetch and parse; called with the lock held. Never raises."""
        self._last_attempt = now
        self.fetch_count += 1
        try:
            body, headers = self._fetch(self.url)
            keys = parse_certs(json.loads(body))
            ttl = cache_seconds(headers)
        except Exception as exc:  # noqa: BLE001 - any failure means "keep what we have"
            self._retry_at = now + min(self.min_refetch_seconds, EMPTY_RETRY_SECONDS)
            log.warning(
                "could not refresh signing keys",
                extra={
                    "fields": {
                        "url": self.url,
                        "error": type(exc).__name__,
                        "keys_held": len(self._state[0]),
                    }
                },
            )
            return
        self._state = (keys, now + ttl)
        log.info(
            "fetched signing keys",
            extra={"fields": {"url": self.url, "kids": sorted(keys), "ttl": ttl}},
        )


_caches: dict[tuple[str, float], CertsCache] = {}
_caches_lock = threading.Lock()


def certs_cache_for(url: str, min_refetch_seconds: float) -> CertsCache:
    """The process-wide :class:`CertsCache` for ``url`` (reused by warm requests)."""
    key = (url, float(min_refetch_seconds))
    with _caches_lock:
        cache = _caches.get(key)
        if cache is None:
            cache = _caches[key] = CertsCache(url, min_refetch_seconds=min_refetch_seconds)
        return cache


def clear_certs_caches() -> None:
    """Forget every process-wide cache (for tests)."""
    with _caches_lock:
        _caches.clear()


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
        header = _json_object(_b64url_decode(parts[0]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise VerificationError("malformed token") from None
    if header.get("alg") != "RS256":
        raise VerificationError("unsupported token algorithm")
    try:
        signature = _b64url_decode(parts[2])
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
        claims = _json_object(_b64url_decode(parts[1]))
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

_unconfigured_logged = False


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
        self.audience = audience
        self.certs = certs
        self.addon_service_account = addon_service_account or None
        self._clock = clock
        self.project_number_mode = bool(audience) and str(audience).isdigit()

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = time.time) -> ChatVerifier:
        """A verifier for ``settings``; certs caches are shared process-wide per URL."""
        audience = settings.chat_audience or None
        certs: CertsCache | None = None
        if audience:
            url = settings.chat_certs_url if audience.isdigit() else settings.oidc_certs_url
            certs = certs_cache_for(url, settings.certs_min_refetch_seconds)
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
        global _unconfigured_logged
        if not self.audience or self.certs is None:
            if not _unconfigured_logged:
                _unconfigured_logged = True
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
