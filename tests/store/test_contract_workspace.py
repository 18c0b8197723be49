"""The storage contract for Workspace events: the handled-event log, subscriptions and
per-space settings, on every backend (SQLite, Firestore on the emulator) alike."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import pytest

from shared.store.backend import Backend
from shared.store.events import Begin
from shared.store.spaces import SpaceSettings
from shared.store.subscriptions import SubscriptionRecord

from .conftest import Clock

T = TypeVar("T")

LEASE = 300.0
WEEK = 7 * 24 * 3600.0


def race(handles: list[Backend], work: Callable[[Backend], T], *, threads: int = 8) -> list[T]:
    """Runs ``work`` on ``threads`` threads at once, spread over ``handles``; every result."""
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def run(handle: Backend) -> None:
        barrier.wait()
        try:
            result = work(handle)
        except BaseException as exc:  # reported below, in the test's thread
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(result)

    pool = [threading.Thread(target=run, args=(handles[i % len(handles)],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in pool), "a racing thread hung"
    assert not errors, errors
    return results


# --- the handled-event log -------------------------------------------------------------


def test_begin_finish_and_abandon(backend: Backend, clock: Clock) -> None:
    events, now = backend.events, clock.now
    assert events.begin("ce-1", now=now, lease_seconds=LEASE) is Begin.NEW
    assert events.begin("ce-1", now=now + 1, lease_seconds=LEASE) is Begin.BUSY
    events.finish("ce-1", expires_at=now + WEEK)
    assert events.begin("ce-1", now=now + 2, lease_seconds=LEASE) is Begin.DONE
    events.abandon("ce-1")  # a done mark stays
    assert events.begin("ce-1", now=now + 3, lease_seconds=LEASE) is Begin.DONE

    assert events.begin("ce-2", now=now, lease_seconds=LEASE) is Begin.NEW
    events.abandon("ce-2")  # the attempt failed: a redelivery handles it
    assert events.begin("ce-2", now=now + 1, lease_seconds=LEASE) is Begin.NEW
    assert events.begin("ce-2", now=now + 2, lease_seconds=LEASE) is Begin.BUSY

    events.abandon("never-begun")  # nothing to forget: no error
    assert events.begin("never-begun", now=now, lease_seconds=LEASE) is Begin.NEW
    # Keys are not paths, whatever they contain.
    for key in ("spaces/S/messages/M.1", ".", "__x__", "a b%2F"):
        assert events.begin(key, now=now, lease_seconds=LEASE) is Begin.NEW
    assert events.begin("spaces/S", now=now, lease_seconds=LEASE) is Begin.NEW


def test_marks_are_independent_per_key(backend: Backend, clock: Clock) -> None:
    events, now = backend.events, clock.now
    events.finish("done-one", expires_at=now + WEEK)
    assert events.begin("busy-one", now=now, lease_seconds=LEASE) is Begin.NEW
    assert events.begin("other", now=now, lease_seconds=LEASE) is Begin.NEW
    assert events.begin("done-one", now=now, lease_seconds=LEASE) is Begin.DONE
    assert events.begin("busy-one", now=now, lease_seconds=LEASE) is Begin.BUSY


def test_a_busy_mark_whose_lease_ran_out_is_new_again(backend: Backend, clock: Clock) -> None:
    events, now = backend.events, clock.now
    assert events.begin("ce-1", now=now, lease_seconds=60) is Begin.NEW
    assert events.begin("ce-1", now=now + 60, lease_seconds=60) is Begin.BUSY  # live through 60
    # The delivery that held it died: the next one takes over with a lease of its own.
    assert events.begin("ce-1", now=now + 60.5, lease_seconds=60) is Begin.NEW
    assert events.begin("ce-1", now=now + 100, lease_seconds=60) is Begin.BUSY
    assert events.begin("ce-1", now=now + 121, lease_seconds=60) is Begin.NEW
    events.finish("ce-1", expires_at=now + WEEK)
    assert events.begin("ce-1", now=now + 200, lease_seconds=60) is Begin.DONE


def test_a_done_mark_holds_until_it_expires_then_the_event_is_new(
    backend: Backend, clock: Clock
) -> None:
    events, now = backend.events, clock.now
    assert events.begin("ce-1", now=now, lease_seconds=LEASE) is Begin.NEW
    events.finish("ce-1", expires_at=now + 1000)
    assert events.begin("ce-1", now=now + 999, lease_seconds=LEASE) is Begin.DONE
    assert events.begin("ce-1", now=now + 1000, lease_seconds=LEASE) is Begin.DONE
    assert events.begin("ce-1", now=now + 1000.25, lease_seconds=LEASE) is Begin.NEW
    assert events.begin("ce-1", now=now + 1001, lease_seconds=LEASE) is Begin.BUSY
    # finish without a begin (a permanent failure recorded directly) marks it done too.
    events.finish("ce-2", expires_at=now + 10)
    assert events.begin("ce-2", now=now, lease_seconds=LEASE) is Begin.DONE
    # A later finish moves the expiry (it replaces the mark).
    events.finish("ce-2", expires_at=now + 50)
    assert events.begin("ce-2", now=now + 20, lease_seconds=LEASE) is Begin.DONE


def test_a_late_finish_after_the_lease_ran_out_still_marks_done(
    backend: Backend, clock: Clock
) -> None:
    events, now = backend.events, clock.now
    assert events.begin("ce-1", now=now, lease_seconds=10) is Begin.NEW
    events.finish("ce-1", expires_at=now + WEEK)
    assert events.begin("ce-1", now=now + 20, lease_seconds=10) is Begin.DONE


@pytest.mark.parametrize("before", ["absent", "lease ran out", "done expired"])
def test_concurrent_begins_on_one_key_admit_exactly_one(
    make_backend: Callable[[], Backend], clock: Clock, before: str
) -> None:
    handles = [make_backend() for _ in range(4)]
    now = clock.now
    if before == "lease ran out":
        assert handles[0].events.begin("same", now=now - 100, lease_seconds=10) is Begin.NEW
    elif before == "done expired":
        handles[0].events.finish("same", expires_at=now - 1)

    results = race(handles, lambda h: h.events.begin("same", now=now, lease_seconds=LEASE))
    assert sorted(results) == sorted([Begin.NEW] + [Begin.BUSY] * 7)
    assert handles[1].events.begin("same", now=now + 1, lease_seconds=LEASE) is Begin.BUSY


def test_concurrent_begin_and_finish_never_lose_the_done_mark(
    make_backend: Callable[[], Backend], clock: Clock
) -> None:
    handles = [make_backend() for _ in range(4)]
    now = clock.now
    for n in range(5):
        key = f"ce-{n}"

        def work(handle: Backend, key: str = key) -> Begin:
            begun = handle.events.begin(key, now=now, lease_seconds=LEASE)
            if begun is Begin.NEW:
                handle.events.finish(key, expires_at=now + WEEK)
            return begun

        results = race(handles, work, threads=6)
        assert results.count(Begin.NEW) == 1
        assert handles[0].events.begin(key, now=now + 1, lease_seconds=LEASE) is Begin.DONE


# --- subscriptions ---------------------------------------------------------------------


def subscription(n: int, **overrides: object) -> SubscriptionRecord:
    values: dict[str, object] = {
        "name": f"subscriptions/sub-{n:03d}",
        "target": "//chat.googleapis.com/spaces/S",
        "space": "spaces/S",
        "event_types": ("google.workspace.chat.message.v1.created",),
        "authority": "users/1",
        "creator": "users/1",
        "expire_time": 1_800_086_400.0 + n,
        "created_at": 1_799_990_000.0,
    }
    values.update(overrides)
    return SubscriptionRecord(**values)  # type: ignore[arg-type]


def test_subscriptions_round_trip_every_field(backend: Backend, clock: Clock) -> None:
    original = SubscriptionRecord(
        name="subscriptions/chat-spaces-czpTOkhYXxs",
        target="//chat.googleapis.com/spaces/S",
        space="spaces/S",
        event_types=(
            "google.workspace.chat.message.v1.created",
            "google.workspace.chat.membership.v1.deleted",
        ),
        authority="app",
        creator="users/42",
        include_resource=False,
        state="SUSPENDED",
        suspension_reason="USER_SCOPE_REVOKED",
        expire_time=1_800_604_800.5,
        created_at=1_799_000_000.25,
        updated_at=1.0,  # overwritten: the store stamps its own clock
        notes=("renewed 2027-01-01", "reason: ünïcode & <markup>"),
    )
    assert backend.subscriptions.get_subscription(original.name) is None
    backend.subscriptions.put_subscription(original)
    got = backend.subscriptions.get_subscription(original.name)
    assert got == replace(original, updated_at=clock.now)
    assert isinstance(got.event_types, tuple)
    assert isinstance(got.notes, tuple)

    defaults = subscription(1, event_types=(), notes=())
    backend.subscriptions.put_subscription(defaults)
    assert backend.subscriptions.get_subscription(defaults.name) == replace(
        defaults, updated_at=clock.now
    )


def test_subscriptions_are_replaced_by_name_and_deleted(backend: Backend, clock: Clock) -> None:
    subs = backend.subscriptions
    subs.put_subscription(subscription(1))
    clock.now += 60
    renewed = replace(subscription(1), expire_time=1_900_000_000.0, notes=("renewed",))
    subs.put_subscription(renewed)
    assert subs.get_subscription(renewed.name) == replace(renewed, updated_at=clock.now)
    assert subs.delete_subscription(renewed.name) is True
    assert subs.delete_subscription(renewed.name) is False
    assert subs.get_subscription(renewed.name) is None
    assert subs.subscriptions_for("spaces/S") == []


def test_subscriptions_for_a_space(backend: Backend) -> None:
    subs = backend.subscriptions
    subs.put_subscription(subscription(3))
    subs.put_subscription(subscription(1))
    subs.put_subscription(
        subscription(2, space="spaces/T", target="//chat.googleapis.com/spaces/T")
    )
    subs.put_subscription(subscription(4, state="SUSPENDED"))
    assert [s.name for s in subs.subscriptions_for("spaces/S")] == [
        "subscriptions/sub-001",
        "subscriptions/sub-003",
        "subscriptions/sub-004",
    ]
    assert [s.name for s in subs.subscriptions_for("spaces/T")] == ["subscriptions/sub-002"]
    assert subs.subscriptions_for("spaces/none") == []
    # Moving one to another space moves it between the answers.
    subs.put_subscription(subscription(3, space="spaces/T"))
    assert [s.name for s in subs.subscriptions_for("spaces/T")] == [
        "subscriptions/sub-002",
        "subscriptions/sub-003",
    ]


def test_expiring_before_lists_active_ones_soonest_first(backend: Backend) -> None:
    subs = backend.subscriptions
    base = 1_800_000_000.0
    subs.put_subscription(subscription(1, expire_time=base + 300))
    subs.put_subscription(subscription(2, expire_time=base + 100, space="spaces/T"))
    subs.put_subscription(subscription(3, expire_time=base + 200))
    subs.put_subscription(subscription(4, expire_time=base + 50, state="SUSPENDED"))
    subs.put_subscription(subscription(5, expire_time=base + 60, state="DELETED"))
    subs.put_subscription(subscription(6, expire_time=base + 1000))  # not before the instant
    subs.put_subscription(subscription(7, expire_time=base + 500))  # exactly at it: not before
    subs.put_subscription(subscription(8, expire_time=base - 10))  # already expired
    assert [s.name for s in subs.expiring_before(base + 500)] == [
        "subscriptions/sub-008",
        "subscriptions/sub-002",
        "subscriptions/sub-003",
        "subscriptions/sub-001",
    ]
    assert subs.expiring_before(base - 10) == []
    first = subs.expiring_before(base + 150)
    assert [s.name for s in first] == ["subscriptions/sub-008", "subscriptions/sub-002"]
    assert first[1] == replace(subscription(2, expire_time=base + 100, space="spaces/T"),
                               updated_at=first[1].updated_at)  # fmt: skip
    # Suspending one takes it out; reactivating puts it back.
    subs.put_subscription(subscription(2, expire_time=base + 100, state="SUSPENDED"))
    assert [s.name for s in subs.expiring_before(base + 150)] == ["subscriptions/sub-008"]
    subs.delete_subscription("subscriptions/sub-008")
    assert subs.expiring_before(base + 150) == []


# --- per-space settings ----------------------------------------------------------------


def test_space_settings_round_trip_every_field(backend: Backend, clock: Clock) -> None:
    assert backend.spaces.get_space("spaces/S") is None
    original = SpaceSettings(
        space="spaces/S",
        welcome_on=True,
        welcome_text="Welcome, *friend* 👋 <b>hi</b>",
        watch_words=("outage", "p0", "Ünïcode"),
        watch_pattern=r"\bINC-\d+\b",
        alert_space="spaces/ALERTS",
        webhook_url="https://hooks.example.com/nudge?x=1",
        webhook_secret="v1.sealed-secret-bytes",
        webhook_mode="matches",
        webhook_failures=3,
        webhook_disabled_reason="410 Gone",
        updated_by="users/7",
        updated_at=5.0,  # overwritten: the store stamps its own clock
    )
    stored = backend.spaces.put_space(original)
    assert stored == replace(original, version=1, updated_at=clock.now)
    got = backend.spaces.get_space("spaces/S")
    assert got == stored
    assert isinstance(got.watch_words, tuple)
    plain = backend.spaces.put_space(SpaceSettings(space="spaces/plain"))
    assert plain is not None
    assert backend.spaces.get_space("spaces/plain") == plain
    assert (plain.version, plain.watch_words, plain.webhook_mode) == (1, (), "off")


def test_space_settings_are_compare_and_set_on_version(backend: Backend, clock: Clock) -> None:
    spaces = backend.spaces
    first = spaces.put_space(SpaceSettings(space="spaces/S", welcome_on=True))
    assert first is not None
    assert first.version == 1
    # A new record twice: the second finds one there already.
    assert spaces.put_space(SpaceSettings(space="spaces/S", welcome_text="again")) is None
    clock.now += 10
    second = spaces.put_space(replace(first, welcome_text="hello"))
    assert second is not None
    assert (second.version, second.welcome_text, second.updated_at) == (2, "hello", clock.now)
    assert spaces.put_space(replace(first, welcome_text="stale")) is None  # version 1 again
    assert spaces.put_space(replace(second, version=7)) is None  # a version never stored
    assert spaces.get_space("spaces/S") == second
    third = spaces.put_space(replace(second, welcome_on=False))
    assert third is not None
    assert third.version == 3
    # Nothing stored yet: only version 0 may create it.
    assert spaces.put_space(SpaceSettings(space="spaces/T", version=1)) is None
    assert spaces.get_space("spaces/T") is None


@pytest.mark.parametrize("start", [0, 1])
def test_concurrent_space_writes_from_one_version_admit_exactly_one(
    make_backend: Callable[[], Backend], start: int
) -> None:
    handles = [make_backend() for _ in range(4)]
    base = SpaceSettings(space="spaces/S")
    if start:
        stored = handles[0].spaces.put_space(base)
        assert stored is not None
        base = stored
    counter = iter(range(100))
    lock = threading.Lock()

    def write(handle: Backend) -> SpaceSettings | None:
        with lock:
            n = next(counter)
        return handle.spaces.put_space(replace(base, welcome_text=f"writer {n}"))

    results = race(handles, write)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert len(results) == 8
    assert winners[0].version == start + 1
    assert handles[3].spaces.get_space("spaces/S") == winners[0]
