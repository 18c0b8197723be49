"""Calendar's older error body, classified on (status, errors[0].reason) (reference §6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared.calendar.errors import (
    CalendarRateLimited,
    SyncTokenExpired,
    calendar_error,
    hot_retryable,
    parse_calendar_error,
)
from shared.google.errors import (
    AlreadyExists,
    ApiError,
    Gone,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
    error_for_status,
)

ROOT = Path(__file__).resolve().parents[2]


def body(status: int, reason: str | None, message: str = "m", domain: str = "global") -> str:
    error: dict[str, object] = {"code": status, "message": message}
    if reason is not None:
        error["errors"] = [{"domain": domain, "reason": reason, "message": message}]
    return json.dumps({"error": error})


@pytest.mark.parametrize(
    ("status", "reason", "cls", "hot"),
    [
        (403, "rateLimitExceeded", CalendarRateLimited, True),
        (429, "rateLimitExceeded", CalendarRateLimited, True),
        (403, "userRateLimitExceeded", CalendarRateLimited, True),
        (403, "quotaExceeded", CalendarRateLimited, False),
        (429, None, CalendarRateLimited, True),
        (401, "authError", Unauthenticated, False),
        (403, "forbiddenForNonOrganizer", PermissionDenied, False),
        (403, "insufficientPermissions", PermissionDenied, False),
        (400, "syncTokenWithRequestRestrictions", InvalidArgument, False),
        (404, "notFound", NotFound, False),
        (409, "duplicate", AlreadyExists, False),
        (500, "backendError", Unavailable, True),
        (503, "backendError", Unavailable, True),
    ],
)
def test_classification(status: int, reason: str | None, cls: type[ApiError], hot: bool) -> None:
    error = calendar_error(status, body(status, reason), method="events.get", target="primary")
    assert type(error) is cls
    assert error.status == status
    assert error.reason == (reason or "HTTP_429")
    assert hot_retryable(error) is hot


def test_quota_exceeded_is_retryable_later_but_not_within_the_call() -> None:
    error = calendar_error(403, body(403, "quotaExceeded"), method="events.list")
    assert isinstance(error, RateLimited)
    assert error.retryable
    assert not hot_retryable(error)


def test_a_409_other_than_duplicate_is_a_plain_api_error() -> None:
    error = calendar_error(409, body(409, "conflict"), method="events.patch")
    assert type(error) is ApiError
    assert error.reason == "conflict"


@pytest.mark.parametrize("reason", ["fullSyncRequired", "updatedMinTooLongAgo", None])
def test_410_from_events_list_is_sync_token_expired(reason: str | None) -> None:
    error = calendar_error(410, body(410, reason), method="events.list", target="primary")
    assert isinstance(error, SyncTokenExpired)
    assert isinstance(error, Gone)
    if reason:
        assert error.reason == reason


def test_410_elsewhere_is_gone() -> None:
    error = calendar_error(410, body(410, "deleted"), method="events.delete")
    assert type(error) is Gone


def test_message_and_where_are_kept() -> None:
    error = calendar_error(
        403,
        body(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
        method="events.list",
        target="primary",
        retry_after=3.0,
    )
    assert str(error) == "events.list on primary: rateLimitExceeded: Rate Limit Exceeded"
    assert error.retry_after == 3.0


def test_parse_falls_back_to_the_newer_shape_and_to_text() -> None:
    newer = json.dumps({"error": {"code": 403, "message": "no", "status": "PERMISSION_DENIED"}})
    assert parse_calendar_error(newer) == ("PERMISSION_DENIED", "no")
    assert parse_calendar_error(b"<html>bad gateway</html>") == (None, "<html>bad gateway</html>")
    assert parse_calendar_error(None) == (None, None)
    assert parse_calendar_error("[1]") == (None, None)
    error = calendar_error(502, b"<html>bad gateway</html>", method="events.list")
    assert isinstance(error, Unavailable)


def test_the_shared_map_knows_410_and_chat_is_unchanged() -> None:
    assert type(error_for_status(410, None, method="x")) is Gone
    chat = json.dumps({"error": {"code": 409, "message": "m", "status": "ALREADY_EXISTS"}})
    assert type(error_for_status(409, chat, method="messages.create")) is AlreadyExists


def test_importing_the_clients_loads_no_api_library() -> None:
    code = (
        "import sys\n"
        "import shared.calendar.client, shared.calendar.people, shared.calendar.meet\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('googleapiclient', 'httplib2')]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""
