"""Fixtures: one Calendar emulator per session (reset before each test), clients, a push receiver.

The emulator's wall clock is a ``FakeClock`` in epoch seconds, set back to
``START`` before each test: event timestamps, channel expiry and how far open
series expand depend only on what a test does to it, never on the machine.
Push deliveries are awaited with ``wait_for_deliveries`` (a completion bound,
not a timing assertion).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import google.oauth2.credentials
import pytest
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from devkit.emulator.calendar import CalendarEmulator
from devkit.loopback import LoopbackServer
from tests.chatapi.fakes import FakeClock

ROOT_PATH = Path(__file__).resolve().parents[3]
DEV = "dev@example.com"
ALEX = "alex@example.com"
START = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC).timestamp()
FULL = ("calendar",)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver(LoopbackServer):
    """A push endpoint on loopback: records every POST, answers ``statuses`` then 200."""

    requests: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    class Handler(BaseHTTPRequestHandler):
        owner: ClassVar[Receiver]

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            owner = self.owner
            with owner.lock:
                owner.requests.append(Delivery(self.path, dict(self.headers.items()), body))
                status = owner.statuses.pop(0) if owner.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    handler = Handler

    def __post_init__(self) -> None:
        super().__init__("127.0.0.1", 0)
        self.lock = threading.Lock()

    @property
    def address(self) -> str:
        return self.url + "/calendar/notifications"

    def states(self) -> list[tuple[str, int]]:
        with self.lock:
            return [
                (d.headers["X-Goog-Resource-State"], int(d.headers["X-Goog-Message-Number"]))
                for d in self.requests
            ]


@pytest.fixture(scope="session")
def session_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def server(session_clock: FakeClock) -> Iterator[CalendarEmulator]:
    with CalendarEmulator(clock=session_clock, sleep=session_clock.sleep) as emulator:
        yield emulator


@pytest.fixture
def clock(session_clock: FakeClock) -> FakeClock:
    session_clock.now = START
    session_clock.sleeps.clear()
    return session_clock


@pytest.fixture
def emu(server: CalendarEmulator, clock: FakeClock) -> CalendarEmulator:
    server.wait_for_deliveries()
    server.reset()
    return server


def make_service(url: str, token: str, api: str = "calendar", version: str = "v3") -> Any:
    credentials = google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]
    return build(
        api,
        version,
        credentials=credentials,
        client_options={"api_endpoint": url},
        static_discovery=True,
        cache_discovery=False,
    )


@pytest.fixture
def service_for(emu: CalendarEmulator) -> Callable[..., Any]:
    """``service_for(email, scopes=("calendar",), token=None)``: a Calendar client as that user."""

    def factory(email: str, scopes: Any = FULL, token: str | None = None) -> Any:
        token = token or f"tok-{email}-{'-'.join(scopes)}"
        emu.register_token(token, email, list(scopes))
        return make_service(emu.calendar_url, token)

    return factory


@pytest.fixture
def dev(service_for: Callable[..., Any]) -> Any:
    return service_for(DEV)


@pytest.fixture
def alex(service_for: Callable[..., Any]) -> Any:
    return service_for(ALEX)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as endpoint:
        yield endpoint


@pytest.fixture
def raw(emu: CalendarEmulator) -> Callable[..., Reply]:
    """``raw(method, path, body=None, token=None)``: plain HTTP to the emulator, any status."""

    def call(method: str, path: str, body: Any = None, *, token: str | None = None) -> Reply:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            emu.url + path.lstrip("/"), data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, head, content = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            status, head, content = exc.code, dict(exc.headers), exc.read()
        return Reply(status, head, json.loads(content) if content else None)

    return call


def error_body(error: HttpError) -> dict[str, Any]:
    """The ``error`` object of a Calendar error, checked to have Calendar's shape."""
    body = json.loads(error.content)
    assert set(body) == {"error"}, body
    inner: dict[str, Any] = body["error"]
    assert inner["code"] == error.resp.status
    assert isinstance(inner["errors"], list), inner
    assert inner["errors"], inner
    assert {"domain", "reason", "message"} <= set(inner["errors"][0])
    return inner


def reason(error: HttpError) -> str:
    return str(error_body(error)["errors"][0]["reason"])


def timed(local: str, zone: str) -> dict[str, str]:
    return {"dateTime": local, "timeZone": zone}


def meeting(
    event_id: str | None = None,
    *,
    start: str = "2026-10-05T15:00:00Z",
    end: str = "2026-10-05T15:30:00Z",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Sync",
        "start": {"dateTime": start},
        "end": {"dateTime": end},
    }
    if event_id:
        body["id"] = event_id
    body.update(extra)
    return body


def full_sync(service: Any, **params: Any) -> tuple[list[dict[str, Any]], str, int]:
    """Every item of a full list, the ``nextSyncToken`` and the number of pages."""
    items: list[dict[str, Any]] = []
    pages, token = 0, None
    while True:
        page = service.events().list(calendarId="primary", pageToken=token, **params).execute()
        pages += 1
        items += page.get("items", [])
        token = page.get("nextPageToken")
        if not token:
            assert "nextSyncToken" in page
            return items, page["nextSyncToken"], pages
        assert "nextSyncToken" not in page  # only on the very last page


def delta(service: Any, sync_token: str, **params: Any) -> tuple[list[dict[str, Any]], str]:
    """An incremental sync: every changed item and the next sync token."""
    items: list[dict[str, Any]] = []
    token = None
    while True:
        page = (
            service.events()
            .list(calendarId="primary", syncToken=sync_token, pageToken=token, **params)
            .execute()
        )
        items += page.get("items", [])
        token = page.get("nextPageToken")
        if not token:
            return items, page["nextSyncToken"]
