"""Google's signing certificates: fetched, parsed once, cached per URL with a refetch limit.

Keys are refetched when the response's ``max-age`` runs out or an unknown
kid shows up, but at most once per ``min_refetch_seconds`` while any keys
are held, so forged kids cannot turn Nudge into a fetch amplifier.
"""

from __future__ import annotations

import binascii
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.google.transport import send
from shared.util.b64 import b64url_decode

log = logging.getLogger(__name__)

MAX_CERTS_BYTES = 1024 * 1024
FETCH_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_AGE_SECONDS = 300.0
MAX_CACHE_SECONDS = 24 * 3600.0
EMPTY_RETRY_SECONDS = 5.0
"""With no keys at all, a failed fetch is retried at most this often."""

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)

Fetch = Callable[[str], tuple[bytes, Mapping[str, str]]]
"""``fetch(url) -> (body, headers)``; header names may be in any case."""
Clock = Callable[[], float]


class CertsUnavailable(Exception):
    """No signing keys could be fetched at all (the caller answers 503)."""


def fetch_certs(
    url: str, timeout: float = FETCH_TIMEOUT_SECONDS
) -> tuple[bytes, Mapping[str, str]]:
    """GET a certs document; raises on anything but a 200 (or a URL the policy forbids)."""
    result = send(
        "GET",
        url,
        headers={"Accept": "application/json", "User-Agent": "nudge-verify"},
        timeout=timeout,
        max_bytes=MAX_CERTS_BYTES,
    )
    if result.status != 200:
        raise ValueError(f"certs endpoint answered HTTP {result.status}")
    return result.body, result.headers


def decode_segment(segment: str) -> bytes:
    """A JWT or JWK base64url segment (unpadded, non-empty); ``ValueError`` otherwise."""
    if not segment or "=" in segment:  # JWT segments are never padded
        raise ValueError("not a JWT segment")
    return b64url_decode(segment)


def _b64url_uint(segment: str) -> int:
    return int.from_bytes(decode_segment(segment), "big")


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
        fetch: Fetch = fetch_certs,
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


class CertsCaches:
    """One ``CertsCache`` per certs URL, kept for the process (the runtime owns one)."""

    def __init__(self, *, fetch: Fetch | None = None) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._caches: dict[tuple[str, float], CertsCache] = {}

    def get(self, url: str, min_refetch_seconds: float) -> CertsCache:
        """The cache for ``url``, made on first use and reused after."""
        key = (url, float(min_refetch_seconds))
        with self._lock:
            cache = self._caches.get(key)
            if cache is None:
                cache = CertsCache(
                    url, min_refetch_seconds=min_refetch_seconds, fetch=self._fetch or fetch_certs
                )
                self._caches[key] = cache
            return cache
