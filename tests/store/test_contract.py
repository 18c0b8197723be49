"""The storage contract: what every backend (SQLite, Firestore) must do alike."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import replace

import pytest

from shared.store.backend import Backend
from shared.store.reminders import Reminder, ReminderState
from shared.store.tokens import StoredToken
from shared.store.users import UserPrefs, ZoneSource
from shared.util.crypto import TokenCipher

from .conftest import Clock


def reminder(n: int, *, fire: float | None = 1_800_000_000.0, **overrides: object) -> Reminder:
    values: dict[str, object] = {
        "id": f"r{n:06d}",
        "owner": "users/1",
        "text": f"water the plants {n}",
        "space": "spaces/S",
        "origin_space": "spaces/S",
        "schedule": {"v": 1, "kind": "once", "at": "2027-01-15T09:00:00"},
        "zone": "Europe/Berlin",
        "next_fire": fire,
        "due_key": "2027-01-15T08:00:00Z",
        "thread_key": f"reminder-r{n:06d}",
        "created_at": 1.0,
    }
    values.update(overrides)
    return Reminder(**values)  # type: ignore[arg-type]


# --- tokens and nonces -----------------------------------------------------------------


def test_tokens_round_trip_and_refuse_plaintext(backend: Backend) -> None:
    cipher = TokenCipher([os.urandom(32)])
    sealed = cipher.seal("1//secret-refresh", aad="users/1")
    backend.tokens.put_token(StoredToken("users/1", sealed, frozenset({"openid", "b"}), "a@x"))
    got = backend.tokens.get_token("users/1")
    assert got is not None
    assert (got.sealed_refresh_token, got.scopes, got.email) == (sealed, {"openid", "b"}, "a@x")
    with pytest.raises(ValueError, match="not sealed"):
        backend.tokens.put_token(StoredToken("users/2", "1//plain"))
    assert backend.tokens.delete_token("users/1") is True
    assert backend.tokens.delete_token("users/1") is False
    assert backend.tokens.get_token("users/1") is None


def test_nonces_are_single_use(backend: Backend, clock: Clock) -> None:
    assert backend.nonces.use_nonce("n1", clock.now + 600) is True
    assert backend.nonces.use_nonce("n1", clock.now + 600) is False
    assert backend.nonces.use_nonce("n2", clock.now + 600) is True


def test_concurrent_nonce_use_admits_exactly_one(
    make_backend: Callable[[], Backend], clock: Clock
) -> None:
    handles = [make_backend() for _ in range(4)]
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def use(handle: Backend) -> None:
        barrier.wait()
        results.append(handle.nonces.use_nonce("same", clock.now + 600))

    threads = [threading.Thread(target=use, args=(handles[i % 4],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [False] * 7 + [True]


# --- users -----------------------------------------------------------------------------


def test_users_remember_their_zone(backend: Backend) -> None:
    assert backend.users.get_user("users/1") is None
    backend.users.put_user(UserPrefs("users/1", "Europe/Berlin", ZoneSource.CHAT, "de-DE"))
    got = backend.users.get_user("users/1")
    assert got is not None
    assert (got.zone, got.zone_source, got.locale) == ("Europe/Berlin", ZoneSource.CHAT, "de-DE")
    backend.users.put_user(UserPrefs("users/1", "Asia/Kolkata", ZoneSource.EXPLICIT))
    again = backend.users.get_user("users/1")
    assert again is not None
    assert (again.zone, again.zone_source) == ("Asia/Kolkata", ZoneSource.EXPLICIT)


# --- reminders -------------------------------------------------------------------------


def test_reminders_round_trip_every_field(backend: Backend) -> None:
    original = reminder(
        1,
        mention="users/2",
        nag_every=1800,
        nag_cap=10,
        nag_count=2,
        last_message="spaces/S/messages/M",
        note="",
        state=ReminderState.PAUSED,
    )
    backend.reminders.add(original)
    got = backend.reminders.get(original.id)
    assert got == original
    assert dict(got.schedule) == {"v": 1, "kind": "once", "at": "2027-01-15T09:00:00"}
    with pytest.raises(ValueError, match="exists"):
        backend.reminders.add(original)


def test_save_is_compare_and_set(backend: Backend) -> None:
    backend.reminders.add(reminder(1))
    first = backend.reminders.get("r000001")
    assert first is not None
    saved = backend.reminders.save(replace(first, text="new text"))
    assert saved is not None
    assert saved.version == first.version + 1
    assert backend.reminders.save(replace(first, text="stale write")) is None
    current = backend.reminders.get("r000001")
    assert current is not None
    assert current.text == "new text"
    assert backend.reminders.delete("r000001") is True
    assert backend.reminders.save(current) is None
    assert backend.reminders.delete("r000001") is False


def test_owned_by_pages_soonest_first_without_done(backend: Backend) -> None:
    for n in range(7):
        backend.reminders.add(reminder(n, fire=2_000_000_000.0 - n))
    backend.reminders.add(reminder(50, fire=None, state=ReminderState.DONE))
    backend.reminders.add(reminder(60, owner="users/2"))
    first = backend.reminders.owned_by("users/1", limit=3)
    assert [r.id for r in first.items] == ["r000006", "r000005", "r000004"]
    assert (first.total, first.next_offset) == (7, 3)
    last = backend.reminders.owned_by("users/1", offset=6, limit=3)
    assert [r.id for r in last.items] == ["r000000"]
    assert last.next_offset is None


def test_kinds_and_payloads_round_trip_and_list_apart(backend: Backend) -> None:
    backend.reminders.add(reminder(1, fire=2_000_000_100.0))
    meeting = reminder(
        2,
        fire=2_000_000_000.0,
        kind="meeting",
        payload={"title": "Design review", "attendees": [{"email": "a@x", "status": "yes"}]},
    )
    backend.reminders.add(meeting)
    assert backend.reminders.get("r000002") == meeting
    assert [r.id for r in backend.reminders.owned_by("users/1").items] == ["r000001"]
    assert [r.id for r in backend.reminders.owned_by("users/1", kind="meeting").items] == [
        "r000002"
    ]
    claimed = backend.reminders.claim_due(2_000_000_200.0, limit=10, lease_seconds=60, worker="w")
    assert {r.id: r.kind for r in claimed} == {"r000001": "reminder", "r000002": "meeting"}


def test_listing_shows_everything_soonest_first(backend: Backend) -> None:
    backend.reminders.add(reminder(1, fire=2_000_000_100.0))
    backend.reminders.add(reminder(2, fire=None, state=ReminderState.DONE, owner="users/9"))
    backend.reminders.add(reminder(3, fire=2_000_000_000.0, owner="users/8"))
    page = backend.reminders.listing(limit=2)
    assert [r.id for r in page.items] == ["r000003", "r000001"]
    assert (page.total, page.next_offset) == (3, 2)
    assert [r.id for r in backend.reminders.listing(offset=2).items] == ["r000002"]


def test_in_space_finds_where_it_posts_and_where_it_was_set(backend: Backend) -> None:
    backend.reminders.add(reminder(1, space="spaces/A", origin_space="spaces/A"))
    backend.reminders.add(reminder(2, space="", origin_space="spaces/A"))
    backend.reminders.add(reminder(3, space="spaces/B", origin_space="spaces/B"))
    assert [r.id for r in backend.reminders.in_space("spaces/A")] == ["r000001", "r000002"]


def test_claim_takes_due_active_reminders_oldest_first_and_leases_them(
    backend: Backend, clock: Clock
) -> None:
    now = clock.now
    backend.reminders.add(reminder(1, fire=now - 10))
    backend.reminders.add(reminder(2, fire=now - 20))
    backend.reminders.add(reminder(3, fire=now + 60))  # not due
    backend.reminders.add(reminder(4, fire=now - 30, state=ReminderState.PAUSED))
    backend.reminders.add(reminder(5, fire=None, state=ReminderState.DONE))
    assert backend.reminders.count_due(now) == 2
    claimed = backend.reminders.claim_due(now, limit=10, lease_seconds=120, worker="tick-a")
    assert [r.id for r in claimed] == ["r000002", "r000001"]
    assert [r.lease_fire for r in claimed] == [now - 20, now - 10]
    assert all(r.lease_owner == "tick-a" and r.next_fire == now + 120 for r in claimed)
    stored = backend.reminders.get("r000002")
    assert stored == claimed[0]
    # Leased: no other claim gets them until the lease ends.
    assert backend.reminders.claim_due(now + 30, limit=10, lease_seconds=120, worker="b") == []
    assert backend.reminders.count_due(now + 30) == 0


def test_an_expired_lease_is_claimed_again_for_the_same_occurrence(
    backend: Backend, clock: Clock
) -> None:
    now = clock.now
    backend.reminders.add(reminder(1, fire=now - 5))
    first = backend.reminders.claim_due(now, limit=1, lease_seconds=60, worker="dead-tick")
    again = backend.reminders.claim_due(now + 61, limit=1, lease_seconds=60, worker="tick-b")
    assert [r.id for r in again] == ["r000001"]
    assert again[0].lease_fire == first[0].lease_fire == now - 5
    assert again[0].lease_owner == "tick-b"
    # The dead tick's late finish loses: its version is stale.
    assert backend.reminders.save(replace(first[0], lease_owner="", next_fire=None)) is None
    done = backend.reminders.save(
        replace(again[0], lease_owner="", lease_fire=None, next_fire=None)
    )
    assert done is not None


def test_concurrent_claims_never_take_the_same_reminder(
    make_backend: Callable[[], Backend], clock: Clock
) -> None:
    setup = make_backend()
    for n in range(60):
        setup.reminders.add(reminder(n, fire=clock.now - n))
    handles = [make_backend() for _ in range(4)]
    taken: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def claim(handle: Backend, worker: str) -> None:
        barrier.wait()
        while True:
            got = handle.reminders.claim_due(clock.now, limit=7, lease_seconds=300, worker=worker)
            if not got:
                return
            with lock:
                taken.extend(r.id for r in got)

    threads = [
        threading.Thread(target=claim, args=(handle, f"w{i}")) for i, handle in enumerate(handles)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(taken) == [f"r{n:06d}" for n in range(60)]
