"""ChatClient and WebhookClient over real HTTP against devkit's Chat API emulator.

Covers every client call, and under injected faults checks that retries never
lose or duplicate a message and that pacing keeps 429s away from callers.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import google.oauth2.credentials
import pytest

from shared.chatapi.client import ChatClient
from shared.chatapi.ids import client_message_id, request_id
from shared.chatapi.pacing import Pacer
from shared.chatapi.webhook import WebhookClient
from shared.google.errors import (
    AlreadyExists,
    ApiError,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from shared.google.retry import RetryPolicy
from tests.chatapi.fakes import FakeClock, VirtualClock

emulator_module = pytest.importorskip("devkit.emulator", reason="devkit.emulator not available yet")
ChatEmulator: Any = emulator_module.ChatEmulator

SPACE = "spaces/AAAA"


DEV = "users/100000000000000000001"
APP_SCOPES = ["chat.bot", "chat.app.messages.readonly", "chat.app.memberships"]


@pytest.fixture
def clock() -> VirtualClock:
    """The emulator's quota clock; a test may share it with its client and pacer."""
    return VirtualClock()


@pytest.fixture
def emulator(clock: VirtualClock) -> Iterator[Any]:
    # Faults hang on the wall clock (the default): the timeout test needs real hangs.
    with ChatEmulator(host="127.0.0.1", port=0, quotas=False, clock=clock) as emu:
        emu.register_token("it-app", kind="app", scopes=APP_SCOPES)
        emu.register_token("it-user", kind="user", user=DEV, scopes=["chat.memberships.app"])
        yield emu


def make_client(emulator: Any, token: str = "it-app", **kwargs: Any) -> ChatClient:
    credentials = google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]
    kwargs.setdefault("pacing", False)
    kwargs.setdefault(
        "retry", RetryPolicy(max_attempts=10, initial_backoff=0.05, max_backoff=0.5, deadline=30)
    )
    return ChatClient(credentials, endpoint=emulator.url, **kwargs)


def texts(emulator: Any, space: str) -> list[str]:
    return [m.get("text", "") for m in emulator.messages(space)]


def test_message_calls_round_trip(emulator: Any) -> None:
    client = make_client(emulator)
    first = client.create_message(SPACE, {"text": "one"})
    assert first["name"].startswith(f"{SPACE}/messages/")
    threaded = client.create_message(SPACE, {"text": "two"}, thread_key="t-1")
    reply = client.create_message(SPACE, {"text": "three"}, thread_key="t-1")
    assert reply["thread"]["name"] == threaded["thread"]["name"]
    by_id = client.create_message(SPACE, {"text": "four"}, message_id="client-four")
    assert by_id["clientAssignedMessageId"] == "client-four"
    again = client.create_message(SPACE, {"text": "four again"}, message_id="client-four")
    assert again["name"] == by_id["name"]
    assert again.get("text") == "four"
    rid = request_id("it", "five")
    five = client.create_message(SPACE, {"text": "five"}, request_id=rid)
    assert client.create_message(SPACE, {"text": "five!"}, request_id=rid)["name"] == five["name"]

    assert client.get_message(first["name"])["text"] == "one"
    assert client.get_message(f"{SPACE}/messages/client-four")["text"] == "four"
    updated = client.update_message(first["name"], {"text": "one, edited"}, update_mask="text")
    assert updated["text"] == "one, edited"
    upserted = client.update_message(
        f"{SPACE}/messages/client-upsert",
        {"text": "upserted"},
        update_mask="text",
        allow_missing=True,
    )
    assert upserted.get("clientAssignedMessageId") == "client-upsert"

    listed = list(client.list_messages(SPACE, page_size=2))
    names = [m["name"] for m in listed]
    assert len(names) == len(set(names)) >= 6
    client.delete_message(first["name"])
    with pytest.raises(NotFound) as info:
        client.get_message(first["name"])
    assert str(info.value).startswith(f"messages.get on {first['name']}: NOT_FOUND")
    assert info.value.space == SPACE
    assert texts(emulator, SPACE).count("five") == 1


def test_space_and_member_calls_round_trip(emulator: Any) -> None:
    client = make_client(emulator)
    assert client.get_space(SPACE)["name"] == SPACE
    spaces = [s["name"] for s in client.list_spaces(page_size=1)]
    assert SPACE in spaces
    assert "spaces/DM1" in spaces
    assert client.find_direct_message(DEV)["name"] == "spaces/DM1"
    assert client.find_direct_message("100000000000000000001")["name"] == "spaces/DM1"
    members = list(client.list_members(SPACE, page_size=1))
    assert {m["member"]["name"] for m in members} >= {DEV}

    invited = client.create_membership(SPACE, "invitee@example.com")
    assert invited["state"] == "INVITED"
    assert invited["member"]["name"] == "users/100000000000000000003"  # canonical, not the email
    with pytest.raises(AlreadyExists):
        client.create_membership(SPACE, DEV)

    emulator.add_space("spaces/NOAPP", members=[DEV], app_member=False)
    with pytest.raises(PermissionDenied):
        client.add_app("spaces/NOAPP")  # app auth cannot add the app
    joined = make_client(emulator, token="it-user").add_app("spaces/NOAPP")
    assert joined["member"]["name"] == "users/app"
    assert joined["member"]["type"] == "BOT"
    assert joined["state"] == "JOINED"
    assert client.get_space("spaces/NOAPP")["name"] == "spaces/NOAPP"


def test_burst_of_429_waits_at_least_retry_after(emulator: Any) -> None:
    clock = FakeClock()
    client = make_client(emulator, clock=clock, sleep=clock.sleep)
    emulator.set_faults(burst_429=2, retry_after=1)
    started = clock()
    client.create_message(SPACE, {"text": "after the burst"})
    assert clock() - started >= 2 * 1.0  # backoff was ~0.05 s; Retry-After won
    assert emulator.stats()["statuses"].get("429") == 2
    assert texts(emulator, SPACE).count("after the burst") == 1


def test_random_5xx_and_timeouts_lose_nothing_and_duplicate_nothing(emulator: Any) -> None:
    # With these rates an attempt fails about half the time (10% timeouts, 27% 5xx,
    # 13% errors after commit), so 10 attempts would lose a message in ~6% of runs.
    # 25 attempts put that below one in a million runs; the deadline bounds the wait.
    # Backoffs sleep on a fake clock (so the deadline counts them, not the machine's
    # speed); the emulator's hangs and the client's 1 s timeout stay real.
    retry = RetryPolicy(max_attempts=25, initial_backoff=0.05, max_backoff=0.5, deadline=60)
    backoff = FakeClock()
    client = make_client(emulator, timeout=1.0, retry=retry, clock=backoff, sleep=backoff.sleep)
    emulator.set_faults(
        error_rate=0.3,
        statuses=[500, 502, 503, 504],
        timeout_rate=0.1,
        fault_after_commit_rate=0.2,
        seed=7,
    )
    spaces = [SPACE, *(emulator.add_space(f"spaces/IT{i}")["name"] for i in range(2))]
    count = 20

    def post(space: str) -> None:
        for n in range(count):
            text = f"{space} #{n}"
            if n % 2:
                client.create_message(space, {"text": text}, message_id=client_message_id(space, n))
            else:
                client.create_message(space, {"text": text}, request_id=request_id(space, n))

    with ThreadPoolExecutor(max_workers=len(spaces)) as pool:
        list(pool.map(post, spaces))
    emulator.set_faults()
    stats = emulator.stats()
    assert stats["faults"] > 0
    assert stats["faults_after_commit"] > 0
    assert stats["timeouts"] > 0
    for space in spaces:
        got = [t for t in texts(emulator, space) if t.startswith(f"{space} #")]
        assert sorted(got) == sorted(f"{space} #{n}" for n in range(count))


def test_quotas_with_pacing_surface_no_429(emulator: Any, clock: VirtualClock) -> None:
    # The emulator's quota windows, the pacer and the client's retries share one
    # virtual clock that moves only when every writer sleeps: a write sent at t
    # arrives at t, so only the pacer decides whether writes are a second apart,
    # never how fast this machine runs the threads. (Network jitter between
    # sending and admission is the benchmark's business: ``make bench``.)
    emulator.set_quotas(True)
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    client = make_client(emulator, pacing=True, pacer=pacer, clock=clock, sleep=clock.sleep)
    spaces = [SPACE, *(emulator.add_space(f"spaces/Q{i}")["name"] for i in range(3))]
    surfaced: list[ApiError] = []
    lock = threading.Lock()

    # One write per space first, then two writers per space race each other;
    # none of their writes may see a 429.
    for space in spaces:
        client.create_message(space, {"text": "warm-up"})
    baseline = emulator.stats()["rate_limited"]

    def post(space: str) -> None:
        for n in range(4):
            try:
                client.create_message(space, {"text": f"q {n}"})
            except RateLimited as exc:
                with lock:
                    surfaced.append(exc)

    started = clock()
    clock.run(*(functools.partial(post, space) for space in spaces * 2))  # two writers per space
    elapsed = clock() - started
    assert surfaced == []
    for space in spaces:
        assert texts(emulator, space).count("q 0") == 2
    assert elapsed < 9 * 1.1 * 1.3  # spaces ran in parallel (in series: 4 * 8 * 1.1 s)
    # The pacer kept every write inside the quota: not even a retried 429.
    assert emulator.stats()["rate_limited"] == baseline


def test_webhook_over_http(emulator: Any) -> None:
    url = emulator.webhook_url(SPACE)
    webhook = WebhookClient(url, pacing=False)
    assert "local-webhook-token" not in repr(webhook)
    result = webhook.send("via webhook", thread_key="wh")
    assert result["name"].startswith(f"{SPACE}/messages/")
    assert texts(emulator, SPACE).count("via webhook") == 1
