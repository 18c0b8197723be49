"""One small HTTP client on the standard library, for every hand-made call Nudge sends.

Certs, OAuth token and revocation endpoints, incoming webhooks and credential
refreshes all go through ``send``: it applies the URL policy, bounds the
response size and turns "no answer" into ``TransportError`` whose message
never holds the URL (webhook URLs and OAuth queries carry secrets). Keeping
``requests`` and ``httplib2`` off these paths keeps cold starts short.

``send(..., connect_to=ADDRESS)`` is for URLs that someone else chose (outgoing
webhooks): the caller resolves the host and checks every address, then the
connection goes to the checked address only, so DNS cannot answer differently
between the check and the connection (DNS rebinding). TLS still verifies the
certificate for the URL's host, which is also the ``Host`` header; such a request
never follows a redirect and ignores proxy settings.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.google.urls import check_outbound

DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 1_000_000


class TransportError(Exception):
    """No HTTP answer arrived (connection refused, timeout, reset, oversized answer).

    ``timeout`` says whether it was a timeout; ``str(exc)`` names the failure's
    type only, never the URL.
    """

    def __init__(self, kind: str, *, timeout: bool = False) -> None:
        super().__init__(kind)
        self.timeout = timeout


@dataclass(frozen=True, slots=True)
class HttpResult:
    """An HTTP answer of any status. Header names are lower-case."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body as JSON, or ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError):
        return True
    return isinstance(getattr(exc, "reason", None), TimeoutError)


def send(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_RESPONSE_BYTES,
    connect_to: str | None = None,
) -> HttpResult:
    """Send one request; any HTTP status comes back as an ``HttpResult``.

    Raises ``UnsafeUrl`` before sending to a URL the policy forbids, and
    ``TransportError`` when no complete answer arrives. ``connect_to`` (an IP
    address the caller checked) pins the connection there; see the module's notes.
    """
    check_outbound(url)
    if connect_to is not None:
        return _send_pinned(method, url, connect_to, body, headers, timeout, max_bytes)
    request = urllib.request.Request(  # noqa: S310 - scheme checked by the URL policy
        url, data=body, method=method, headers=dict(headers or {})
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, answer_headers = response.status, response.headers
            raw = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        try:
            status, answer_headers, raw = exc.code, exc.headers, exc.read(max_bytes + 1)
        except (OSError, http.client.HTTPException):
            status, answer_headers, raw = exc.code, exc.headers, b""
        finally:
            exc.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # Not chained: urllib's exceptions may carry the URL.
        raise TransportError(type(exc).__name__, timeout=_is_timeout(exc)) from None
    if len(raw) > max_bytes:
        raise TransportError("ResponseTooLarge")
    lowered = {k.lower(): v for k, v in (answer_headers.items() if answer_headers else ())}
    return HttpResult(status, lowered, raw)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to one fixed address (what ``connect_to`` allows: loopback, locally)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to one fixed address, verifying the certificate for ``host`` (SNI too)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _send_pinned(
    method: str,
    url: str,
    address: str,
    body: bytes | None,
    headers: Mapping[str, str] | None,
    timeout: float,
    max_bytes: int,
) -> HttpResult:
    """``send`` over a connection to ``address``; no redirects, no proxies."""
    ip = str(ipaddress.ip_address(address))  # ValueError for anything but an IP address
    parts = urllib.parse.urlsplit(url)
    host, secure = parts.hostname or "", parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pinned = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = pinned(host, port, address=ip, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        status, answer_headers = response.status, response.getheaders()
        raw = response.read(max_bytes + 1)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise TransportError(type(exc).__name__, timeout=_is_timeout(exc)) from None
    finally:
        connection.close()
    if len(raw) > max_bytes:
        raise TransportError("ResponseTooLarge")
    return HttpResult(status, {k.lower(): v for k, v in answer_headers}, raw)


@dataclass(frozen=True, slots=True)
class _AuthResponse:
    status: int
    headers: Mapping[str, str]
    data: bytes


class AuthRequest:
    """A ``google.auth.transport.Request`` on ``send``, for refreshing credentials."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _AuthResponse:
        import google.auth.exceptions

        try:
            result = send(method, url, body=body, headers=headers, timeout=timeout or self.timeout)
        except (TransportError, ValueError) as exc:
            raise google.auth.exceptions.TransportError(str(exc)) from None  # type: ignore[no-untyped-call]
        return _AuthResponse(result.status, result.headers, result.body)
