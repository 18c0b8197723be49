"""Webhook targets: https to public addresses only, checked per address, connected as checked."""

from __future__ import annotations

import ipaddress

import pytest

from shared.features.automations.targets import (
    Unresolvable,
    UnsafeTarget,
    refusal,
    resolve_target,
)
from shared.google.transport import TransportError, send
from shared.google.urls import UnsafeUrl
from tests.features.automations.kit import Receiver, stub_resolver

DNS = stub_resolver(
    {
        "hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        "internal.example.com": ["10.1.2.3"],
        "sneaky.example.com": ["93.184.216.34", "169.254.169.254"],
        "metadata.google.internal": ["169.254.169.254"],
        "localhost": ["127.0.0.1", "::1"],
        "v6-loopback.example.com": ["::1"],
        "mapped.example.com": ["::ffff:127.0.0.1"],
    }
)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.0.0.8/hook", "private"),
        ("https://172.16.5.4/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::1]/hook", "loopback"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://[fc00::1]/hook", "private"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://240.0.0.1/hook", "reserved"),
        ("https://100.64.0.1/hook", "non-public"),
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("https://[64:ff9b::a00:1]/hook", "private"),  # NAT64 of 10.0.0.1
        ("https://[2002:a00:1::]/hook", "private"),  # 6to4 of 10.0.0.1
        ("https://internal.example.com/hook", "private"),
        ("https://metadata.google.internal/computeMetadata/v1/", "link-local"),
        ("https://sneaky.example.com/hook", "link-local"),  # one bad address is enough
        ("https://localhost/hook", "loopback"),
        ("https://v6-loopback.example.com/hook", "loopback"),
        ("https://mapped.example.com/hook", "loopback"),
    ],
)
def test_private_and_special_addresses_are_refused(url: str, why: str) -> None:
    with pytest.raises(UnsafeTarget, match=why):
        resolve_target(url, resolver=DNS)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/hook", "https"),
        ("ftp://hooks.example.com/hook", "https"),
        ("https://user:pw@hooks.example.com/hook", "user name or password"),
        ("https://hooks.example.com/hook#x", "fragment"),
        ("https:///hook", "needs a host"),
        ("https://hooks.example.com:99999/", "not a valid URL"),
        ("https://hooks.example.com/a b", "spaces"),
        ("https://hooks.example.com/" + "a" * 2000, "too long"),
        ("http://127.0.0.1:8080/hook", "https"),  # plain http only in local development
    ],
)
def test_the_url_shape_is_checked(url: str, why: str) -> None:
    with pytest.raises(UnsafeTarget, match=why):
        resolve_target(url, resolver=DNS)


def test_a_public_host_passes_and_the_first_checked_address_is_the_one_to_use() -> None:
    target = resolve_target("https://hooks.example.com/nudge?x=1", resolver=DNS)
    assert (target.host, target.port, target.address) == (
        "hooks.example.com",
        443,
        "93.184.216.34",
    )
    assert resolve_target("https://93.184.216.34:8443/", resolver=DNS).port == 8443


def test_a_name_that_does_not_resolve_is_unresolvable_not_unsafe() -> None:
    with pytest.raises(Unresolvable):
        resolve_target("https://nowhere.example.com/", resolver=DNS)


def test_local_development_may_use_loopback_and_plain_http_to_it() -> None:
    target = resolve_target("http://localhost:8080/hook", resolver=DNS, allow_private=True)
    assert target.address == "127.0.0.1"
    assert resolve_target("https://10.0.0.8/", resolver=DNS, allow_private=True).address
    with pytest.raises(UnsafeTarget, match="https"):  # http still only to loopback
        resolve_target("http://10.0.0.8/", resolver=DNS, allow_private=True)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888"])
def test_public_addresses_have_no_refusal(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == ""


# --- the transport's pinned connection ---------------------------------------------------


def test_a_pinned_request_goes_to_the_checked_address_with_the_urls_host() -> None:
    with Receiver([201]) as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        # The URL names "localhost"; the connection goes to the address given, not to DNS.
        answer = send(
            "POST",
            f"http://localhost:{port}/in?q=1",
            body=b"{}",
            headers={"X-Test": "yes"},
            connect_to="127.0.0.1",
        )
        (got,) = receiver.received
    assert answer.status == 201
    assert (got.path, got.headers["host"], got.headers["x-test"]) == (
        "/in?q=1",
        f"localhost:{port}",
        "yes",
    )


def test_a_pinned_request_never_follows_a_redirect() -> None:
    with Receiver([302]) as receiver:
        answer = send("POST", receiver.url + "/", body=b"{}", connect_to="127.0.0.1")
        assert len(receiver.received) == 1
    assert answer.status == 302
    assert answer.headers["location"].startswith("http://169.254.169.254/")


def test_a_pinned_request_keeps_the_url_policy() -> None:
    with pytest.raises(UnsafeUrl):
        send("POST", "http://hooks.example.com/", connect_to="127.0.0.1")
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        send("POST", "https://hooks.example.com/", connect_to="hooks.example.com")


def test_a_pinned_https_request_speaks_tls_to_the_pinned_address() -> None:
    # The name does not resolve here; the pinned address answers plain HTTP, so the TLS
    # handshake (for the URL's host name) is what fails, not DNS.
    with Receiver() as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        with pytest.raises(TransportError) as failure:
            send(
                "POST",
                f"https://hooks.invalid:{port}/hook",
                body=b"{}",
                timeout=5,
                connect_to="127.0.0.1",
            )
    assert str(failure.value) in ("SSLError", "SSLEOFError", "SSLZeroReturnError")
