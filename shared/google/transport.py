"""One small HTTP client on the standard library, for every hand-made call Nudge sends.

Certs, OAuth token and revocation endpoints, incoming webhooks and credential
refreshes all go through ``send``: it applies the URL policy, bounds the
response size and turns "no answer" into ``TransportError`` whose message
never holds the URL (webhook URLs and OAuth queries carry secrets). Keeping
``requests`` and ``httplib2`` off these paths keeps cold starts short.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
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
) -> HttpResult:
    """Send one request; any HTTP status comes back as an ``HttpResult``.

    Raises ``UnsafeUrl`` before sending to a URL the policy forbids, and
    ``TransportError`` when no complete answer arrives.
    """
    check_outbound(url)
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
