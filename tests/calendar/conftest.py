"""Fixtures: the Calendar emulator (one per session, reset per test) and clients against it.

The emulator's wall clock is a ``FakeClock`` in epoch seconds, set back to
``START`` before each test; the clients get their own ``FakeClock`` as their
monotonic clock and sleep, so a retry's backoff advances fake time and never
waits. ``Receiver`` is a tiny push endpoint on loopback. Deliveries are
awaited with ``wait_for_deliveries`` (a completion bound, not a timing assertion).
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import google.oauth2.credentials
import httplib2
import pytest

from devkit.emulator.calendar import CalendarEmulator
from shared.calendar.client import CalendarClient
from shared.calendar.meet import MeetClient
from shared.calendar.people import PeopleClient
from shared.google.retry import RetryPolicy
from tests.chatapi.fakes import FakeClock

DEV = "dev@example.com"
ALEX = "alex@example.com"
ALEX_USER = "users/100000000000000000002"
START = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC).timestamp()
RETRY = RetryPolicy(max_attempts=4, initial_backoff=1.0, max_backoff=8.0, deadline=600.0)


def credentials(token: str) -> Any:
    return google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]


def meeting(event_id: str | None = None, *, day: int = 5, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Sync",
        "start": {"dateTime": f"2026-10-{day:02d}T15:00:00Z"},
        "end": {"dateTime": f"2026-10-{day:02d}T15:30:00Z"},
    }
    if event_id:
        body["id"] = event_id
    body.update(extra)
    return body


class BearerHttp:
    """An httplib2 transport that signs with a fixed bearer token (never refreshed) and
    records each request's URI in ``uris``."""

    def __init__(self, token: str, uris: list[str] | None = None) -> None:
        self.http = httplib2.Http(timeout=10)
        self.token = token
        self.uris = [] if uris is None else uris

    def request(self, uri: str, method: str = "GET", **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        headers["authorization"] = f"Bearer {self.token}"
        self.uris.append(uri)
        return self.http.request(uri, method, headers=headers, **kwargs)


@pytest.fixture(scope="session")
def wall() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def server(wall: FakeClock) -> Iterator[CalendarEmulator]:
    with CalendarEmulator(clock=wall, sleep=wall.sleep) as emulator:
        yield emulator


@pytest.fixture
def emu(server: CalendarEmulator, wall: FakeClock) -> CalendarEmulator:
    server.wait_for_deliveries()
    server.reset()
    wall.now = START
    wall.sleeps.clear()
    return server


@pytest.fixture
def clock() -> FakeClock:
    """The clients' monotonic clock; its ``sleep`` advances it at once."""
    return FakeClock()


def _token(emu: CalendarEmulator, email: str, scopes: Sequence[str]) -> str:
    token = f"tok-{email}-{'-'.join(scopes)}"
    emu.register_token(token, email, list(scopes))
    return token


@pytest.fixture
def calendar_for(emu: CalendarEmulator, clock: FakeClock) -> Callable[..., CalendarClient]:
    """``calendar_for(email=DEV, scopes=("calendar",), sleep=None)``: a client as that user."""

    def make(
        email: str = DEV,
        scopes: Sequence[str] = ("calendar",),
        sleep: Callable[[float], None] | None = None,
    ) -> CalendarClient:
        return CalendarClient(
            credentials(_token(emu, email, scopes)),
            endpoint=emu.calendar_url,
            retry=RETRY,
            clock=clock,
            sleep=sleep or clock.sleep,
            rng=random.Random(7),
        )

    return make


@pytest.fixture
def calendar(calendar_for: Callable[..., CalendarClient]) -> CalendarClient:
    return calendar_for()


@pytest.fixture
def people_for(emu: CalendarEmulator, clock: FakeClock) -> Callable[..., PeopleClient]:
    def make(email: str = DEV, scopes: Sequence[str] = ("directory.readonly",)) -> PeopleClient:
        token = _token(emu, email, scopes)
        return PeopleClient(
            credentials(token), endpoint=emu.url, retry=RETRY, clock=clock, sleep=clock.sleep
        )

    return make


@pytest.fixture
def meet(emu: CalendarEmulator, clock: FakeClock) -> MeetClient:
    token = _token(emu, DEV, ("calendar", "meetings.space.readonly"))
    return MeetClient(
        credentials(token), endpoint=emu.meet_url, retry=RETRY, clock=clock, sleep=clock.sleep
    )


class Receiver:
    """A push endpoint on 127.0.0.1 (port 0) that records each POST's headers and body."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner.lock:
                    owner.deliveries.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/calendar/notifications"

    def received(self) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return list(self.deliveries)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    endpoint.thread.start()
    try:
        yield endpoint
    finally:
        endpoint.httpd.shutdown()
        endpoint.httpd.server_close()
        endpoint.thread.join(timeout=10)
