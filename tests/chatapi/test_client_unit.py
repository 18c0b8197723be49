"""ChatClient against a scripted httplib2 stand-in: requests, retries, idempotency, errors."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import httplib2
import pytest

from shared.chatapi.client import ChatClient
from shared.chatapi.pacing import Pacer
from shared.google.errors import (
    AlreadyExists,
    ApiError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from shared.google.retry import RetryPolicy
from tests.chatapi.fakes import FakeClock

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = "http://127.0.0.1:9/"

Reply = tuple[int, Any, dict[str, str]] | BaseException


def ok(body: Any = None) -> Reply:
    return (200, body if body is not None else {}, {})


def err(status: int, reason: str, message: str = "nope", **headers: str) -> Reply:
    return (status, {"error": {"code": status, "message": message, "status": reason}}, headers)


class ScriptedHttp:
    """Plays back replies in order and records every request."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []

    def request(
        self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **_: Any
    ) -> tuple[Any, bytes]:
        parsed = urllib.parse.urlsplit(uri)
        self.requests.append(
            {
                "uri": uri,
                "path": parsed.path,
                "query": dict(urllib.parse.parse_qsl(parsed.query)),
                "method": method,
                "body": json.loads(body) if body else None,
            }
        )
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        status, payload, headers_out = reply
        response = httplib2.Response(
            {"status": str(status), **{k.lower(): v for k, v in headers_out.items()}}
        )
        return response, json.dumps(payload).encode()


def make_client(replies: list[Reply], **kwargs: Any) -> tuple[ChatClient, ScriptedHttp, FakeClock]:
    http = ScriptedHttp(replies)
    clock = FakeClock()
    kwargs.setdefault("retry", RetryPolicy(max_attempts=4, initial_backoff=0.1))
    client = ChatClient(
        object(),  # type: ignore[arg-type]  # unused: http_factory supplies the transport
        endpoint=ENDPOINT,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(0),
        pacer=Pacer(clock=clock, sleep=clock.sleep),
        http_factory=lambda: http,
        **kwargs,
    )
    return client, http, clock


def test_create_message_adds_a_request_id_and_uses_the_endpoint() -> None:
    client, http, _ = make_client([ok({"name": "spaces/AAA/messages/1", "text": "hi"})])
    result = client.create_message("spaces/AAA", {"text": "hi"})
    assert result["name"] == "spaces/AAA/messages/1"
    request = http.requests[0]
    assert request["uri"].startswith("http://127.0.0.1:9/v1/spaces/AAA/messages")
    assert request["method"] == "POST"
    assert request["body"] == {"text": "hi"}
    assert len(request["query"]["requestId"]) == 36
    assert "messageReplyOption" not in request["query"]


def test_thread_key_sets_body_thread_and_fallback_reply_option() -> None:
    client, http, _ = make_client([ok({"name": "spaces/AAA/messages/1"})])
    client.create_message("spaces/AAA", {"text": "hi"}, thread_key="remind-1")
    request = http.requests[0]
    assert request["body"]["thread"] == {"threadKey": "remind-1"}
    assert request["query"]["messageReplyOption"] == "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"


def test_retries_reuse_the_same_request_id_and_honour_retry_after() -> None:
    client, http, clock = make_client(
        [
            err(503, "UNAVAILABLE"),
            err(429, "RESOURCE_EXHAUSTED", **{"Retry-After": "4"}),
            TimeoutError("timed out"),
            ok({"name": "spaces/AAA/messages/1"}),
        ]
    )
    client.create_message("spaces/AAA", {"text": "hi"})
    ids = {r["query"]["requestId"] for r in http.requests}
    assert len(http.requests) == 4
    assert len(ids) == 1
    assert max(clock.sleeps) >= 4.0


def test_already_exists_with_message_id_returns_the_existing_message() -> None:
    existing = {"name": "spaces/AAA/messages/client-abc", "text": "first"}
    client, http, _ = make_client([err(409, "ALREADY_EXISTS"), ok(existing)])
    result = client.create_message("spaces/AAA", {"text": "again"}, message_id="client-abc")
    assert result == existing
    assert http.requests[0]["query"]["messageId"] == "client-abc"
    assert "requestId" not in http.requests[0]["query"]
    assert http.requests[1]["method"] == "GET"
    assert http.requests[1]["path"] == "/v1/spaces/AAA/messages/client-abc"


def test_already_exists_without_message_id_is_raised() -> None:
    client, _, _ = make_client([err(409, "ALREADY_EXISTS")])
    with pytest.raises(AlreadyExists):
        client.create_message("spaces/AAA", {"text": "x"}, request_id="r-1")


def test_invalid_message_id_is_rejected_locally() -> None:
    client, http, _ = make_client([])
    with pytest.raises(ValueError):
        client.create_message("spaces/AAA", {"text": "x"}, message_id="Client_Bad")
    assert http.requests == []


def test_error_messages_name_method_space_and_reason() -> None:
    client, _, _ = make_client([err(403, "PERMISSION_DENIED", "The app is not a member.")])
    with pytest.raises(PermissionDenied) as info:
        client.create_message("spaces/AAA", {"text": "x"})
    error = info.value
    assert (
        str(error) == "messages.create on spaces/AAA: PERMISSION_DENIED: The app is not a member."
    )
    assert (error.status, error.reason, error.method, error.space) == (
        403,
        "PERMISSION_DENIED",
        "messages.create",
        "spaces/AAA",
    )
    assert error.__cause__ is None
    assert error.__context__ is None


def test_timeouts_exhaust_attempts_as_unavailable() -> None:
    client, http, _ = make_client([TimeoutError("timed out") for _ in range(4)])
    with pytest.raises(Unavailable) as info:
        client.get_message("spaces/AAA/messages/1")
    assert info.value.reason == "TIMEOUT"
    assert info.value.status is None
    assert len(http.requests) == 4


def test_membership_create_retries_429_but_not_5xx() -> None:
    membership = {"name": "spaces/AAA/members/1", "state": "INVITED", "member": {"name": "users/1"}}
    client, http, _ = make_client([err(429, "RESOURCE_EXHAUSTED"), ok(membership)])
    assert client.create_membership("spaces/AAA", "someone@example.com") == membership
    assert http.requests[0]["body"] == {
        "member": {"name": "users/someone@example.com", "type": "HUMAN"}
    }
    client, http, _ = make_client([err(503, "UNAVAILABLE"), ok(membership)])
    with pytest.raises(Unavailable):
        client.create_membership("spaces/AAA", "users/1")
    assert len(http.requests) == 1


def test_add_app_posts_users_app_as_bot() -> None:
    client, http, _ = make_client([ok({"name": "spaces/AAA/members/app", "state": "JOINED"})])
    client.add_app("spaces/AAA")
    assert http.requests[0]["body"] == {"member": {"name": "users/app", "type": "BOT"}}


def test_delete_404_after_a_retry_counts_as_done_but_not_on_first_try() -> None:
    client, http, _ = make_client([err(503, "UNAVAILABLE"), err(404, "NOT_FOUND")])
    client.delete_message("spaces/AAA/messages/1")
    assert [r["method"] for r in http.requests] == ["DELETE", "DELETE"]
    client, _, _ = make_client([err(404, "NOT_FOUND")])
    with pytest.raises(NotFound):
        client.delete_message("spaces/AAA/messages/1")


def test_update_message_sends_patch_with_mask_and_allow_missing() -> None:
    client, http, _ = make_client([ok({"name": "spaces/AAA/messages/client-x"})])
    client.update_message(
        "spaces/AAA/messages/client-x",
        {"text": "v2"},
        update_mask=["text", "cards_v2"],
        allow_missing=True,
    )
    request = http.requests[0]
    assert request["method"] == "PATCH"
    assert request["query"]["updateMask"] == "text,cards_v2"
    assert request["query"]["allowMissing"] == "true"


def test_lists_follow_page_tokens() -> None:
    client, http, _ = make_client(
        [
            ok({"spaces": [{"name": "spaces/A"}], "nextPageToken": "p2"}),
            ok({"spaces": [{"name": "spaces/B"}]}),
        ]
    )
    assert [s["name"] for s in client.list_spaces(page_size=1)] == ["spaces/A", "spaces/B"]
    assert http.requests[1]["query"]["pageToken"] == "p2"


def test_find_direct_message_prefixes_users() -> None:
    client, http, _ = make_client([ok({"name": "spaces/DM"})])
    assert client.find_direct_message("123")["name"] == "spaces/DM"
    assert http.requests[0]["query"]["name"] == "users/123"


def test_writes_in_one_space_are_paced() -> None:
    client, _, clock = make_client([ok({"name": f"spaces/AAA/messages/{i}"}) for i in range(3)])
    for i in range(3):
        client.create_message("spaces/AAA", {"text": str(i)})
    assert sum(clock.sleeps) == pytest.approx(2 * 1.1)


def test_each_thread_builds_its_own_service_once() -> None:
    built: list[int] = []

    def factory() -> ScriptedHttp:
        built.append(threading.get_ident())
        return ScriptedHttp([ok({"name": "spaces/A"}) for _ in range(3)])

    client = ChatClient(object(), endpoint=ENDPOINT, pacing=False, http_factory=factory)  # type: ignore[arg-type]
    client.get_space("spaces/A")
    client.get_space("spaces/A")
    worker = threading.Thread(target=client.get_space, args=("spaces/A",))
    worker.start()
    worker.join(10)
    assert len(built) == 2
    assert len(set(built)) == 2


def test_threads_share_one_service_built_once() -> None:
    client = ChatClient(
        object(),  # type: ignore[arg-type]
        endpoint=ENDPOINT,
        pacing=False,
        http_factory=lambda: ScriptedHttp([]),
    )
    seen: list[object] = []
    workers = [threading.Thread(target=lambda: seen.append(client._service())) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert len(seen) == 4
    assert all(service is seen[0] for service in seen)


def test_repr_and_error_base_class() -> None:
    client, _, _ = make_client([])
    assert repr(client) == f"ChatClient(endpoint={ENDPOINT!r})"
    assert issubclass(RateLimited, ApiError)


def test_importing_the_client_does_not_import_googleapiclient() -> None:
    probe = (
        "import sys, shared.chatapi.client, shared.chatapi.webhook, shared.auth.app; "
        "heavy = ('googleapiclient', 'httplib2', 'google_auth_httplib2'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
