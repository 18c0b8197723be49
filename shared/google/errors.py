"""Typed Google API errors with messages that say what failed, where and why.

``str(error)`` reads like ``messages.create on spaces/AAA: PERMISSION_DENIED: ...``.
Every Google REST API answers errors in the same JSON shape, so the Chat,
Workspace Events and Calendar clients share these. Import-light on purpose:
callers catch them without loading any API client.
"""

from __future__ import annotations

import json
from typing import Any

#: HTTP statuses worth another attempt (with backoff).
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

_REASONS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """A Google API call failed.

    ``status`` is the HTTP status (``None`` when no response arrived: timeout or
    connection error); ``reason`` the canonical code such as ``NOT_FOUND``;
    ``method`` the API method (``messages.create``); ``space`` the space
    involved, when there is one; ``retry_after`` the server's ``Retry-After``
    in seconds, if it sent one.
    """

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        reason: str = "UNKNOWN",
        method: str = "",
        space: str | None = None,
        target: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.detail = detail
        self.status = status
        self.reason = reason
        self.method = method
        self.space = space
        self.target = target or space
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.method or 'request'}"
        if self.target:
            where += f" on {self.target}"
        return f"{where}: {self.reason}: {self.detail}"

    def __str__(self) -> str:
        return self._render()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._render()!r})"

    @property
    def retryable(self) -> bool:
        """True for throttling, server errors and transport failures."""
        return self.status is None or self.status in RETRYABLE_STATUSES


class InvalidArgument(ApiError):
    """400: the request is malformed (bad field, bad mask, bad ID)."""


class Unauthenticated(ApiError):
    """401: credentials are missing, expired or revoked; re-authorize."""


class PermissionDenied(ApiError):
    """403: the caller may not do this (e.g. the app isn't a member of the space)."""


class NotFound(ApiError):
    """404: the space, message or member does not exist (or is invisible to the caller)."""


class AlreadyExists(ApiError):
    """409: a resource with that ID (e.g. a ``client-`` message ID) already exists."""


class Gone(ApiError):
    """410: the resource or state named is gone for good (e.g. a Calendar sync token)."""


class RateLimited(ApiError):
    """429: a quota was exceeded; ``retry_after`` says how long the server asked to wait."""


class Unavailable(ApiError):
    """5xx, a timeout or a connection failure: the server could not answer (retryable)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidArgument,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: AlreadyExists,
    410: Gone,
    429: RateLimited,
    500: Unavailable,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_object(content: bytes | str | None) -> tuple[dict[str, Any] | None, str | None]:
    """A Google JSON error body's ``error`` object, else ``None`` and a non-JSON body's text."""
    if not content:
        return None, None
    try:
        payload: Any = json.loads(content)
    except (TypeError, ValueError):
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        return None, text.strip()[:300] or None
    error = payload.get("error") if isinstance(payload, dict) else None
    return (error if isinstance(error, dict) else None), None


def text_field(value: Any) -> str | None:
    """``value`` if it is a non-empty string (a field of an error body), else ``None``."""
    return value if isinstance(value, str) and value else None


def parse_error_body(content: bytes | str | None) -> tuple[str | None, str | None]:
    """``(reason, message)`` from a Google JSON error body, or ``(None, None)``."""
    error, text = error_object(content)
    if error is None:
        return None, text
    return text_field(error.get("status")), text_field(error.get("message"))


def error_class(status: int, *, already_exists: bool) -> type[ApiError]:
    """The ``ApiError`` subclass for an HTTP error status.

    A 409 is ``AlreadyExists`` only when ``already_exists`` (the body's reason
    says so), else a plain ``ApiError``; an unlisted 5xx is ``Unavailable``.
    """
    if status == 409 and not already_exists:
        return ApiError
    return _BY_STATUS.get(status, Unavailable if status >= 500 else ApiError)


def error_for_status(
    status: int,
    content: bytes | str | None,
    *,
    method: str,
    space: str | None = None,
    target: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """The typed error for an HTTP error response."""
    reason, message = parse_error_body(content)
    reason = reason or _REASONS.get(status, "UNKNOWN")
    cls = error_class(status, already_exists=reason == "ALREADY_EXISTS")
    return cls(
        message or f"HTTP {status}",
        status=status,
        reason=reason,
        method=method,
        space=space,
        target=target,
        retry_after=retry_after,
    )


def transport_error(
    exc: BaseException,
    *,
    method: str,
    space: str | None = None,
    target: str | None = None,
    text: str | None = None,
) -> Unavailable:
    """An ``Unavailable`` for a timeout or connection failure (no HTTP response).

    ``text`` replaces ``str(exc)`` when that might hold a secret (a URL).
    """
    reason = "TIMEOUT" if _is_timeout(exc) else "CONNECTION_ERROR"
    detail = type(exc).__name__
    text = str(exc) if text is None else text
    if text:
        detail += f": {text[:200]}"
    return Unavailable(
        detail, status=None, reason=reason, method=method, space=space, target=target
    )


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError) or getattr(exc, "timeout", None) is True:
        return True
    reason = getattr(exc, "reason", None)  # urllib's URLError wraps the socket error
    return isinstance(reason, TimeoutError)
