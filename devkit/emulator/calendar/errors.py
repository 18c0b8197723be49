"""Calendar API errors in Google's Calendar shape (``errors[]`` with ``domain``/``reason``).

The Calendar API answers with the older error body::

    {"error": {"errors": [{"domain", "reason", "message", "locationType"?, "location"?}],
               "code": 410, "message": "..."}}

The bodies of ``fullSyncRequired``, ``authError``, ``duplicate`` and the
``usageLimits`` family are verbatim from Google's "Handle API errors" guide
(REFERENCE-calendar.md §2.3 and §6). The insufficient-scope 403 follows the
body Google sends today (``status`` and ``ErrorInfo`` details included, as
seen in analogdotnow/Analog#296). Messages marked *best reading* are not
documented; they are what third parties report or our closest guess.

``as_calendar_error`` turns any ``ApiError`` raised by the shared helpers
(discovery validation, page tokens, tokeninfo, faults) into this shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devkit.emulator.errors import ApiError

Json = dict[str, Any]

_REASON_BY_CODE = {
    400: "invalid",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    409: "conflict",
    410: "deleted",
    412: "conditionNotMet",
    429: "rateLimitExceeded",
    500: "backendError",
    502: "backendError",
    503: "backendError",
    504: "backendError",
}


class CalendarError(ApiError):
    """An ``ApiError`` whose body carries Calendar's ``errors`` list."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        domain: str = "global",
        location: str | None = None,
        location_type: str = "parameter",
        item_message: str | None = None,
        extra: Json | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code, message, headers=headers)
        item: Json = {"domain": domain, "reason": reason, "message": item_message or message}
        if location:
            item["locationType"] = location_type
            item["location"] = location
        self.reason = reason
        self.items = [item]
        self.extra = dict(extra or {})

    def body(self) -> Json:
        return {
            "error": {
                "errors": self.items,
                "code": self.code,
                "message": self.message,
                **self.extra,
            }
        }


def as_calendar_error(error: ApiError) -> CalendarError:
    """The Calendar-shaped version of any ``ApiError`` (unchanged if it already is one)."""
    if isinstance(error, CalendarError):
        return error
    if error.code == 401:
        converted = auth_error()
    else:
        reason = _REASON_BY_CODE.get(error.code, "backendError" if error.code >= 500 else "invalid")
        converted = CalendarError(error.code, error.message, reason)
    converted.headers.update(error.headers)
    return converted


# --- the documented bodies ---------------------------------------------------------------


def invalid(message: str, location: str | None = None) -> CalendarError:
    return CalendarError(400, message, "invalid", location=location)


def bad_request(message: str) -> CalendarError:
    return CalendarError(400, message, "badRequest")


def required(message: str, location: str | None = None) -> CalendarError:
    return CalendarError(400, message, "required", location=location)


def not_found() -> CalendarError:
    return CalendarError(404, "Not Found", "notFound")


def deleted() -> CalendarError:
    """Deleting what is already deleted (§2.3: ``domain: global, reason: deleted``)."""
    return CalendarError(410, "Resource has been deleted", "deleted")


def duplicate() -> CalendarError:
    return CalendarError(409, "The requested identifier already exists.", "duplicate")


def full_sync_required() -> CalendarError:
    """§2.3, verbatim."""
    return CalendarError(
        410,
        "Sync token is no longer valid, a full sync is required.",
        "fullSyncRequired",
        domain="calendar",
        location="syncToken",
    )


def sync_token_restrictions() -> CalendarError:
    """§2.2: the text and reason reported by third parties (domain: best reading)."""
    return CalendarError(
        400,
        "Sync token cannot be used with other request restrictions.",
        "syncTokenWithRequestRestrictions",
        domain="calendar",
    )


def time_range_empty(location: str = "timeMax") -> CalendarError:
    return CalendarError(
        400,
        "The specified time range is empty.",
        "timeRangeEmpty",
        domain="calendar",
        location=location,
    )


def auth_error() -> CalendarError:
    """§6 / the errors guide, verbatim."""
    return CalendarError(
        401,
        "Invalid Credentials",
        "authError",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def insufficient_scopes(method_id: str, scopes: frozenset[str]) -> CalendarError:
    """Today's 403 for a token without any of the method's scopes."""
    rpc = "calendar.v3." + ".".join(p[:1].upper() + p[1:] for p in method_id.split(".")[1:])
    return CalendarError(
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
        item_message="Insufficient Permission",
        extra={
            "status": "PERMISSION_DENIED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                    "domain": "googleapis.com",
                    "metadata": {"service": "calendar-json.googleapis.com", "method": rpc},
                }
            ],
        },
        headers={
            "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
            f'error="insufficient_scope", scope="{" ".join(sorted(scopes))}"'
        },
    )


def forbidden_for_non_organizer() -> CalendarError:
    """§3.1 names the reason; the message is our best reading."""
    return CalendarError(
        403,
        "Shared properties can only be changed by the organizer of the event.",
        "forbiddenForNonOrganizer",
        domain="calendar",
    )


def rate_limit_exceeded(code: int = 403) -> CalendarError:
    return CalendarError(code, "Rate Limit Exceeded", "rateLimitExceeded", domain="usageLimits")


def user_rate_limit_exceeded() -> CalendarError:
    return CalendarError(
        403, "User Rate Limit Exceeded", "userRateLimitExceeded", domain="usageLimits"
    )


def quota_exceeded() -> CalendarError:
    return CalendarError(
        403, "Calendar usage limits exceeded.", "quotaExceeded", domain="usageLimits"
    )


def backend_error(code: int = 500) -> CalendarError:
    return CalendarError(code, "Backend Error", "backendError")


#: Named errors for fault injection (``CalendarFaults``): name -> factory.
NAMED_ERRORS: dict[str, Callable[[], CalendarError]] = {
    "rateLimitExceeded": lambda: rate_limit_exceeded(403),
    "rateLimitExceeded429": lambda: rate_limit_exceeded(429),
    "userRateLimitExceeded": user_rate_limit_exceeded,
    "quotaExceeded": quota_exceeded,
    "authError": auth_error,
    "backendError": backend_error,
    "backendError503": lambda: backend_error(503),
}
