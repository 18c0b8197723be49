"""ChatVerifier end to end: real RS256 tokens, certs served on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey, b64url
from shared.config import CHAT_ISSUER, Settings
from shared.core.certs import CertsCaches
from shared.core.verify import (
    MAX_CLOCK_SKEW,
    CertsCache,
    ChatVerifier,
    VerificationError,
    VerifiedCaller,
)
from tests.verify.conftest import ADDON_SA, ENDPOINT, NOW, PROJECT_NUMBER, FakeClock


def chat_verifier(server: CertsServer, wall: FakeClock, mono: FakeClock) -> ChatVerifier:
    certs = CertsCache(server.certs_url, min_refetch_seconds=60, clock=mono)
    return ChatVerifier(PROJECT_NUMBER, certs, clock=wall)


def oidc_verifier(
    server: CertsServer, wall: FakeClock, mono: FakeClock, addon: str | None = None
) -> ChatVerifier:
    certs = CertsCache(server.certs_url, min_refetch_seconds=60, clock=mono)
    return ChatVerifier(ENDPOINT, certs, addon_service_account=addon, clock=wall)


def reason_of(verifier: ChatVerifier, header: str | None) -> str:
    with pytest.raises(VerificationError) as caught:
        verifier.verify(header)
    return caught.value.reason


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(signature)}"


# --- the three modes ------------------------------------------------------------


def test_project_number_mode(devkey: DevKey, server: CertsServer, wall, mono) -> None:
    caller = chat_verifier(server, wall, mono).verify(
        "Bearer " + devkey.chat_token(PROJECT_NUMBER, now=NOW)
    )
    assert caller == VerifiedCaller("project_number", CHAT_ISSUER, None, caller.claims)
    assert caller.claims["aud"] == PROJECT_NUMBER


def test_endpoint_url_mode(devkey: DevKey, server: CertsServer, wall, mono) -> None:
    caller = oidc_verifier(server, wall, mono).verify(
        "Bearer " + devkey.oidc_token(ENDPOINT, now=NOW)
    )
    assert caller.mode == "endpoint_url"
    assert caller.issuer == "https://accounts.google.com"
    assert caller.email == CHAT_ISSUER


def test_endpoint_url_mode_accepts_bare_issuer(devkey, server, wall, mono) -> None:
    token = devkey.oidc_token(ENDPOINT, now=NOW, iss="accounts.google.com")
    assert oidc_verifier(server, wall, mono).verify("Bearer " + token).issuer == (
        "accounts.google.com"
    )


def test_addon_mode_only_when_configured(devkey, server, wall, mono) -> None:
    token = "Bearer " + devkey.oidc_token(ENDPOINT, ADDON_SA, now=NOW)
    caller = oidc_verifier(server, wall, mono, addon=ADDON_SA).verify(token)
    assert (caller.mode, caller.email) == ("addon", ADDON_SA)
    assert reason_of(oidc_verifier(server, wall, mono), token) == "token is not from Google Chat"


def test_addon_verifier_still_accepts_chat(devkey, server, wall, mono) -> None:
    verifier = oidc_verifier(server, wall, mono, addon=ADDON_SA)
    assert verifier.verify("Bearer " + devkey.oidc_token(ENDPOINT, now=NOW)).mode == "endpoint_url"


def test_jwks_endpoint(devkey: DevKey, server: CertsServer, wall, mono) -> None:
    certs = CertsCache(server.jwks_url, min_refetch_seconds=60, clock=mono)
    verifier = ChatVerifier(ENDPOINT, certs, clock=wall)
    assert verifier.verify("Bearer " + devkey.oidc_token(ENDPOINT, now=NOW)).mode == (
        "endpoint_url"
    )
    assert server.paths == ["/jwks"]


def test_audience_list(devkey, server, wall, mono) -> None:
    token = devkey.chat_token(PROJECT_NUMBER, now=NOW, aud=["other", PROJECT_NUMBER])
    assert chat_verifier(server, wall, mono).verify("Bearer " + token).mode == "project_number"


def test_bare_token_and_lowercase_scheme(devkey, server, wall, mono) -> None:
    verifier = chat_verifier(server, wall, mono)
    token = devkey.chat_token(PROJECT_NUMBER, now=NOW)
    assert verifier.verify_token(token).mode == "project_number"
    assert verifier.verify("bearer " + token).mode == "project_number"


# --- from_settings ------------------------------------------------------------------


def test_from_settings_picks_certs_by_mode_and_reuses_caches(devkey, server, wall) -> None:
    by_number = Settings(chat_audience=PROJECT_NUMBER, chat_certs_url=server.certs_url)
    by_url = Settings(chat_audience=ENDPOINT, oidc_certs_url=server.jwks_url)
    caches = CertsCaches()
    first = ChatVerifier.from_settings(by_number, caches=caches, clock=wall)
    again = ChatVerifier.from_settings(by_number, caches=caches, clock=wall)
    assert first.certs is again.certs
    assert first.certs is not None
    assert first.certs.url == server.certs_url
    url_verifier = ChatVerifier.from_settings(by_url, caches=caches, clock=wall)
    assert url_verifier.certs is not None
    assert url_verifier.certs.url == server.jwks_url
    token = "Bearer " + devkey.chat_token(PROJECT_NUMBER, now=NOW)
    assert first.verify(token).mode == "project_number"
    assert again.verify(token).mode == "project_number"
    assert first.certs.fetch_count == 1


def test_from_settings_addon(devkey, server) -> None:
    settings = Settings(
        chat_audience=ENDPOINT, oidc_certs_url=server.certs_url, addon_service_account=ADDON_SA
    )
    caller = ChatVerifier.from_settings(settings).verify(
        "Bearer " + devkey.oidc_token(ENDPOINT, ADDON_SA)
    )
    assert caller.mode == "addon"


def test_unconfigured_audience_rejects_and_logs_once(devkey, caplog) -> None:
    verifier = ChatVerifier.from_settings(Settings(chat_audience=None))
    token = "Bearer " + devkey.chat_token(PROJECT_NUMBER)
    with caplog.at_level(logging.DEBUG, logger="shared.core.verify"):
        for _ in range(3):
            assert reason_of(verifier, token) == "server has no NUDGE_CHAT_AUDIENCE configured"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1


# --- rejections ---------------------------------------------------------------------


def test_bad_signature_same_kid(impostor: DevKey, server, wall, mono) -> None:
    token = impostor.chat_token(PROJECT_NUMBER, now=NOW)
    assert reason_of(chat_verifier(server, wall, mono), "Bearer " + token) == "bad signature"


def test_tampered_payload(devkey: DevKey, server, wall, mono) -> None:
    head, _, sig = devkey.chat_token(PROJECT_NUMBER, now=NOW).split(".")
    claims = b64url(json.dumps({"iss": CHAT_ISSUER, "aud": PROJECT_NUMBER}).encode())
    token = f"{head}.{claims}.{sig}"
    assert reason_of(chat_verifier(server, wall, mono), "Bearer " + token) == "bad signature"


def test_wrong_audience(devkey, server, wall, mono) -> None:
    verifier = chat_verifier(server, wall, mono)
    for aud in ("999", [], ["999"], None, 123456789012):
        token = devkey.chat_token(PROJECT_NUMBER, now=NOW, aud=aud)
        assert reason_of(verifier, "Bearer " + token) in {"wrong audience"}


def test_wrong_issuer(devkey, server, wall, mono) -> None:
    # An OIDC token (even from the Chat SA) is not a project-number token, and vice versa.
    oidc = devkey.oidc_token(PROJECT_NUMBER, now=NOW)
    assert reason_of(chat_verifier(server, wall, mono), "Bearer " + oidc) == "wrong issuer"
    chat = devkey.chat_token(ENDPOINT, now=NOW)
    assert reason_of(oidc_verifier(server, wall, mono), "Bearer " + chat) == "wrong issuer"
    evil = devkey.oidc_token(ENDPOINT, now=NOW, iss="https://evil.example")
    assert reason_of(oidc_verifier(server, wall, mono), "Bearer " + evil) == "wrong issuer"


def test_expired(devkey, server, wall, mono) -> None:
    token = devkey.chat_token(PROJECT_NUMBER, now=NOW - 7200)
    assert reason_of(chat_verifier(server, wall, mono), "Bearer " + token) == "token expired"


def test_issued_in_the_future(devkey, server, wall, mono) -> None:
    token = devkey.chat_token(PROJECT_NUMBER, now=NOW + MAX_CLOCK_SKEW + 1)
    reason = reason_of(chat_verifier(server, wall, mono), "Bearer " + token)
    assert reason == "token issued in the future"


def test_not_yet_valid(devkey, server, wall, mono) -> None:
    token = devkey.chat_token(PROJECT_NUMBER, now=NOW, nbf=NOW + MAX_CLOCK_SKEW + 1)
    assert reason_of(chat_verifier(server, wall, mono), "Bearer " + token) == "token not yet valid"


def test_within_skew_accepted(devkey, server, wall, mono) -> None:
    verifier = chat_verifier(server, wall, mono)
    late = devkey.chat_token(PROJECT_NUMBER, now=NOW - 3600 - 59)  # expired 59 s ago
    early = devkey.chat_token(PROJECT_NUMBER, now=NOW + 59, nbf=NOW + 59)
    assert verifier.verify("Bearer " + late).mode == "project_number"
    assert verifier.verify("Bearer " + early).mode == "project_number"


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", None), ("iat", None), ("exp", "tomorrow"), ("iat", True), ("nbf", "soon")],
)
def test_bad_time_claims(devkey, server, wall, mono, claim: str, value: object) -> None:
    token = devkey.chat_token(PROJECT_NUMBER, now=NOW, **{claim: value})
    reason = reason_of(chat_verifier(server, wall, mono), "Bearer " + token)
    assert reason == f"token has no valid {claim}"


def test_alg_none_rejected(devkey, server, wall, mono) -> None:
    claims = {"iss": CHAT_ISSUER, "aud": PROJECT_NUMBER, "iat": NOW, "exp": NOW + 60}
    verifier = chat_verifier(server, wall, mono)
    for alg in ("none", "None", "NONE"):
        token = forge({"alg": alg, "kid": devkey.kid}, claims)
        assert reason_of(verifier, "Bearer " + token) == "unsupported token algorithm"
    unsigned = forge({"alg": "none", "typ": "JWT"}, claims)  # "head.body." (no signature)
    assert unsigned.endswith(".")
    assert reason_of(verifier, "Bearer " + unsigned) == "unsupported token algorithm"


def test_hs256_with_public_key_as_secret_rejected(devkey, server, wall, mono) -> None:
    claims = {"iss": CHAT_ISSUER, "aud": PROJECT_NUMBER, "iat": NOW, "exp": NOW + 60}
    head = b64url(json.dumps({"alg": "HS256", "kid": devkey.kid}).encode())
    body = b64url(json.dumps(claims).encode())
    secret = devkey.cert_pem().encode()
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    token = f"{head}.{body}.{b64url(mac)}"
    reason = reason_of(chat_verifier(server, wall, mono), "Bearer " + token)
    assert reason == "unsupported token algorithm"


@pytest.mark.parametrize("alg", ["ES256", "RS512", "PS256", "rs256", None, 256])
def test_other_algorithms_rejected(devkey, server, wall, mono, alg: object) -> None:
    token = devkey.sign(
        {"iss": CHAT_ISSUER, "aud": PROJECT_NUMBER, "iat": NOW, "exp": NOW + 60},
        header={"alg": alg},
    )
    reason = reason_of(chat_verifier(server, wall, mono), "Bearer " + token)
    assert reason == "unsupported token algorithm"


def test_wrong_email(devkey, server, wall, mono) -> None:
    verifier = oidc_verifier(server, wall, mono, addon=ADDON_SA)
    for email in ("someone@example.com", "CHAT@system.gserviceaccount.com", ADDON_SA + ".evil"):
        token = devkey.oidc_token(ENDPOINT, email, now=NOW)
        assert reason_of(verifier, "Bearer " + token) == "token is not from Google Chat"
    no_email = devkey.oidc_token(ENDPOINT, now=NOW, email=None)
    assert reason_of(verifier, "Bearer " + no_email) == "token is not from Google Chat"


@pytest.mark.parametrize("verified", [False, "false", None, 1])
def test_email_not_verified(devkey, server, wall, mono, verified: object) -> None:
    token = devkey.oidc_token(ENDPOINT, now=NOW, email_verified=verified)
    reason = reason_of(oidc_verifier(server, wall, mono), "Bearer " + token)
    assert reason == "token email is not verified"


def test_unknown_kid(devkey, rotated_key, server, wall, mono) -> None:
    verifier = chat_verifier(server, wall, mono)
    verifier.verify("Bearer " + devkey.chat_token(PROJECT_NUMBER, now=NOW))
    token = rotated_key.chat_token(PROJECT_NUMBER, now=NOW)
    assert reason_of(verifier, "Bearer " + token) == "unknown signing key"


def _b64json(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing Authorization header"),
        ("", "missing Authorization header"),
        ("Basic dXNlcjpwYXNz", "Authorization header is not a Bearer token"),
        ("Bearer", "Authorization header is not a Bearer token"),
        ("Bearer    ", "Authorization header is not a Bearer token"),
        ("Token abc.def.ghi", "Authorization header is not a Bearer token"),
        ("Bearer garbage", "malformed token"),
        ("Bearer ...", "malformed token"),
        ("Bearer a.b.c", "malformed token"),
        ("Bearer a.b.c.d", "malformed token"),
        ("Bearer a b c", "malformed token"),
        ("Bearer " + "A" * 17_000, "token too large"),
        ("Bearer " + "A" * 6000 + "." + "B" * 6000 + "." + "C" * 6000, "token too large"),
        ("Bearer " + _b64json([1, 2]) + ".e30.sig", "malformed token"),
        ("Bearer " + _b64json("RS256") + ".e30.sig", "malformed token"),
        ("Bearer " + _b64json({"alg": "RS256", "kid": "x"}) + ".e30.s!g", "malformed token"),
        ("Bearer " + _b64json({"alg": "RS256", "kid": "x"}) + ".e30.a", "malformed token"),
        ("Bearer e30=.e30.sig", "malformed token"),
        ("Bearer /w.e30.sig", "malformed token"),
        ("Bearer " + _b64json({"alg": "RS256"}) + ".e30.sig", "token has no key id"),
        ("Bearer " + _b64json({"alg": "RS256", "kid": 7}) + ".e30.sig", "token has no key id"),
        (
            "Bearer " + _b64json({"alg": "RS256", "kid": "k", "crit": ["x"]}) + ".e30.sig",
            "unsupported token header",
        ),
    ],
)
def test_malformed_headers(server, wall, mono, header: str | None, reason: str) -> None:
    verifier = chat_verifier(server, wall, mono)
    assert reason_of(verifier, header) == reason
    assert server.hits == 0  # rejected before any certs fetch


def test_payload_not_an_object(devkey, server, wall, mono) -> None:
    head = b64url(json.dumps({"alg": "RS256", "kid": devkey.kid, "typ": "JWT"}).encode())
    verifier = chat_verifier(server, wall, mono)
    for payload in (b"[1]", b"not json", b"\xff\xfe"):
        body = b64url(payload)
        signature = devkey.private_key.sign(
            f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        token = f"{head}.{body}.{b64url(signature)}"
        assert reason_of(verifier, "Bearer " + token) == "malformed token"


# --- never log a token --------------------------------------------------------------


def test_logs_and_reasons_never_contain_the_token(
    devkey, impostor, server, wall, mono, caplog
) -> None:
    verifier = oidc_verifier(server, wall, mono, addon=ADDON_SA)
    tokens = [
        devkey.oidc_token(ENDPOINT, now=NOW),
        devkey.oidc_token(ENDPOINT, ADDON_SA, now=NOW),
        devkey.oidc_token(ENDPOINT, "x@example.com", now=NOW),
        devkey.oidc_token(ENDPOINT, now=NOW - 9000),
        impostor.oidc_token(ENDPOINT, now=NOW),
        devkey.oidc_token("https://other", now=NOW),
        "garbage.garbage.garbage",
    ]
    reasons = []
    with caplog.at_level(logging.DEBUG):
        for token in tokens:
            try:
                verifier.verify("Bearer " + token)
            except VerificationError as exc:
                reasons.append(str(exc))
                reasons.append(repr(exc.__cause__))
    assert len(reasons) == 10
    assert reasons.count("None") == 5  # no chained exception carries the token
    dumped = "\n".join(repr(record.__dict__) for record in caplog.records) + caplog.text
    assert caplog.records  # something was logged (the certs fetch at least)
    for token in tokens:
        for part in token.split("."):
            if len(part) > 16:
                assert part not in dumped
        assert not any(part in reason for reason in reasons for part in token.split("."))
