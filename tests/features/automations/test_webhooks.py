"""Outgoing webhooks through ``workspace_events``: signed, retried, switched off, never private."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from shared.features.automations.webhooks import (
    MAX_FAILURES,
    WebhookRetry,
    delivery_id,
    seal_secret,
    verify,
)
from shared.google.transport import HttpResult, TransportError
from shared.store.spaces import SpaceSettings
from shared.wiring import Runtime
from tests.features.automations.kit import (
    CHAT,
    SPACE,
    Receiver,
    bot,
    chat_message,
    configure,
    deliver,
    posted,
    stub_resolver,
)

CREATED = CHAT + "message.v1.created"
SECRET = "whsec_test-secret"
AT = "2026-11-30T10:00:00.000000Z"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


def hook(runtime: Runtime, url: str, mode: str = "all", **extra: Any) -> SpaceSettings:
    sealed = seal_secret(runtime.settings, SPACE, SECRET)
    return configure(runtime, webhook_url=url, webhook_mode=mode, webhook_secret=sealed, **extra)


def stored(runtime: Runtime) -> SpaceSettings:
    found = runtime.services.spaces().get_space(SPACE)
    assert found is not None
    return found


def test_a_delivery_is_signed_and_carries_its_delivery_id(
    start: Callable[..., Runtime], receiver: Receiver
) -> None:
    runtime = start()
    hook(runtime, receiver.url + "/hook")
    ce_id = deliver(CREATED, chat_message("hello, world"))
    deliver(CREATED, chat_message("hello, world"), ce_id=ce_id)  # handled: not sent again
    (got,) = receiver.received
    assert got.path == "/hook"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-nudge-event"] == CREATED
    assert got.headers["x-nudge-delivery"] == delivery_id(SPACE, ce_id)
    assert verify(SECRET, got.body, got.headers["x-nudge-signature-256"])
    assert not verify("another secret", got.body, got.headers["x-nudge-signature-256"])
    body = json.loads(got.body)
    assert body["delivery"] == delivery_id(SPACE, ce_id)
    assert body["event"]["id"] == ce_id
    assert body["message"]["text"] == "hello, world"
    assert body["message"]["sender"] == {
        "name": "users/100000000000000000001",
        "displayName": "Dev User",
        "type": "HUMAN",
    }
    assert body["space"] == {"name": SPACE, "displayName": "Local team"}


def test_a_failed_delivery_is_retried_by_redelivery_with_the_same_id_and_signature(
    start: Callable[..., Runtime], receiver: Receiver
) -> None:
    runtime = start()
    hook(runtime, receiver.url + "/hook")
    receiver.answer(503, 429, 200)
    data = chat_message("deploying now")
    ce_id = deliver_failing(data)
    assert stored(runtime).webhook_failures == 1
    deliver_failing(data, ce_id=ce_id)  # Pub/Sub's next attempt
    assert stored(runtime).webhook_failures == 2
    deliver(CREATED, data, ce_id=ce_id, time=AT)  # the third attempt succeeds: count reset
    assert stored(runtime).webhook_failures == 0
    first, second, third = receiver.received
    assert first.body == second.body == third.body
    ids = {r.headers["x-nudge-delivery"] for r in (first, second, third)}
    signatures = {r.headers["x-nudge-signature-256"] for r in (first, second, third)}
    assert len(ids) == len(signatures) == 1


def deliver_failing(data: dict[str, Any], ce_id: str = "") -> str:
    """Deliver, expecting the handler to raise so that Pub/Sub delivers again (the same
    Pub/Sub message each time: same ce-id, same ce-time)."""
    ce_id = ce_id or f"spaces/AAAA/spaceEvents/{uuid.uuid4().hex}"
    with pytest.raises(WebhookRetry):
        deliver(CREATED, data, ce_id=ce_id, time=AT)
    return ce_id


def test_repeated_failures_switch_the_hook_off_with_a_note_in_the_space(
    start: Callable[..., Runtime], receiver: Receiver, emu: ChatEmulator
) -> None:
    runtime = start()
    hook(runtime, receiver.url + "/hook")
    receiver.answer(500)
    data = chat_message("one message, delivered again and again")
    ce_id = deliver_failing(data)
    for attempt in range(2, MAX_FAILURES):
        deliver_failing(data, ce_id=ce_id)
        assert stored(runtime).webhook_failures == attempt
    deliver(CREATED, data, ce_id=ce_id, time=AT)  # the last failure switches it off: acked
    settings = stored(runtime)
    assert (settings.webhook_mode, settings.webhook_failures) == ("off", MAX_FAILURES)
    assert "10 deliveries in a row failed (the last: it answered HTTP 500)" in (
        settings.webhook_disabled_reason
    )
    (note,) = posted(emu, SPACE)
    assert "switched off this space's outgoing webhook to 127.0.0.1" in note["text"]
    assert "/nudge settings" in note["text"]
    deliver(CREATED, data, ce_id=ce_id)  # a late redelivery: handled already
    deliver(CREATED, chat_message("another message"))  # the hook is off
    assert len(receiver.received) == MAX_FAILURES
    assert len(posted(emu, SPACE)) == 1


def test_refusals_and_redirects_count_but_are_not_retried(
    start: Callable[..., Runtime], receiver: Receiver
) -> None:
    runtime = start()
    hook(runtime, receiver.url + "/hook")
    receiver.answer(404, 302)
    deliver(CREATED, chat_message("first"))  # 404: no exception, no retry
    deliver(CREATED, chat_message("second"))  # 302 to the metadata server: not followed
    assert len(receiver.received) == 2
    assert stored(runtime).webhook_failures == 2


def test_matches_mode_forwards_only_matching_messages_and_never_bots(
    start: Callable[..., Runtime], receiver: Receiver
) -> None:
    runtime = start()
    hook(runtime, receiver.url + "/hook", mode="matches", watch_words=("deploy",))
    deliver(CREATED, chat_message("lunch?"))
    deliver(CREATED, chat_message("deploy", sender=bot()))
    deliver(CREATED, chat_message("Deploy is done"))
    (got,) = receiver.received
    body = json.loads(got.body)
    assert body["message"]["text"] == "Deploy is done"
    assert body["matched"] == {"words": ["deploy"], "pattern": False}


# --- never aimed at Nudge's own network ------------------------------------------------------


class FakeSend:
    """Stands in for ``transport.send``: records every call, answers 204."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, method: str, url: str, **kwargs: Any) -> HttpResult:
        self.calls.append({"method": method, "url": url, **kwargs})
        return HttpResult(204)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.20.30.40/hook",
        "https://169.254.169.254/computeMetadata/v1/",
        "https://[::1]/hook",
        "https://internal.example.com/hook",
    ],
)
def test_a_hook_that_points_inside_is_never_called(
    start: Callable[..., Runtime], emu: ChatEmulator, url: str
) -> None:
    send = FakeSend()
    resolver = stub_resolver({"internal.example.com": ["10.9.8.7"]})
    runtime = start(resolver=resolver, send=send, allow_private=False)
    hook(runtime, url)  # stored directly, as if its DNS changed after the manager set it
    deliver(CREATED, chat_message("hello"))
    assert send.calls == []
    assert stored(runtime).webhook_failures == 1


def test_the_connection_goes_to_the_address_that_was_checked(
    start: Callable[..., Runtime],
) -> None:
    answers = [["93.184.216.34"], ["127.0.0.1"]]  # a rebinding DNS: public, then loopback
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers.pop(0) if answers else ["127.0.0.1"]

    send = FakeSend()
    runtime = start(resolver=rebinding, send=send, allow_private=False)
    hook(runtime, "https://hooks.example.com/nudge")
    deliver(CREATED, chat_message("hello"))
    (call,) = send.calls
    assert asked == ["hooks.example.com"]  # resolved once, checked, then pinned
    assert (call["url"], call["connect_to"]) == ("https://hooks.example.com/nudge", "93.184.216.34")
    deliver(CREATED, chat_message("again"))  # now it resolves to loopback: refused
    assert len(send.calls) == 1


def test_dns_failure_and_timeouts_are_retried(start: Callable[..., Runtime]) -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise OSError("temporary failure in name resolution")

    runtime = start(resolver=no_dns, send=FakeSend(), allow_private=False)
    hook(runtime, "https://hooks.example.com/nudge")
    deliver_failing(chat_message("hello"))
    assert stored(runtime).webhook_failures == 1

    def timing_out(method: str, url: str, **kwargs: Any) -> HttpResult:
        raise TransportError("TimeoutError", timeout=True)

    runtime = start(
        resolver=stub_resolver({"hooks.example.com": ["93.184.216.34"]}),
        send=timing_out,
        allow_private=False,
    )
    deliver_failing(chat_message("hello again"))
    assert stored(runtime).webhook_failures == 2


def test_a_secret_that_cannot_be_opened_switches_the_hook_off_at_once(
    start: Callable[..., Runtime], receiver: Receiver, emu: ChatEmulator
) -> None:
    runtime = start()
    configure(
        runtime,
        webhook_url=receiver.url + "/hook",
        webhook_mode="all",
        webhook_secret="v1.00000000.not-a-sealed-value-from-this-key-at-all",
    )
    deliver(CREATED, chat_message("hello"))
    assert receiver.received == []
    settings = stored(runtime)
    assert settings.webhook_mode == "off"
    assert "signing secret cannot be opened" in settings.webhook_disabled_reason
    assert len(posted(emu, SPACE)) == 1
