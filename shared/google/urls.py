"""Where Nudge may send requests and browsers: the one URL policy.

Outbound calls (certs, OAuth endpoints, webhooks, API roots) must be
``https``; plain ``http`` is allowed only to a loopback address, for the
local stack and tests. Browser redirects after consent go only to Google
Chat's own hosts (or loopback, locally).
"""

from __future__ import annotations

import ipaddress
import urllib.parse

#: Hosts that Chat's ``configCompleteRedirectUrl`` points at.
CHAT_REDIRECT_HOSTS = frozenset({"chat.google.com", "mail.google.com"})


class UnsafeUrl(ValueError):
    """The URL breaks the policy; the message names the rule, never the URL's secrets."""


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback IP addresses (``127.0.0.0/8``, ``::1``)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_outbound(url: str, what: str = "URL") -> str:
    """``url`` if it is ``https`` (or ``http`` to loopback); raises ``UnsafeUrl`` otherwise."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise UnsafeUrl(f"{what} is not a valid URL") from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and is_loopback(host):
        return url
    raise UnsafeUrl(f"{what} must be https (plain http only to a loopback address)")


def chat_redirect(url: str | None, *, allow_loopback: bool = True) -> str | None:
    """``url`` if it may receive a browser after consent: https on Chat's hosts, or (with
    ``allow_loopback``, for the local stack; never on Cloud Functions) a loopback page."""
    if not url:
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme == "https" and host in CHAT_REDIRECT_HOSTS:
        return url
    if allow_loopback and parts.scheme in ("http", "https") and is_loopback(host):
        return url
    return None
