"""One URL policy for every outbound call: https anywhere, plain http only to loopback."""

from __future__ import annotations

import pytest

from shared.auth.endpoints import TokenEndpointError, exchange_code, revoke_token
from shared.chatapi.webhook import WebhookClient
from shared.core.certs import fetch_certs
from shared.google.transport import send
from shared.google.urls import UnsafeUrl, check_outbound, is_loopback

REFUSED = [
    "http://oauth2.googleapis.com/token",
    "http://10.0.0.5/token",
    "ftp://example.com/x",
    "file:///etc/passwd",
    "gopher://x",
    "https://",
    "not a url",
]


@pytest.mark.parametrize("url", REFUSED)
def test_the_policy_refuses(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_outbound(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://oauth2.googleapis.com/token",
        "http://127.0.0.1:8092/token",
        "http://localhost:8092/token",
        "http://[::1]:8092/token",
        "http://127.1.2.3/x",
    ],
)
def test_the_policy_allows(url: str) -> None:
    assert check_outbound(url) == url


def test_loopback_is_decided_by_address_not_by_name_prefix() -> None:
    assert is_loopback("127.0.0.1")
    assert not is_loopback("127.0.0.1.evil.example")
    assert not is_loopback("localhost.evil.example")
    assert not is_loopback(None)


@pytest.mark.parametrize("url", REFUSED[:3])
def test_every_hand_made_client_applies_it_before_sending(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        send("GET", url)
    with pytest.raises(ValueError, match="https"):
        fetch_certs(url)
    with pytest.raises(TokenEndpointError) as refused:
        exchange_code(url, code="c", redirect_uri="r", client_id="i", client_secret="SECRET")
    assert refused.value.error == "bad_endpoint_url"
    assert revoke_token(url, "1//token") is False
    with pytest.raises(ValueError, match="https") as bad_hook:
        WebhookClient(url + "?key=KEY&token=TOKEN")
    assert "TOKEN" not in str(bad_hook.value)
