"""User-scoped access with OAuth scopes per method (§5.1), and faults with Google's bodies (§6)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from devkit.emulator.calendar import CalendarEmulator
from devkit.oauth_server import OAuthServer
from tests.chatapi.fakes import FakeClock
from tests.devkit.calendar.conftest import ALEX, DEV, error_body, make_service, meeting, reason

SCOPE = "https://www.googleapis.com/auth/"


def test_unknown_token_is_401_auth_error(emu: Any, raw: Any) -> None:
    # (The client library would try to refresh its token on a 401, so: plain HTTP.)
    reply = raw("GET", "calendar/v3/calendars/primary/events", token="nobody-knows-this-token")
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert reply.body == {
        "error": {
            "errors": [
                {
                    "domain": "global",
                    "reason": "authError",
                    "message": "Invalid Credentials",
                    "locationType": "header",
                    "location": "Authorization",
                }
            ],
            "code": 401,
            "message": "Invalid Credentials",
        }
    }


def test_missing_token_is_401(raw: Any) -> None:
    reply = raw("GET", "calendar/v3/calendars/primary/events")
    assert reply.status == 401
    assert reply.body["error"]["errors"][0]["reason"] == "required"


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        ("calendar", {"list", "watch", "insert", "settings", "calendars"}),
        ("calendar.readonly", {"list", "watch", "settings", "calendars"}),
        ("calendar.events", {"list", "watch", "insert"}),
        ("calendar.events.owned", {"list", "watch", "insert"}),
        ("calendar.events.readonly", {"list", "watch"}),
        ("calendar.events.owned.readonly", {"list", "watch"}),
        ("calendar.settings.readonly", {"settings"}),
        ("calendar.calendars.readonly", {"calendars"}),
        ("calendar.app.created", set()),  # only calendars the app made, never primary
        ("chat.bot", set()),
    ],
)
def test_scopes_per_method(service_for: Any, scope: str, allowed: set[str]) -> None:
    service = service_for(DEV, [scope])
    calls = {
        "list": lambda: service.events().list(calendarId="primary").execute(),
        "watch": lambda: (
            service.events()
            .watch(
                calendarId="primary",
                body={"id": f"c-{scope}", "type": "web_hook", "address": "https://127.0.0.1:9/h"},
            )
            .execute()
        ),
        "insert": lambda: service.events().insert(calendarId="primary", body=meeting()).execute(),
        "settings": lambda: service.settings().get(setting="timezone").execute(),
        "calendars": lambda: service.calendars().get(calendarId="primary").execute(),
    }
    for name, call in calls.items():
        if name in allowed:
            call()
            continue
        with pytest.raises(HttpError) as info:
            call()
        assert info.value.resp.status == 403, name
        body = error_body(info.value)
        assert body["message"] == "Request had insufficient authentication scopes."
        assert body["errors"][0]["reason"] == "insufficientPermissions"
        assert body["status"] == "PERMISSION_DENIED"
        assert "insufficient_scope" in info.value.resp["www-authenticate"]


def test_users_see_only_their_own_calendars(dev: Any, alex: Any, emu: Any) -> None:
    emu.create_event(ALEX, meeting("alekscal001"))
    with pytest.raises(HttpError) as info:
        dev.events().list(calendarId=ALEX).execute()
    assert (info.value.resp.status, reason(info.value)) == (404, "notFound")
    with pytest.raises(HttpError) as info:
        dev.events().get(calendarId="primary", eventId="alekscal001").execute()
    assert info.value.resp.status == 404
    assert [i["id"] for i in alex.events().list(calendarId=ALEX).execute()["items"]] == [
        "alekscal001"
    ]


@pytest.mark.parametrize(
    ("name", "status", "domain", "message"),
    [
        ("rateLimitExceeded", 403, "usageLimits", "Rate Limit Exceeded"),
        ("rateLimitExceeded429", 429, "usageLimits", "Rate Limit Exceeded"),
        ("userRateLimitExceeded", 403, "usageLimits", "User Rate Limit Exceeded"),
        ("quotaExceeded", 403, "usageLimits", "Calendar usage limits exceeded."),
        ("authError", 401, "global", "Invalid Credentials"),
        ("backendError", 500, "global", "Backend Error"),
    ],
)
def test_faults_answer_with_googles_bodies(
    dev: Any, emu: Any, raw: Any, name: str, status: int, domain: str, message: str
) -> None:
    emu.set_faults(error_rate=1.0, errors=[name])
    reply = raw(
        "POST",
        "calendar/v3/calendars/primary/events",
        meeting("fault000001"),
        token="local-calendar-token",
    )
    assert reply.status == status
    item = {"domain": domain, "reason": name.removesuffix("429"), "message": message}
    if name == "authError":
        item.update(locationType="header", location="Authorization")
    assert reply.body == {"error": {"errors": [item], "code": status, "message": message}}
    if status != 401:  # the client library refreshes credentials on a 401
        with pytest.raises(HttpError) as info:
            dev.events().insert(calendarId="primary", body=meeting("fault000001")).execute()
        assert (info.value.resp.status, reason(info.value)) == (status, item["reason"])
    emu.set_faults()
    assert emu.events(DEV) == []  # a pre-commit fault has no side effect
    dev.events().insert(calendarId="primary", body=meeting("fault000001")).execute()
    assert emu.stats()["faults"] == (1 if status == 401 else 2)


def test_fault_after_commit_and_latency(dev: Any, emu: Any, clock: FakeClock) -> None:
    emu.set_faults(fault_after_commit_rate=1.0, latency_ms=250)
    with pytest.raises(HttpError) as info:
        dev.events().insert(calendarId="primary", body=meeting("commit00001")).execute()
    assert (info.value.resp.status, reason(info.value)) == (503, "backendError")
    assert [e["id"] for e in emu.events(DEV)] == ["commit00001"]  # it did commit
    assert clock.sleeps == [0.25]  # latency waits on the emulator's clock
    emu.set_faults()
    with pytest.raises(HttpError) as retry:
        dev.events().insert(calendarId="primary", body=meeting("commit00001")).execute()
    assert reason(retry.value) == "duplicate"  # a retry learns the event exists


def test_unknown_fault_names_are_refused(emu: Any, raw: Any) -> None:
    with pytest.raises(ValueError, match="unknown errors"):
        emu.set_faults(errors=["teapot"])
    assert raw("POST", "_emulator/faults", {"errors": ["teapot"]}).status == 400
    assert raw("POST", "_emulator/faults", {"error_rate": 0.5, "errors": ["quotaExceeded"]}).body[
        "statuses"
    ] == [403]


def test_tokens_introspected_at_tokeninfo(raw: Any) -> None:
    """Tokens from the OAuth fake (as the local stack uses) work through ``tokeninfo``."""
    redirect = "http://127.0.0.1:9/oauth/callback"
    with OAuthServer(client_id="cid", client_secret="secret", email=DEV) as google:
        consent = (
            google.auth_url
            + "?"
            + urllib.parse.urlencode(
                {
                    "client_id": "cid",
                    "redirect_uri": redirect,
                    "response_type": "code",
                    "scope": SCOPE + "calendar.events.owned.readonly",
                }
            )
        )
        location = google.authorize(consent)
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "cid",
            "client_secret": "secret",
            "redirect_uri": redirect,
        }
        request = urllib.request.Request(
            google.token_url, data=urllib.parse.urlencode(form).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.loads(response.read())["access_token"]
        with CalendarEmulator(tokeninfo_url=google.tokeninfo_url) as emu:
            service = make_service(emu.calendar_url, token)
            listed = service.events().list(calendarId="primary").execute()
            assert listed["summary"] == DEV
            with pytest.raises(HttpError) as info:
                service.events().insert(calendarId="primary", body=meeting()).execute()
            assert reason(info.value) == "insufficientPermissions"
            stranger = urllib.request.Request(
                emu.calendar_url + "calendars/primary/events",
                headers={"Authorization": "Bearer ya29.unknown"},
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(stranger, timeout=10)
            assert refused.value.code == 401
            assert json.loads(refused.value.read())["error"]["errors"][0]["reason"] == "authError"


def test_free_busy_scope_sees_times_only(service_for: Any, emu: Any) -> None:
    emu.create_event(DEV, meeting("free0000001", description="secret plans"))
    busy = service_for(DEV, ["calendar.events.freebusy"])
    (item,) = busy.events().list(calendarId="primary").execute()["items"]
    assert set(item) <= {"kind", "etag", "id", "status", "start", "end", "updated", "eventType"}
    assert "summary" not in item
