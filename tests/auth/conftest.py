"""Fixtures for user OAuth: keys, a fake Google OAuth server, the app served on loopback."""

from __future__ import annotations

import base64
import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from devkit.loopback import LoopbackServer
from devkit.oauth_server import OAuthServer
from shared.config import Settings
from shared.google.errors import PermissionDenied, Unauthenticated
from shared.http import HttpRequest

CLIENT_ID = "test-client.apps.googleusercontent.com"
CLIENT_SECRET = "test-client-secret"
USER_ID = "100000000000000000001"
USER_NAME = f"users/{USER_ID}"
MEMBERSHIPS = "https://www.googleapis.com/auth/chat.memberships"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def oauth() -> Iterator[OAuthServer]:
    with OAuthServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user_id=USER_ID) as server:
        yield server


@pytest.fixture
def token_key() -> str:
    return new_key()


@pytest.fixture
def make_settings(oauth: OAuthServer, tmp_path: Path, token_key: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        env = {
            **oauth.settings_env(),
            "NUDGE_TOKEN_KEY": token_key,
            "NUDGE_DATABASE": str(tmp_path / "state" / "nudge.db"),
            "NUDGE_PUBLIC_URL": "http://127.0.0.1:9/chat",
            "NUDGE_VERIFY_REQUESTS": "false",
        }
        return Settings.from_env({**env, **overrides})

    return make


# --- a loopback "Chat" that receives configCompleteRedirectUrl --------------------


class _RecordingHandler(BaseHTTPRequestHandler):
    owner: RecordingServer

    def do_GET(self) -> None:
        self.owner.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class RecordingServer(LoopbackServer):
    """Answers 200 to anything and records request paths (the Chat redirect target)."""

    handler = _RecordingHandler

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[str] = []
        self.start()


@pytest.fixture
def chat_redirect() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.stop()


class _AppHandler(BaseHTTPRequestHandler):
    owner: AppServer

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = HttpRequest(
            method=method,
            path=parts.path,
            body=self.rfile.read(length) if length else b"",
            headers=dict(self.headers.items()),
            query=dict(urllib.parse.parse_qsl(parts.query)),
        )
        response = self.owner.dispatch(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class AppServer(LoopbackServer):
    """Serves ``dispatch(HttpRequest) -> HttpResponse`` on loopback, like functions-framework."""

    handler = _AppHandler

    def __init__(self, dispatch: Callable[[HttpRequest], Any]) -> None:
        super().__init__()
        self.dispatch = dispatch
        self.start()

    def post_event(self, event: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url + "/",
            data=json.dumps(event).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body: dict[str, Any] = json.loads(response.read())
            return body


# --- a user-auth Chat API stand-in that checks tokens at the fake's tokeninfo ---------


@dataclass
class FakeUserChat:
    """``services.user_chat`` for tests: ``create_membership`` introspects the access token."""

    tokeninfo_url: str
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, credentials: Any) -> FakeUserChat.Client:
        return FakeUserChat.Client(self, credentials)

    @dataclass
    class Client:
        owner: FakeUserChat
        credentials: Any

        def create_membership(self, space: str, user: str, **_: Any) -> dict[str, Any]:
            query = urllib.parse.urlencode({"access_token": self.credentials.token or ""})
            try:
                with urllib.request.urlopen(f"{self.owner.tokeninfo_url}?{query}", timeout=5) as r:
                    info = json.loads(r.read())
            except urllib.error.HTTPError:
                raise Unauthenticated(
                    "invalid credentials", status=401, reason="UNAUTHENTICATED"
                ) from None
            if MEMBERSHIPS not in info["scope"].split():
                raise PermissionDenied(
                    "insufficient scopes", status=403, reason="PERMISSION_DENIED"
                )
            self.owner.calls.append((f"users/{info['sub']}", space, user))
            state = "INVITED" if "@" in user else "JOINED"
            return {"name": f"{space}/members/{user[6:]}", "state": state, "member": {"name": user}}
