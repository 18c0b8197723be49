"""Verification through the deployed entry point, in all three of Google's modes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from tests.scenarios.conftest import ChatHarness, fixture

MODES = ("project_number", "endpoint_url", "addon")


@pytest.mark.parametrize("mode", MODES)
def test_a_signed_help_command_is_answered_in_every_mode(
    make_harness: Callable[..., ChatHarness], mode: str
) -> None:
    harness = make_harness(mode)
    event = fixture("legacy", "slash_command_legacy")
    if mode == "addon":
        event = fixture("addon", "app_command")
    response = harness.post(event)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "/help" in response.get_data(as_text=True)


@pytest.mark.parametrize("mode", MODES)
def test_a_missing_token_gets_401_and_no_handler_runs(
    make_harness: Callable[..., ChatHarness], mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    harness = make_harness(mode)
    with caplog.at_level(logging.DEBUG):
        response = harness.post(fixture("legacy", "message"), token=None)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert not any("Answered" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("mode", "overrides", "reason"),
    [
        ("project_number", {"aud": "999"}, "audience"),
        ("project_number", {"iss": "someone@example.com"}, "issuer"),
        ("project_number", {"exp": 1_000_000_000}, "expired"),
        ("endpoint_url", {"email": "mallory@example.com"}, "not from google chat"),
        ("endpoint_url", {"email_verified": False}, "email"),
        ("addon", {"aud": "https://evil.example.com/"}, "audience"),
    ],
)
def test_a_bad_token_gets_401_with_a_reason_and_the_log_never_shows_it(
    make_harness: Callable[..., ChatHarness],
    caplog: pytest.LogCaptureFixture,
    mode: str,
    overrides: dict[str, object],
    reason: str,
) -> None:
    harness = make_harness(mode)
    token = harness.token(**overrides)
    with caplog.at_level(logging.DEBUG):
        response = harness.post(fixture("legacy", "message"), token=token)
    assert response.status_code == 401
    assert reason in response.json["error"]["message"].lower()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "verification" in logged.lower()
    assert token not in logged
    assert token.split(".")[2] not in logged


def test_a_token_signed_by_another_key_is_rejected(
    make_harness: Callable[..., ChatHarness],
) -> None:
    from devkit.devkey import DevKey

    harness = make_harness("project_number")
    forged = DevKey.generate(kid=harness.key.kid).chat_token("424242424242")
    response = harness.post(fixture("legacy", "message"), token=forged)
    assert response.status_code == 401
    assert "signature" in response.json["error"]["message"].lower()


def test_a_thousand_verified_requests_fetch_certs_at_most_once(harness: ChatHarness) -> None:
    body = json.dumps(fixture("legacy", "slash_command_legacy")).encode()
    token = harness.token()
    for _ in range(1000):
        response = harness.post(body, token=token)
        assert response.status_code == 200
    assert harness.certs.hits <= 1


def test_turning_verification_off_needs_the_explicit_setting_and_warns(
    make_harness: Callable[..., ChatHarness], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        harness = make_harness("project_number", NUDGE_VERIFY_REQUESTS="false")
        response = harness.post(fixture("legacy", "slash_command_legacy"), token=None)
    assert response.status_code == 200
    assert any("verification is OFF" in r.getMessage() for r in caplog.records)


def test_verification_is_on_when_nothing_is_configured(
    make_harness: Callable[..., ChatHarness], monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = make_harness("project_number")
    monkeypatch.delenv("NUDGE_CHAT_AUDIENCE")
    from tests.scenarios.conftest import reset_process_caches

    reset_process_caches()
    response = harness.post(fixture("legacy", "message"))
    assert response.status_code == 401
    assert "NUDGE_CHAT_AUDIENCE" in response.json["error"]["message"]
