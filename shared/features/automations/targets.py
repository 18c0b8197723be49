"""Where an outgoing webhook may point: a public HTTPS endpoint, never Nudge's own network.

A space manager types the URL, so it is untrusted. ``resolve_target`` checks its shape
(``https``, no credentials, no fragment, a sane length), resolves the host, and refuses
the URL when **any** address it resolves to is loopback, private, link-local, multicast,
reserved, unspecified or otherwise not globally routable (IPv4-mapped, 6to4, Teredo and
NAT64 IPv6 addresses are judged by the IPv4 address they carry). The delivery then
connects to the checked address only (``transport.send(..., connect_to=...)``), so a
DNS answer that changes after the check (DNS rebinding) cannot redirect it; redirects
are never followed.

``NUDGE_ALLOW_PRIVATE_WEBHOOKS=true`` (local development) lifts the address rule and
allows plain ``http`` to a loopback host, as the transport's URL policy does.

The resolver is a seam: ``Resolver(host, port) -> addresses``; tests pass a stub.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shared.google.urls import is_loopback

MAX_URL_LENGTH = 2000
#: ``(host, port) -> IP addresses`` (strings); raises ``OSError`` when the name has none.
Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message is fit to show a manager."""


class Unresolvable(Exception):
    """The host did not resolve right now (perhaps a passing DNS failure)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked webhook URL and the address its connection must go to."""

    url: str
    host: str
    port: int
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host`` (TCP), in its order, once each."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


def refusal(ip: IPAddress) -> str:
    """Why Nudge must not connect to ``ip`` ("" when it is a public address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal(embedded)
            if inner:
                return inner
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-public"),
    )
    for hit, why in checks:
        if hit:
            return why
    return ""


def check_shape(url: str, *, allow_private: bool) -> urllib.parse.SplitResult:
    """The URL's parts, if its shape is acceptable; ``UnsafeTarget`` says what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"The URL is too long: {MAX_URL_LENGTH} characters at most.")
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise UnsafeTarget("The URL contains spaces or control characters.")
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise UnsafeTarget("That is not a valid URL.") from None
    if not host:
        raise UnsafeTarget("The URL needs a host, as in https://hooks.example.com/nudge.")
    plain_local = parts.scheme == "http" and allow_private and is_loopback(host)
    if parts.scheme != "https" and not plain_local:
        raise UnsafeTarget("The URL must start with https://.")
    if "@" in parts.netloc:
        raise UnsafeTarget("The URL may not carry a user name or password.")
    if parts.fragment or url.endswith("#"):
        raise UnsafeTarget("The URL may not have a #fragment.")
    return parts


def resolve_target(url: str, *, resolver: Resolver, allow_private: bool = False) -> Target:
    """Check ``url`` and every address its host resolves to; the address to connect to.

    Raises ``UnsafeTarget`` for a URL Nudge must not call and ``Unresolvable`` when
    the host has no address right now.
    """
    parts = check_shape(url, allow_private=allow_private)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[str] = [str(literal)]
    else:
        try:
            addresses = [str(a) for a in resolver(host, port)]
        except (OSError, UnicodeError):
            raise Unresolvable(f"{host} did not resolve") from None
        if not addresses:
            raise Unresolvable(f"{host} did not resolve")
    checked: list[IPAddress] = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise UnsafeTarget(f"{host} resolved to something that is not an address.") from None
        why = "" if allow_private else refusal(ip)
        if why:
            raise UnsafeTarget(
                f"{host} resolves to a {why} address ({ip}); Nudge only calls public addresses."
            )
        checked.append(ip)
    return Target(url=url, host=host, port=port, address=str(checked[0]))
