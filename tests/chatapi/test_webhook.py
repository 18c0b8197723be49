"""Webhook client against a loopback stub: sending, retries, and that the secret never leaks."""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import traceback
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.chatapi.webhook import WebhookClient, redact_url
from shared.google.errors import ApiError, InvalidArgument, Unavailable
from shared.google.retry import RetryPolicy
from tests.chatapi.fakes import FakeClock

KEY = "AIzaSyKEYKEYKEYsecret"
TOKEN = "tok3n-SECRET-value_xyz"


class Stub:
    """A tiny Chat webhook endpoint that answers from a script."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                parsed = urllib.parse.urlsplit(self.path)
                stub.requests.append(
                    {
                        "path": parsed.path,
                        "query": dict(urllib.parse.parse_qsl(parsed.query)),
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                status, payload, headers = stub.script.pop(0) if stub.script else (200, {}, {})
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1/spaces/AAAA/messages?key={KEY}&token={TOKEN}"


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def client_for(url: str, clock: FakeClock | None = None, **kwargs: Any) -> WebhookClient:
    clock = clock or FakeClock()
    kwargs.setdefault("retry", RetryPolicy(max_attempts=3, initial_backoff=0.01))
    return WebhookClient(
        url, clock=clock, sleep=clock.sleep, pacing=False, rng=random.Random(0), **kwargs
    )


def assert_no_secret(text: str) -> None:
    assert KEY not in text
    assert TOKEN not in text


def test_redact_url_replaces_key_and_token() -> None:
    url = f"https://chat.googleapis.com/v1/spaces/AAA/messages?key={KEY}&token={TOKEN}&threadKey=t"
    redacted = redact_url(url)
    assert_no_secret(redacted)
    assert "key=REDACTED" in redacted
    assert "token=REDACTED" in redacted
    assert "threadKey=t" in redacted
    assert "spaces/AAA" in redacted


def test_repr_is_redacted() -> None:
    client = client_for(
        f"https://chat.googleapis.com/v1/spaces/AAA/messages?key={KEY}&token={TOKEN}"
    )
    assert_no_secret(repr(client))
    assert_no_secret(str(vars(client).get("redacted_url")))


def test_send_posts_json_with_thread_and_request_id(stub: Stub) -> None:
    stub.script.append(
        (200, {"name": "spaces/AAAA/messages/1", "thread": {"name": "spaces/AAAA/threads/t"}}, {})
    )
    result = client_for(stub.url).send("hello", {"header": {"title": "T"}}, thread_key="daily")
    assert result["name"] == "spaces/AAAA/messages/1"
    request = stub.requests[0]
    assert request["content_type"] == "application/json; charset=UTF-8"
    assert request["body"]["text"] == "hello"
    assert request["body"]["cardsV2"] == [{"cardId": "card", "card": {"header": {"title": "T"}}}]
    assert request["body"]["thread"] == {"threadKey": "daily"}
    assert request["query"]["messageReplyOption"] == "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    assert request["query"]["key"] == KEY
    assert request["query"]["requestId"]


def test_retries_5xx_with_the_same_request_id_and_retry_after(stub: Stub) -> None:
    stub.script += [
        (503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "busy"}}, {}),
        (
            429,
            {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "slow"}},
            {"Retry-After": "2"},
        ),
        (200, {"name": "spaces/AAAA/messages/9"}, {}),
    ]
    clock = FakeClock()
    result = client_for(stub.url, clock).send("x")
    assert result["name"] == "spaces/AAAA/messages/9"
    assert len({r["query"]["requestId"] for r in stub.requests}) == 1
    assert clock.sleeps[-1] >= 2.0


def test_http_errors_are_typed_redacted_and_unchained(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub.script += [
        (
            400,
            {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": f"bad token={TOKEN}"}},
            {},
        )
    ]
    with pytest.raises(InvalidArgument) as info:
        client_for(stub.url).send("x")
    error = info.value
    assert error.__cause__ is None
    assert error.__context__ is None
    assert str(error).startswith("webhook.send on http://127.0.0.1")
    for text in (str(error), repr(error), "".join(traceback.format_exception(error)), caplog.text):
        assert_no_secret(text)


def test_connection_errors_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/spaces/AAAA/messages?key={KEY}&token={TOKEN}"
    with pytest.raises(Unavailable) as info:
        client_for(url).send("x")
    error = info.value
    assert error.reason == "CONNECTION_ERROR"
    assert isinstance(error, ApiError)
    for text in (str(error), repr(error), "".join(traceback.format_exception(error)), caplog.text):
        assert_no_secret(text)
    assert "retrying" in caplog.text


def test_success_log_is_redacted(stub: Stub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client_for(stub.url).send("x")
    assert "webhook message sent" in caplog.text
    for record in caplog.records:
        assert_no_secret(record.getMessage())
        assert_no_secret(json.dumps(getattr(record, "fields", {}), default=str))


def test_rejects_non_http_urls_without_leaking() -> None:
    with pytest.raises(ValueError) as info:
        WebhookClient(f"ftp://x/v1/spaces/A/messages?key={KEY}&token={TOKEN}")
    assert_no_secret(str(info.value))


def test_send_needs_content() -> None:
    with pytest.raises(ValueError):
        client_for("https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t").send()
