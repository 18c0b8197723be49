"""The ``/_emulator`` inspection API, tokens, tokeninfo, and the CLI entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator

DEV = "users/100000000000000000001"
ROOT = Path(__file__).resolve().parents[3]


def test_seed_post_and_inspect(emu: Any, raw: Any) -> None:
    seeded = raw(
        "POST",
        "_emulator/spaces",
        {
            "name": "spaces/TEAM",
            "displayName": "Team",
            "spaceType": "SPACE",
            "members": ["dev@example.com", {"name": "users/42", "displayName": "Forty Two"}],
            "webhook": {"key": "k", "token": "t"},
        },
        token=None,
    )
    assert seeded.status == 200
    assert seeded.body["displayName"] == "Team"
    card = {"cardId": "c", "card": {"header": {"title": "Reminder", "subtitle": "in 5 min"}}}
    raw("POST", "v1/spaces/TEAM/messages", {"text": "Hello\nteam", "cardsV2": [card]})
    hook = raw("POST", "v1/spaces/TEAM/messages?key=k&token=t", {"text": "hooked"}, token=None)
    assert hook.status == 200
    listed = raw("GET", "_emulator/spaces/TEAM/messages", token=None).body["messages"]
    assert [m["text"] for m in listed] == ["Hello\nteam", "hooked"]
    assert [m["deleted"] for m in listed] == [False, False]
    members = raw("GET", "_emulator/spaces/TEAM/members", token=None).body["memberships"]
    assert {m["member"]["name"] for m in members} == {"users/app", DEV, "users/42"}
    transcript = raw("GET", "_emulator/spaces/TEAM/transcript", token=None).body
    assert '# spaces/TEAM "Team" (SPACE)' in transcript
    assert "Nudge (local) (BOT):" in transcript
    assert "    Hello\n    team" in transcript
    assert "[card] Reminder - in 5 min" in transcript
    assert "Incoming webhook (BOT):" in transcript
    assert emu.transcript("TEAM") == transcript


def test_request_log_redacts_webhook_secrets(emu: Any, raw: Any) -> None:
    raw(
        "POST",
        "v1/spaces/AAAA/messages?key=local-webhook-key&token=local-webhook-token",
        {"text": "x"},
        token=None,
    )
    raw("GET", "v1/spaces/NOPE")
    log = raw("GET", "_emulator/requests", token=None).body["requests"]
    assert [(r["method"], r["path"], r["status"], r.get("space")) for r in log] == [
        ("POST", "/v1/spaces/AAAA/messages", 200, "spaces/AAAA"),
        ("GET", "/v1/spaces/NOPE", 404, "spaces/NOPE"),
    ]
    assert "local-webhook-token" not in json.dumps(log)


def test_stats_reset_and_health(emu: Any, raw: Any) -> None:
    raw("POST", "v1/spaces/AAAA/messages", {"text": "x"})
    stats = raw("GET", "_emulator/stats", token=None).body
    assert (stats["writes"], stats["creates"], stats["statuses"]) == (1, 1, {"200": 1})
    assert raw("POST", "_emulator/reset", token=None).body == {"reset": True}
    assert emu.messages("AAAA") == []
    assert emu.stats()["writes"] == 0
    health = raw("GET", "_emulator/health", token=None).body
    assert health["ok"] is True
    assert health["discoveryRevision"]
    assert raw("GET", "_emulator/nothing", token=None).status == 404


def test_tokens_and_users_over_http(raw: Any, error_of: Any) -> None:
    raw(
        "POST",
        "_emulator/users",
        {"name": "users/55", "email": "shy@example.com", "autoAccept": False},
        token=None,
    )
    registered = raw(
        "POST",
        "_emulator/tokens",
        {"token": "human", "kind": "user", "user": DEV, "scopes": ["chat.memberships"]},
        token=None,
    )
    assert registered.body["scopes"] == ["https://www.googleapis.com/auth/chat.memberships"]
    added = raw(
        "POST",
        "v1/spaces/AAAA/members",
        {"member": {"name": "users/shy@example.com", "type": "HUMAN"}},
        token="human",
    )
    assert (added.body["member"]["name"], added.body["state"]) == ("users/55", "INVITED")
    bad = raw("POST", "_emulator/tokens", {"token": "x", "kind": "robot"}, token=None)
    assert error_of(bad)["code"] == 400


class _TokenInfo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("access_token")
        if token == ["good-user"]:
            info = {"sub": "100000000000000000001", "email": "dev@example.com",
                    "scope": "https://www.googleapis.com/auth/chat.messages openid"}  # fmt: skip
            body, status = json.dumps(info).encode(), 200
        else:
            body, status = b'{"error": "invalid_token"}', 400
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def tokeninfo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenInfo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tokeninfo"
    server.shutdown()
    server.server_close()


def test_tokeninfo_introspection(tokeninfo: str) -> None:
    import google.auth.exceptions
    import google.oauth2.credentials
    from googleapiclient.discovery import build

    with ChatEmulator(tokeninfo_url=tokeninfo) as emu:

        def service(token: str) -> Any:
            creds = google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]
            return build("chat", "v1", credentials=creds, client_options={"api_endpoint": emu.url},
                         static_discovery=True, cache_discovery=False)  # fmt: skip

        user = service("good-user")
        posted = (
            user.spaces().messages().create(parent="spaces/AAAA", body={"text": "hi"}).execute()
        )
        assert posted["sender"]["name"] == DEV
        assert posted["sender"]["type"] == "HUMAN"
        assert user.spaces().messages().list(parent="spaces/AAAA").execute()["messages"]
        # A 401 makes google-auth try a refresh, which a bare token can't do.
        with pytest.raises(google.auth.exceptions.RefreshError):
            service("bad-token").spaces().get(name="spaces/AAAA").execute()
        assert emu.requests()[-1]["status"] == 401
        app = service("local-app-token").spaces().get(name="spaces/AAAA").execute()
        assert app["name"] == "spaces/AAAA"


def test_emulator_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ChatEmulator(host="0.0.0.0")


def test_module_entry_point_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.emulator", "--port", "0", "--latency-ms", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Chat API emulator listening on http://127.0.0.1:")
        url = first.split()[5]
        with urllib.request.urlopen(f"{url}_emulator/health", timeout=5) as response:
            assert json.loads(response.read())["ok"] is True
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_main_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    from devkit.emulator import main

    assert main(["--host", "0.0.0.0", "--port", "0"]) == 2
    assert "loopback" in capsys.readouterr().err
