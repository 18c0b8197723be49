"""Incoming webhooks: ``POST /v1/spaces/S/messages?key=K&token=T``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest


def post(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=UTF-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_webhook_posts_and_threads(emu: Any) -> None:
    url = emu.webhook_url("AAAA") + "&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    status, first = post(url, {"text": "from webhook", "thread": {"threadKey": "w"}})
    assert status == 200
    assert set(first) == {"name", "text", "thread"}  # only name and thread.name are added
    status, second = post(url, {"text": "again", "thread": {"threadKey": "w"}})
    assert second["thread"]["name"] == first["thread"]["name"]
    [stored, _] = emu.messages("AAAA")
    assert stored["sender"]["type"] == "BOT"
    assert stored["sender"]["displayName"] == "Incoming webhook"
    assert emu.stats()["webhook_posts"] == 2


def test_webhook_thread_keys_are_separate_from_the_apps(emu: Any, chat: Any) -> None:
    option = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    app = (
        chat.spaces()
        .messages()
        .create(
            parent="spaces/AAAA",
            body={"text": "a", "thread": {"threadKey": "k"}},
            messageReplyOption=option,
        )
    )
    _, hook = post(
        emu.webhook_url() + f"&messageReplyOption={option}",
        {"text": "w", "thread": {"threadKey": "k"}},
    )
    assert hook["thread"]["name"] != app.execute()["thread"]["name"]


def test_webhook_request_id(emu: Any) -> None:
    url = emu.webhook_url() + "&requestId=r-1"
    assert post(url, {"text": "one"})[1] == post(url, {"text": "two"})[1]
    assert len(emu.messages("AAAA")) == 1


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("key=local-webhook-key&token=wrong", 401, "UNAUTHENTICATED"),
        ("key=local-webhook-key", 401, "UNAUTHENTICATED"),
        ("key=wrong&token=local-webhook-token", 403, "PERMISSION_DENIED"),
        ("token=local-webhook-token", 403, "PERMISSION_DENIED"),
    ],
)
def test_bad_webhook_credentials(emu: Any, query: str, status: int, code: str) -> None:
    got, body = post(f"{emu.url}v1/spaces/AAAA/messages?{query}", {"text": "x"})
    assert (got, body["error"]["status"]) == (status, code)
    assert emu.messages("AAAA") == []


def test_webhook_to_space_without_one_and_bad_bodies(emu: Any) -> None:
    status, _ = post(
        f"{emu.url}v1/spaces/DM1/messages?key=local-webhook-key&token=local-webhook-token",
        {"text": "x"},
    )
    assert status == 403
    status, body = post(emu.webhook_url(), {"text": "x", "extra": 1})
    assert status == 400
    assert 'Unknown name "extra"' in body["error"]["message"]
    status, body = post(emu.webhook_url() + "&other=1", {"text": "x"})
    assert status == 400
    assert "Cannot bind query parameter" in body["error"]["message"]
