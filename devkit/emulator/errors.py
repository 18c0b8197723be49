"""``ApiError``: a Google API error, rendered as Google's JSON error body."""

from __future__ import annotations

import json
from typing import Any

#: Canonical ``status`` strings per HTTP code, as Google's front end uses them.
STATUS_BY_CODE: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

#: Default messages for the statuses faults inject.
DEFAULT_MESSAGES: dict[int, str] = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "Internal error encountered.",
    502: "Bad gateway.",
    503: "The service is currently unavailable.",
    504: "Deadline expired before operation could complete.",
}

MISSING_CREDENTIALS = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
INVALID_CREDENTIALS = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
INSUFFICIENT_SCOPES = "Request had insufficient authentication scopes."
NO_PERMISSION = "The caller does not have permission"
NOT_FOUND = "Requested entity was not found."


class ApiError(Exception):
    """An error response: HTTP ``code``, ``message`` and canonical ``status``."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, "UNKNOWN")
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """``{"error": {"code", "message", "status"}}``, Google's shape."""
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}

    def json(self) -> str:
        return json.dumps(self.body(), indent=2)


def invalid(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


def not_found(message: str = NOT_FOUND) -> ApiError:
    return ApiError(404, message, "NOT_FOUND")


def denied(message: str = NO_PERMISSION) -> ApiError:
    return ApiError(403, message, "PERMISSION_DENIED")


def status_error(code: int, message: str | None = None) -> ApiError:
    """An error for ``code`` with Google's default wording."""
    return ApiError(code, message or DEFAULT_MESSAGES.get(code, f"HTTP {code}"))
