"""CertsCache: one fetch per max-age, bounded refetches, failures keep old keys."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http import HTTPStatus

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from shared.config import Settings
from shared.core import certs as verify
from shared.core.certs import (
    CertsCache,
    CertsUnavailable,
    cache_seconds,
    fetch_certs,
    parse_certs,
)
from shared.core.verify import ChatVerifier, VerificationError
from tests.verify.conftest import NOW, PROJECT_NUMBER, FakeClock


def verifier_for(cache: CertsCache, wall: FakeClock) -> ChatVerifier:
    return ChatVerifier(PROJECT_NUMBER, cache, clock=wall)


def bearer(key: DevKey) -> str:
    return "Bearer " + key.chat_token(PROJECT_NUMBER, now=NOW)


def test_thousand_verifications_one_fetch(devkey, server: CertsServer, wall) -> None:
    verifier = ChatVerifier.from_settings(
        Settings(chat_audience=PROJECT_NUMBER, chat_certs_url=server.certs_url),
        clock=wall,
    )
    header = bearer(devkey)
    for _ in range(1000):
        assert verifier.verify(header).mode == "project_number"
    assert verifier.certs is not None
    assert verifier.certs.fetch_count == 1
    assert server.hits == 1


def test_concurrent_first_use_fetches_once(devkey, server: CertsServer, wall) -> None:
    cache = CertsCache(server.certs_url, min_refetch_seconds=60)
    verifier = verifier_for(cache, wall)
    header = bearer(devkey)
    barrier = threading.Barrier(16)
    failures: list[BaseException] = []

    def work() -> None:
        barrier.wait(timeout=10)
        try:
            for _ in range(20):
                verifier.verify(header)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert cache.fetch_count == 1
    assert server.hits == 1


def test_max_age_expiry_refetches(devkey, devkey_server_10s: CertsServer, mono, wall) -> None:
    cache = CertsCache(devkey_server_10s.certs_url, min_refetch_seconds=5, clock=mono)
    verifier = verifier_for(cache, wall)
    header = bearer(devkey)
    verifier.verify(header)
    mono.advance(9.9)
    verifier.verify(header)
    assert cache.fetch_count == 1
    mono.advance(0.2)
    verifier.verify(header)
    assert cache.fetch_count == 2
    assert devkey_server_10s.hits == 2


def test_age_header_is_subtracted(devkey, mono, wall) -> None:
    with CertsServer(devkey, max_age=100, age=95) as server:
        cache = CertsCache(server.certs_url, min_refetch_seconds=0, clock=mono)
        verifier = verifier_for(cache, wall)
        verifier.verify(bearer(devkey))
        mono.advance(4)
        verifier.verify(bearer(devkey))
        assert cache.fetch_count == 1
        mono.advance(2)
        verifier.verify(bearer(devkey))
        assert cache.fetch_count == 2


def test_expiry_refetch_is_still_rate_limited(devkey, devkey_server_10s, mono, wall) -> None:
    """A max-age shorter than min_refetch_seconds cannot make us fetch more often."""
    cache = CertsCache(devkey_server_10s.certs_url, min_refetch_seconds=60, clock=mono)
    verifier = verifier_for(cache, wall)
    verifier.verify(bearer(devkey))
    mono.advance(30)
    verifier.verify(bearer(devkey))  # stale, but refetch window not over: old keys serve
    assert cache.fetch_count == 1
    mono.advance(31)
    verifier.verify(bearer(devkey))
    assert cache.fetch_count == 2


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({}, verify.DEFAULT_MAX_AGE_SECONDS),
        ({"Cache-Control": "public, max-age=21600, must-revalidate"}, 21600),
        ({"cache-control": "max-age=100", "age": "40"}, 60),
        ({"Cache-Control": "max-age=100", "Age": "400"}, 0),
        ({"Cache-Control": "no-cache"}, verify.DEFAULT_MAX_AGE_SECONDS),
        ({"Cache-Control": "s-maxage=5, max-age=7"}, 7),
        ({"Cache-Control": "max-age=99999999"}, verify.MAX_CACHE_SECONDS),
        ({"Cache-Control": "max-age=abc"}, verify.DEFAULT_MAX_AGE_SECONDS),
    ],
)
def test_cache_seconds(headers: Mapping[str, str], seconds: float) -> None:
    assert cache_seconds(headers) == seconds


def test_unknown_kid_refetches_once_then_rotation_works(
    devkey, rotated_key, server: CertsServer, mono, wall
) -> None:
    cache = CertsCache(server.certs_url, min_refetch_seconds=60, clock=mono)
    verifier = verifier_for(cache, wall)
    verifier.verify(bearer(devkey))
    server.set_keys(devkey, rotated_key)  # Google publishes the next key
    # Inside the refetch window an unknown kid is rejected without a fetch...
    mono.advance(10)
    with pytest.raises(VerificationError, match="unknown signing key"):
        verifier.verify(bearer(rotated_key))
    assert cache.fetch_count == 1
    # ...after it, one refetch picks up the new key.
    mono.advance(51)
    assert verifier.verify(bearer(rotated_key)).mode == "project_number"
    assert verifier.verify(bearer(devkey)).mode == "project_number"
    assert cache.fetch_count == 2
    server.set_keys(rotated_key)  # the old key is retired; we keep it until max-age runs out
    assert verifier.verify(bearer(rotated_key)).mode == "project_number"
    assert cache.fetch_count == 2


def test_unknown_kid_on_first_window_with_zero_refetch_interval(
    devkey, rotated_key, server: CertsServer, wall
) -> None:
    cache = CertsCache(server.certs_url, min_refetch_seconds=0)
    verifier = verifier_for(cache, wall)
    verifier.verify(bearer(devkey))
    server.add_key(rotated_key)
    assert verifier.verify(bearer(rotated_key)).mode == "project_number"
    assert cache.fetch_count == 2


def test_forged_kid_flood_is_not_amplified(devkey, server: CertsServer, mono, wall) -> None:
    cache = CertsCache(server.certs_url, min_refetch_seconds=60, clock=mono)
    verifier = verifier_for(cache, wall)
    verifier.verify(bearer(devkey))
    mono.advance(61)  # the refetch window is open again: the flood may cost one fetch
    claims = {"iss": "chat@system.gserviceaccount.com", "aud": PROJECT_NUMBER}
    forged = [devkey.sign(claims, header={"kid": f"forged-{i}"}) for i in range(500)]
    barrier = threading.Barrier(10)
    rejected: list[str] = []
    lock = threading.Lock()

    def flood(chunk: list[str]) -> None:
        barrier.wait(timeout=10)
        for token in chunk:
            try:
                verifier.verify("Bearer " + token)
            except VerificationError as exc:
                with lock:
                    rejected.append(exc.reason)

    threads = [threading.Thread(target=flood, args=(forged[i::10],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert rejected == ["unknown signing key"] * 500
    assert cache.fetch_count <= 2
    assert server.hits == cache.fetch_count
    assert verifier.verify(bearer(devkey)).mode == "project_number"


def test_fetch_failure_keeps_old_keys(devkey, server: CertsServer, mono, wall) -> None:
    cache = CertsCache(server.certs_url, min_refetch_seconds=60, clock=mono)
    verifier = verifier_for(cache, wall)
    verifier.verify(bearer(devkey))
    server.fail_status = HTTPStatus.INTERNAL_SERVER_ERROR
    mono.advance(301)  # max-age (300) is over
    for _ in range(50):
        assert verifier.verify(bearer(devkey)).mode == "project_number"
    assert cache.fetch_count == 2  # one failed refresh, then the stale keys serve quietly
    mono.advance(61)
    verifier.verify(bearer(devkey))
    assert cache.fetch_count == 3
    server.fail_status = None
    mono.advance(61)
    verifier.verify(bearer(devkey))
    assert cache.fetch_count == 4
    mono.advance(100)
    verifier.verify(bearer(devkey))
    assert cache.fetch_count == 4  # fresh again


def test_no_keys_at_all_is_certs_unavailable(devkey, server: CertsServer, mono, wall) -> None:
    server.fail_status = HTTPStatus.SERVICE_UNAVAILABLE
    cache = CertsCache(server.certs_url, min_refetch_seconds=60, clock=mono)
    verifier = verifier_for(cache, wall)
    with pytest.raises(CertsUnavailable):
        verifier.verify(bearer(devkey))
    with pytest.raises(CertsUnavailable):
        verifier.verify(bearer(devkey))
    assert cache.fetch_count == 1  # retries are spaced out, not one per request
    server.fail_status = None
    mono.advance(verify.EMPTY_RETRY_SECONDS)
    assert verifier.verify(bearer(devkey)).mode == "project_number"
    assert cache.fetch_count == 2


def test_unreachable_certs_url(devkey, wall) -> None:
    with CertsServer(devkey) as server:
        url = server.certs_url
    cache = CertsCache(url, min_refetch_seconds=60)  # nothing listens there any more
    with pytest.raises(CertsUnavailable):
        verifier_for(cache, wall).verify(bearer(devkey))


def test_malformed_certs_documents(devkey, mono) -> None:
    bodies = [b"not json", b"[]", b"{}", b'{"kid": "not a pem"}', b'{"keys": []}']
    for body in bodies:
        cache = CertsCache("https://certs.invalid/", fetch=lambda _url, b=body: (b, {}), clock=mono)
        with pytest.raises(CertsUnavailable):
            cache.get(devkey.kid)


def test_injected_fetch(devkey, mono) -> None:
    calls: list[str] = []

    def fetch(url: str) -> tuple[bytes, Mapping[str, str]]:
        calls.append(url)
        return json.dumps(devkey.jwks()).encode(), {"Cache-Control": "max-age=60"}

    cache = CertsCache(
        "https://certs.invalid/jwks", min_refetch_seconds=10, fetch=fetch, clock=mono
    )
    key = cache.get(devkey.kid)
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.public_numbers() == devkey.private_key.public_key().public_numbers()
    assert cache.get(devkey.kid) is key  # parsed once, same object
    assert cache.get("nope") is None
    assert calls == ["https://certs.invalid/jwks"]  # "nope" is inside the refetch window
    assert cache.fetch_count == 1
    mono.advance(10)
    assert cache.get("nope") is None
    assert cache.fetch_count == 2


def test_parse_certs_mixed_documents(devkey, rotated_key) -> None:
    jwks = {
        "keys": [
            devkey.jwk(),
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
            {**rotated_key.jwk(), "use": "enc"},
            {"kty": "RSA", "kid": "bad", "n": "!!", "e": "AQAB"},
            "junk",
        ]
    }
    assert list(parse_certs(jwks)) == [devkey.kid]
    pem = {devkey.kid: devkey.cert_pem(), "broken": "-----BEGIN CERTIFICATE-----\nx\n", "n": 5}
    assert list(parse_certs(pem)) == [devkey.kid]
    with pytest.raises(ValueError):
        parse_certs({"keys": [{"kty": "EC"}]})


def test_fetch_certs_refuses_plain_http_off_loopback() -> None:
    for url in ("http://www.googleapis.com/oauth2/v1/certs", "file:///etc/passwd", "ftp://x/"):
        with pytest.raises(ValueError, match="https"):
            fetch_certs(url)


def test_fetch_certs_returns_lowercased_headers(server: CertsServer) -> None:
    body, headers = fetch_certs(server.certs_url)
    assert json.loads(body) == server.certs_document()
    assert headers["cache-control"] == "public, max-age=300"


class CountingKey:
    """A parsed public key that counts its RSA signature checks."""

    def __init__(self, key: rsa.RSAPublicKey) -> None:
        self.key = key
        self.verifies = 0

    def verify(self, *args: object) -> None:
        self.verifies += 1
        self.key.verify(*args)


def test_warm_verify_is_cheap(devkey, server: CertsServer, wall, monkeypatch) -> None:
    """Beyond the RSA verify itself, a warm verify does no costly work: no fetch, no
    certificate parsing, one signature check on the cached key. (How fast that is is a
    benchmark's business, not a test's: ``make bench``, "warm help".)"""
    parsed: list[CountingKey] = []
    real_parse = verify.parse_certs

    def counting_parse(document: object) -> dict[str, CountingKey]:
        keys = {kid: CountingKey(key) for kid, key in real_parse(document).items()}
        parsed.extend(keys.values())
        return keys

    monkeypatch.setattr(verify, "parse_certs", counting_parse)
    cache = CertsCache(server.certs_url, min_refetch_seconds=60)
    verifier = verifier_for(cache, wall)
    header = bearer(devkey)
    verifier.verify(header)
    key = cache.get(devkey.kid)
    assert isinstance(key, CountingKey)
    assert key.verifies == 1
    for _ in range(200):
        assert verifier.verify(header).mode == "project_number"
    assert key.verifies == 201  # one RSA check per verify, on the key parsed once
    assert parsed == [key]
    assert (cache.fetch_count, server.hits) == (1, 1)
