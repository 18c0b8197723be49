"""Calendar's older error body, classified on ``(status, errors[0].reason)``.

Calendar answers ``{"error": {"errors": [{"domain", "reason", "message"}],
"code", "message"}}``, and a 403 may be a quota or a permission error, so the
shared ``error_for_status`` (which reads the newer ``error.status``) is not
enough here; the rest of the status map is the shared ``error_class``
(REFERENCE-calendar.md §6):

- 403/429 ``rateLimitExceeded``/``userRateLimitExceeded``: ``CalendarRateLimited``,
  retried with backoff;
- 403 ``quotaExceeded`` (Workspace's abuse limit): ``CalendarRateLimited`` too,
  still ``retryable`` for a later job, but ``hot_retry`` is ``False``: no retry
  within the call;
- 401 ``Unauthenticated``; other 403s ``PermissionDenied``; 404 ``NotFound``;
  409 ``duplicate`` ``AlreadyExists`` (other 409s plain ``ApiError``); 410
  ``Gone``, or ``SyncTokenExpired`` from ``events.list``; 5xx ``Unavailable``.

Google's reason string stays in ``ApiError.reason`` (``fullSyncRequired``).
"""

from __future__ import annotations

from typing import Any

from shared.google.discovery import Json, execute
from shared.google.errors import (
    ApiError,
    Gone,
    RateLimited,
    error_class,
    error_object,
    text_field,
)
from shared.google.retry import parse_retry_after, throttled

RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
QUOTA_EXCEEDED = "quotaExceeded"


class SyncTokenExpired(Gone):
    """410 from ``events.list`` (``fullSyncRequired``, ``updatedMinTooLongAgo`` or none):
    wipe what was synced from this calendar and run a full sync."""


class CalendarRateLimited(RateLimited):
    """403 or 429 ``usageLimits``: back off. ``hot_retry`` is ``False`` for ``quotaExceeded``,
    which calls for a long pause rather than another attempt within the call."""

    @property
    def retryable(self) -> bool:
        return True

    @property
    def hot_retry(self) -> bool:
        return self.reason != QUOTA_EXCEEDED


def hot_retryable(error: ApiError) -> bool:
    """Worth another attempt within the same call (429, 5xx, timeouts, rate limits)."""
    if isinstance(error, CalendarRateLimited):
        return error.hot_retry
    return error.retryable


def read_retryable(error: ApiError, attempt: int) -> bool:
    """``call_with_retry``'s predicate for reads and idempotent writes."""
    return hot_retryable(error)


def throttled_only(error: ApiError, attempt: int) -> bool:
    """Rate limits only: the server refused before doing anything, so another try is safe."""
    if isinstance(error, CalendarRateLimited):
        return error.hot_retry
    return throttled(error, attempt)


def parse_calendar_error(content: bytes | str | None) -> tuple[str | None, str | None]:
    """``(reason, message)``: ``errors[0].reason`` (else ``error.status``) and the message."""
    error, text = error_object(content)
    if error is None:
        return None, text
    items = error.get("errors")
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    reason = text_field(first.get("reason")) or text_field(error.get("status"))
    return reason, text_field(error.get("message"))


def calendar_error(
    status: int,
    content: bytes | str | None,
    *,
    method: str,
    target: str | None = None,
    retry_after: float | None = None,
) -> ApiError:
    """The typed error for a Calendar error response."""
    reason, message = parse_calendar_error(content)
    cls: type[ApiError]
    if status == 429 or (status == 403 and reason in RATE_REASONS | {QUOTA_EXCEEDED}):
        cls = CalendarRateLimited
    elif status == 410 and method == "events.list":
        cls = SyncTokenExpired
    else:
        cls = error_class(status, already_exists=reason == "duplicate")
    return cls(
        message or f"HTTP {status}",
        status=status,
        reason=reason or f"HTTP_{status}",
        method=method,
        target=target,
        retry_after=retry_after,
    )


class _Classified:
    """A googleapiclient request whose HTTP errors become Calendar's typed errors.

    The shared ``execute`` still handles transport failures and token refresh;
    an ``ApiError`` raised here passes through it unchanged.
    """

    def __init__(self, request: Any, method: str, target: str) -> None:
        self._request, self._method, self._target = request, method, target

    def execute(self, num_retries: int = 0) -> Any:
        from googleapiclient.errors import HttpError

        try:
            return self._request.execute(num_retries=num_retries)
        except HttpError as exc:
            error = calendar_error(
                int(exc.resp.status),
                exc.content,
                method=self._method,
                target=self._target,
                retry_after=parse_retry_after(exc.resp.get("retry-after")),
            )
        raise error  # outside the except block: no chained library exception


def execute_calendar(request: Any, *, method: str, target: str = "") -> Json:
    """One HTTP attempt of a Calendar request; every failure becomes a typed ``ApiError``."""
    return execute(_Classified(request, method, target), method=method, target=target)
