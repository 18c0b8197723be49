"""Quotas (1 write/s per space) and fault injection, before and after commit.

The session emulator keeps time on a fake clock (``clock``, see conftest.py), so
quota windows and fault waits never depend on how fast requests run here.
"""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from devkit.emulator.errors import ApiError
from devkit.emulator.quotas import Quotas
from tests.chatapi.fakes import FakeClock

MESSAGES = "v1/spaces/AAAA/messages"


def test_two_quick_writes_hit_the_per_space_quota(
    emu: Any, raw: Any, error_of: Any, clock: FakeClock
) -> None:
    emu.set_quotas(True)
    assert raw("POST", MESSAGES, {"text": "one"}).status == 200
    second = raw("POST", MESSAGES, {"text": "two"})
    error = error_of(second)
    assert (second.status, error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert raw("POST", "v1/spaces/DM1/messages", {"text": "other space"}).status == 200
    webhook = raw("POST", emu.webhook_url()[len(emu.url) :], {"text": "hook"}, token=None)
    assert webhook.status == 429  # webhooks share the space's write quota
    assert (
        raw("GET", f"{MESSAGES}/{emu.messages('AAAA')[0]['name'].rsplit('/', 1)[1]}").status == 200
    )
    assert [m["text"] for m in emu.messages("AAAA")] == ["one"]
    assert emu.stats()["rate_limited"] == 2
    clock.sleep(1.0)
    assert raw("POST", MESSAGES, {"text": "three"}).status == 200


def test_quota_window_has_a_one_millisecond_tolerance() -> None:
    now = [100.0]
    quotas = Quotas(True, clock=lambda: now[0])
    quotas.admit_message_write("spaces/A")
    now[0] += 0.9985
    with pytest.raises(ApiError):
        quotas.admit_message_write("spaces/A")
    now[0] += 0.0006  # 0.9991 s after the last admitted write
    quotas.admit_message_write("spaces/A")


def test_quotas_over_http_switch(raw: Any) -> None:
    assert raw("POST", "_emulator/quotas", {"enabled": True}, token=None).body == {"enabled": True}
    assert raw("POST", MESSAGES, {"text": "a"}).status == 200
    assert raw("POST", MESSAGES, {"text": "b"}).status == 429
    assert raw("POST", "_emulator/quotas", {"enabled": False}, token=None).body == {
        "enabled": False
    }
    assert raw("POST", MESSAGES, {"text": "c"}).status == 200


def test_error_rate_faults_have_no_side_effect(emu: Any, chat: Any, error_of: Any) -> None:
    emu.set_faults(error_rate=1.0, statuses=[503], retry_after=7)
    with pytest.raises(HttpError) as info:
        chat.spaces().messages().create(parent="spaces/AAAA", body={"text": "x"}).execute()
    assert (info.value.resp.status, error_of(info.value)["status"]) == (503, "UNAVAILABLE")
    assert info.value.resp["retry-after"] == "7"
    assert emu.messages("AAAA") == []
    assert emu.stats()["faults"] == 1
    emu.set_faults()
    chat.spaces().messages().create(parent="spaces/AAAA", body={"text": "x"}).execute()


def test_latency(emu: Any, raw: Any, clock: FakeClock) -> None:
    emu.set_faults(latency_ms=200)
    started = clock()
    assert raw("GET", "v1/spaces/AAAA").status == 200
    assert clock() - started >= 0.2


def test_latency_is_served_concurrently(emu: Any, raw: Any, monkeypatch: Any) -> None:
    # The added latency sleeps on the request's own thread, holding no lock. Here that
    # sleep returns only once all 20 requests are in it together, which serial serving
    # (6 s of latency one after another) never reaches: their barrier would break.
    barrier = threading.Barrier(20)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        barrier.wait(timeout=30)

    monkeypatch.setattr(emu.core, "sleep", sleep)
    emu.set_faults(latency_ms=300)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(lambda _: raw("GET", "v1/spaces/AAAA", timeout=60).status, range(20))
        )
    assert statuses == [200] * 20
    assert waits == [0.3] * 20
    assert not barrier.broken


def test_burst_429_with_retry_after(emu: Any, raw: Any) -> None:
    raw("POST", "_emulator/faults", {"burst_429": 2, "retry_after": 3}, token=None)
    for _ in range(2):
        reply = raw("POST", MESSAGES, {"text": "x"})
        assert (reply.status, reply.headers["Retry-After"]) == (429, "3")
        assert reply.body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert raw("GET", "v1/spaces/AAAA").status == 200  # reads are not part of the burst
    assert raw("POST", MESSAGES, {"text": "x"}).status == 200
    assert len(emu.messages("AAAA")) == 1


def test_fault_after_commit_then_idempotent_retry(emu: Any, chat: Any) -> None:
    emu.set_faults(fault_after_commit_rate=1.0)
    request = (
        chat.spaces()
        .messages()
        .create(parent="spaces/AAAA", body={"text": "once"}, requestId="retry-me")
    )
    with pytest.raises(HttpError) as info:
        request.execute()
    assert info.value.resp.status == 503
    assert len(emu.messages("AAAA")) == 1  # committed despite the error
    emu.set_faults()
    message = request.execute()  # the retry returns the same message
    assert message["name"] == emu.messages("AAAA")[0]["name"]
    assert len(emu.messages("AAAA")) == 1
    assert emu.stats()["faults_after_commit"] == 1


def test_timeouts_hang_then_answer_504(
    emu: Any, raw: Any, clock: FakeClock, monkeypatch: Any
) -> None:
    # The hang sleeps on the emulator's clock; until released it blocks outright, so the
    # client's 0.2 s timeout fires first however slowly this machine runs.
    released = threading.Event()
    finished = threading.Semaphore(0)
    hangs: list[float] = []

    def hang(seconds: float) -> None:
        hangs.append(seconds)
        released.wait(30)
        clock.sleep(seconds)
        finished.release()

    monkeypatch.setattr(emu.core, "sleep", hang)
    emu.set_faults(timeout_rate=1.0, timeout_s=0.5)
    with pytest.raises((TimeoutError, socket.timeout)):
        raw("POST", MESSAGES, {"text": "x"}, timeout=0.2)
    released.set()
    assert finished.acquire(timeout=30)  # the abandoned request's hang is over too
    started = clock()
    reply = raw("GET", "v1/spaces/AAAA", timeout=5)
    assert reply.status == 504
    assert reply.body["error"]["status"] == "DEADLINE_EXCEEDED"
    assert clock() - started >= 0.5
    assert hangs == [0.5, 0.5]
    assert emu.messages("AAAA") == []


def test_seeded_faults_repeat(emu: Any, raw: Any) -> None:
    def run() -> list[int]:
        emu.set_faults(error_rate=0.5, statuses=[500, 503], seed=42)
        return [raw("GET", "v1/spaces/AAAA").status for _ in range(20)]

    first = run()
    assert first == run()
    assert {200, 500, 503} >= set(first)
    assert len(set(first)) > 1


def test_bad_fault_settings(raw: Any, error_of: Any) -> None:
    for body in ({"error_rate": 2}, {"statuses": [200]}, {"nope": 1}, {"timeout_s": 1000}):
        assert error_of(raw("POST", "_emulator/faults", body, token=None))["code"] == 400


def test_project_message_write_quota_slides_over_60_seconds() -> None:
    now = [0.0]
    quotas = Quotas(True, clock=lambda: now[0])
    for i in range(3000):
        quotas.admit_message_write(f"spaces/S{i}")
    with pytest.raises(ApiError) as info:
        quotas.admit_message_write("spaces/fresh")
    assert info.value.code == 429
    now[0] = 60.0
    quotas.admit_message_write("spaces/fresh")
