"""Fixtures: one emulator per session (reset before each test) and API clients for it.

The emulator's quota windows and fault waits run on a virtual clock (``clock``),
reset with it: two writes in a row are zero seconds apart and a latency fault
moves the clock instead of waiting, whatever the machine's speed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import google.oauth2.credentials
import pytest
from googleapiclient.discovery import build

from devkit.emulator import ChatEmulator
from tests.chatapi.fakes import FakeClock

DEV = "users/100000000000000000001"
ALEX = "users/100000000000000000002"
INVITEE = "users/100000000000000000003"
START = 1000.0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@pytest.fixture(scope="session")
def session_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def server(session_clock: FakeClock) -> Iterator[ChatEmulator]:
    with ChatEmulator(clock=session_clock, sleep=session_clock.sleep) as emulator:
        yield emulator


@pytest.fixture
def clock(session_clock: FakeClock) -> FakeClock:
    """The emulator's clock, back at ``START`` with no sleeps recorded."""
    session_clock.now = START
    session_clock.sleeps.clear()
    return session_clock


@pytest.fixture
def emu(server: ChatEmulator, clock: FakeClock) -> ChatEmulator:
    server.reset()
    server.set_quotas(False)
    return server


def make_service(emu: ChatEmulator, token: str) -> Any:
    credentials = google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]
    return build(
        "chat",
        "v1",
        credentials=credentials,
        client_options={"api_endpoint": emu.url},
        static_discovery=True,
        cache_discovery=False,
    )


@pytest.fixture
def chat(emu: ChatEmulator) -> Any:
    """The app (an unregistered token: the app with scope chat.bot)."""
    return make_service(emu, "any-app-token")


@pytest.fixture
def service_for(emu: ChatEmulator) -> Callable[..., Any]:
    """``service_for(token, kind=…, user=…, scopes=[…])``: registers the token, builds a client."""

    def factory(token: str, *, kind: str = "user", user: str | None = DEV, scopes: Any = ()) -> Any:
        emu.register_token(token, kind=kind, user=user, scopes=list(scopes))  # type: ignore[arg-type]
        return make_service(emu, token)

    return factory


@pytest.fixture
def raw(emu: ChatEmulator) -> Callable[..., Reply]:
    """``raw(method, path, body=None, token="app", timeout=10)``: plain HTTP, any status."""

    def call(
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = "app",
        timeout: float = 10.0,
        data: bytes | None = None,
    ) -> Reply:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = (
            data if data is not None else (None if body is None else json.dumps(body).encode())
        )
        request = urllib.request.Request(
            emu.url + path.lstrip("/"), data=payload, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, head, content = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            status, head, content = exc.code, dict(exc.headers), exc.read()
        try:
            parsed: Any = json.loads(content) if content else None
        except ValueError:
            parsed = content.decode()
        return Reply(status, head, parsed)

    return call


def _error_of(body: Any, status: int) -> dict[str, Any]:
    if isinstance(body, bytes | str):
        body = json.loads(body)
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "status"}, error
    assert error["code"] == status
    return error


@pytest.fixture
def error_of() -> Callable[[Any], dict[str, Any]]:
    """``error_of(reply_or_HttpError)``: the ``error`` object, checked to be Google's shape."""

    def check(thing: Any) -> dict[str, Any]:
        if isinstance(thing, Reply):
            return _error_of(thing.body, thing.status)
        return _error_of(thing.content, int(thing.resp.status))

    return check
