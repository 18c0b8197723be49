"""chat_app served by functions-framework in its own process, called over a real socket."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from tests.scenarios.conftest import (
    ADDON_SA,
    ENDPOINT_URL,
    PROJECT_NUMBER,
    ROOT,
    fixture,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def post(url: str, body: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextlib.contextmanager
def serve_chat_app(**env: str) -> Iterator[str]:
    """chat_app under functions-framework in its own process; yields its URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "functions_framework", "--target", "chat_app",
         "--source", "main.py", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=dict(os.environ, NUDGE_COMMAND_IDS="/help=1", **env),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
            except urllib.error.HTTPError:
                break  # 405 for GET: it is up
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("functions-framework did not start")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_endpoint_url_and_addon_modes_over_a_socket() -> None:
    key = DevKey.generate()
    with (
        CertsServer(key, max_age=3600) as certs,
        serve_chat_app(
            NUDGE_CHAT_AUDIENCE=ENDPOINT_URL,
            NUDGE_OIDC_CERTS_URL=certs.certs_url,
            NUDGE_ADDON_SERVICE_ACCOUNT=ADDON_SA,
        ) as url,
    ):
        help_event = fixture("legacy", "slash_command_legacy")
        status, body = post(url, help_event, key.oidc_token(ENDPOINT_URL))
        assert status == 200
        assert body["cardsV2"][0]["cardId"] == "help"
        addon_token = key.oidc_token(ENDPOINT_URL, email=ADDON_SA)
        status, body = post(url, fixture("addon", "message_dm"), addon_token)
        assert status == 200
        assert "createMessageAction" in body["hostAppDataAction"]["chatDataAction"]
        status, body = post(url, fixture("legacy", "message"), None)
        assert status == 401


def test_project_number_mode_over_a_socket() -> None:
    key = DevKey.generate()
    with (
        CertsServer(key, max_age=3600) as certs,
        serve_chat_app(
            NUDGE_CHAT_AUDIENCE=PROJECT_NUMBER, NUDGE_CHAT_CERTS_URL=certs.certs_url
        ) as url,
    ):
        help_event = fixture("legacy", "slash_command_legacy")
        status, body = post(url, help_event, key.chat_token(PROJECT_NUMBER))
        assert status == 200
        assert body["cardsV2"][0]["cardId"] == "help"
        forged = DevKey.generate(kid=key.kid).chat_token(PROJECT_NUMBER)
        status, body = post(url, fixture("legacy", "message"), forged)
        assert status == 401
