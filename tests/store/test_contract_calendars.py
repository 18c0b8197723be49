"""The storage contract for calendars: connected calendars (links), their watch channels and
meetings scheduled from Chat, on every backend (SQLite, Firestore on the emulator) alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from shared.store.backend import Backend
from shared.store.calendars import (
    ALL_KINDS,
    KIND_SOLO,
    CalendarLink,
    LinkState,
    ScheduledMeeting,
    WatchChannel,
)
from shared.store.sqlite import SqliteBackend

from .conftest import Clock
from .test_contract_workspace import race

NOW = 1_800_000_000.0


def link(n: int, **overrides: Any) -> CalendarLink:
    values: dict[str, Any] = {"user": f"users/{n}", "email": f"u{n}@example.com"}
    values.update(overrides)
    return CalendarLink(**values)


def full_link(user: str = "users/1") -> CalendarLink:
    """A link with every field off its default."""
    return CalendarLink(
        user=user,
        calendar_id="team@group.calendar.google.com",
        state=LinkState.ACTIVE,
        email="ada@example.com",
        reminders_on=False,
        minutes_before=15,
        destination="spaces/S",
        destination_name="Team & co",
        agenda_on=True,
        agenda_time="07:45",
        kinds=(KIND_SOLO,),
        zone="Europe/Berlin",
        zone_noted="Europe/Berlin|America/New_York",
        sync_token="CPjk-token==",
        synced_at=NOW - 60.5,
        full_synced_at=NOW - 3600.25,
        generation=3,
        next_sync=NOW + 1800.0,
        failures=2,
        note="last sync: 503",
        agenda_next=NOW + 7200.0,
        created_at=NOW - 86400.0,
        updated_at=1.0,
        version=0,
    )


def channel(n: int, user: str = "users/1", **overrides: Any) -> WatchChannel:
    values: dict[str, Any] = {
        "id": f"0f8b6c2e-0000-4000-8000-{n:012d}",
        "user": user,
        "token_hash": f"{n:064x}",
    }
    values.update(overrides)
    return WatchChannel(**values)


def meeting(n: int, **overrides: Any) -> ScheduledMeeting:
    values: dict[str, Any] = {
        "event_id": f"nudge{n:010d}",
        "user": "users/1",
        "space": "spaces/S",
        "thread": "spaces/S/threads/T",
        "message": f"spaces/S/messages/M{n}",
        "title": f"Sync {n}",
        "start": NOW + 3600.0,
        "meet_space": f"spaces/meet{n}",
        "meeting_code": "abc-mnop-xyz",
        "subscription": f"subscriptions/sub{n}",
        "posted": (),
    }
    values.update(overrides)
    return ScheduledMeeting(**values)


# --- links -----------------------------------------------------------------------------


def test_a_link_round_trips_every_field(backend: Backend, clock: Clock) -> None:
    calendars = backend.calendars
    assert calendars.get_link("users/1") is None
    original = full_link()
    stored = calendars.add_link(original)
    assert stored == replace(original, version=1, updated_at=clock.now)
    got = calendars.get_link("users/1")
    assert got == stored
    assert got is not None
    assert got.state is LinkState.ACTIVE
    assert isinstance(got.kinds, tuple)
    assert got.kinds == (KIND_SOLO,)
    assert got.reminders_on is False
    assert got.agenda_on is True
    assert isinstance(got.minutes_before, int)
    assert isinstance(got.synced_at, float)

    # Defaults and Nones round-trip too (PENDING, no next_sync, no agenda_next).
    plain = calendars.add_link(link(2, next_sync=None, kinds=ALL_KINDS))
    assert plain.created_at == clock.now  # 0 is stamped
    got = calendars.get_link("users/2")
    assert got == plain
    assert got is not None
    assert got.next_sync is None
    assert got.agenda_next is None
    assert got.state is LinkState.PENDING
    assert got.kinds == ALL_KINDS


def test_a_user_has_one_link(backend: Backend) -> None:
    calendars = backend.calendars
    first = calendars.add_link(link(1, email="first@example.com"))
    with pytest.raises(ValueError, match="users/1"):
        calendars.add_link(link(1, email="second@example.com"))
    assert calendars.get_link("users/1") == first


def test_save_link_is_compare_and_set(backend: Backend, clock: Clock) -> None:
    calendars = backend.calendars
    stored = calendars.add_link(link(1))
    clock.now += 10
    saved = calendars.save_link(replace(stored, state=LinkState.ACTIVE, sync_token="t1"))
    assert saved is not None
    assert (saved.version, saved.updated_at, saved.created_at) == (2, clock.now, stored.created_at)
    assert calendars.get_link("users/1") == saved

    # A stale copy (version 1) loses, and changes nothing.
    assert calendars.save_link(replace(stored, sync_token="stale")) is None
    assert calendars.get_link("users/1") == saved

    again = calendars.save_link(replace(saved, failures=1))
    assert again is not None
    assert again.version == 3

    assert calendars.delete_link("users/1") is True
    assert calendars.delete_link("users/1") is False
    assert calendars.get_link("users/1") is None
    assert calendars.save_link(again) is None  # deleted meanwhile: not recreated
    assert calendars.get_link("users/1") is None
    # A save never creates one.
    assert calendars.save_link(link(9)) is None
    assert calendars.get_link("users/9") is None


@pytest.mark.parametrize("field", ["next_sync", "agenda_next"])
def test_due_links_soonest_first_up_to_now_inclusive(backend: Backend, field: str) -> None:
    calendars = backend.calendars
    due = calendars.links_due if field == "next_sync" else calendars.agendas_due
    assert due(NOW, limit=10) == []
    times: dict[int, float | None] = {
        1: NOW - 10.0,
        2: NOW,  # exactly now: due
        3: NOW + 0.5,  # not yet
        4: None,  # never
        5: NOW - 500.0,
        6: 0.0,  # "at once"
        7: NOW + 3600.0,
    }
    for n, when in times.items():
        other = "agenda_next" if field == "next_sync" else "next_sync"
        # The other field is due for everyone, so it must not leak into this query.
        calendars.add_link(link(n, **{field: when, other: NOW - 1.0}))

    assert [lk.user for lk in due(NOW, limit=10)] == ["users/6", "users/5", "users/1", "users/2"]
    assert [lk.user for lk in due(NOW, limit=2)] == ["users/6", "users/5"]
    assert due(NOW, limit=0) == []
    assert [lk.user for lk in due(NOW - 11.0, limit=10)] == ["users/6", "users/5"]
    assert len(due(NOW + 1e9, limit=100)) == 6  # everything but None
    got = due(NOW, limit=1)[0]
    assert got == calendars.get_link("users/6")  # whole records


def test_count_links(backend: Backend) -> None:
    calendars = backend.calendars
    assert calendars.count_links() == 0
    for n in range(5):
        calendars.add_link(link(n, next_sync=None if n % 2 else 0.0))
    assert calendars.count_links() == 5
    calendars.delete_link("users/3")
    assert calendars.count_links() == 4


def test_user_names_with_awkward_characters_are_keys_not_paths(backend: Backend) -> None:
    calendars = backend.calendars
    users = ["users/1", "users/1/x", "users/a b%2F", ".", "__x__"]
    for user in users:
        calendars.add_link(link(0, user=user))
    for user in users:
        got = calendars.get_link(user)
        assert got is not None
        assert got.user == user
    assert calendars.count_links() == len(users)


# --- channels --------------------------------------------------------------------------


def test_channels_put_get_replace_and_delete(backend: Backend, clock: Clock) -> None:
    calendars = backend.calendars
    first = channel(1, expiration=NOW + 86400.0, created_at=NOW - 5.0)
    assert calendars.get_channel(first.id) is None
    calendars.put_channel(first)
    assert calendars.get_channel(first.id) == first

    # Saved before ``watch`` answers; replaced by ID once it has.
    answered = replace(first, resource_id="ret08u3rv24htgh289g", expiration=NOW + 604800.0)
    calendars.put_channel(answered)
    assert calendars.get_channel(first.id) == answered

    unstamped = channel(2)
    calendars.put_channel(unstamped)
    assert calendars.get_channel(unstamped.id) == replace(unstamped, created_at=clock.now)

    assert calendars.delete_channel(first.id) is True
    assert calendars.delete_channel(first.id) is False
    assert calendars.get_channel(first.id) is None
    assert calendars.get_channel(unstamped.id) is not None


def test_channels_of_a_user_newest_first(backend: Backend) -> None:
    calendars = backend.calendars
    assert calendars.channels_of("users/1") == []
    old = channel(1, created_at=NOW - 600.0)
    new = channel(2, created_at=NOW)
    middle = channel(3, created_at=NOW - 60.0)
    elsewhere = channel(4, user="users/2", created_at=NOW + 1.0)
    for c in (old, new, middle, elsewhere):
        calendars.put_channel(c)
    assert calendars.channels_of("users/1") == [new, middle, old]
    assert calendars.channels_of("users/2") == [elsewhere]
    calendars.delete_channel(new.id)
    assert calendars.channels_of("users/1") == [middle, old]


# --- meetings scheduled from Chat ------------------------------------------------------


def test_meetings_add_get_and_find_by_meet_space(backend: Backend, clock: Clock) -> None:
    calendars = backend.calendars
    assert calendars.get_meeting("nudge0000000001") is None
    stored = calendars.add_meeting(meeting(1, posted=("conferenceRecords/r/transcripts/t",)))
    assert stored.version == 1
    assert stored.created_at == clock.now
    got = calendars.get_meeting(stored.event_id)
    assert got == stored
    assert got is not None
    assert got.posted == ("conferenceRecords/r/transcripts/t",)
    with pytest.raises(ValueError, match=stored.event_id):
        calendars.add_meeting(meeting(1, title="again"))
    assert calendars.get_meeting(stored.event_id) == stored

    unknown = calendars.add_meeting(meeting(2, meet_space="", created_at=NOW - 9.0))
    assert unknown.created_at == NOW - 9.0  # kept when given
    assert calendars.meeting_by_meet_space("spaces/meet1") == stored
    assert calendars.meeting_by_meet_space("spaces/nope") is None
    assert calendars.meeting_by_meet_space("") is None  # "not known yet" matches nothing


def test_save_meeting_is_compare_and_set(backend: Backend) -> None:
    calendars = backend.calendars
    stored = calendars.add_meeting(meeting(1, meet_space=""))
    known = calendars.save_meeting(replace(stored, meet_space="spaces/m", meeting_code="a-b-c"))
    assert known is not None
    assert known.version == 2
    assert calendars.meeting_by_meet_space("spaces/m") == known

    posted = ("conferenceRecords/r/recordings/1", "conferenceRecords/r/transcripts/2")
    saved = calendars.save_meeting(replace(known, posted=posted))
    assert saved is not None
    assert saved.version == 3
    assert calendars.get_meeting(stored.event_id) == saved
    assert calendars.save_meeting(replace(known, title="stale")) is None
    assert calendars.get_meeting(stored.event_id) == saved

    assert calendars.delete_meeting(stored.event_id) is True
    assert calendars.delete_meeting(stored.event_id) is False
    assert calendars.save_meeting(saved) is None
    assert calendars.get_meeting(stored.event_id) is None
    assert calendars.meeting_by_meet_space("spaces/m") is None


# --- more than one instance ------------------------------------------------------------


def test_a_second_handle_sees_the_writes(make_backend: Callable[[], Backend], clock: Clock) -> None:
    one, two = make_backend().calendars, make_backend().calendars
    stored = one.add_link(link(1, next_sync=NOW - 1.0))
    assert two.get_link("users/1") == stored
    assert two.links_due(NOW, limit=5) == [stored]
    assert two.count_links() == 1
    with pytest.raises(ValueError):
        two.add_link(link(1))

    clock.now += 1
    saved = two.save_link(replace(stored, state=LinkState.ACTIVE))
    assert saved is not None
    assert one.save_link(replace(stored, note="lost the race")) is None
    assert one.get_link("users/1") == saved

    one.put_channel(channel(1, created_at=NOW))
    assert two.channels_of("users/1") == [channel(1, created_at=NOW)]
    made = one.add_meeting(meeting(1))
    assert two.meeting_by_meet_space(made.meet_space) == made
    assert two.delete_meeting(made.event_id) is True
    assert one.get_meeting(made.event_id) is None


def test_concurrent_saves_of_one_version_admit_exactly_one(
    make_backend: Callable[[], Backend],
) -> None:
    handles = [make_backend() for _ in range(4)]
    stored = handles[0].calendars.add_link(link(1))
    made = handles[0].calendars.add_meeting(meeting(1))

    def save_both(handle: Backend) -> tuple[bool, bool]:
        saved = handle.calendars.save_link(replace(stored, failures=1))
        posted = handle.calendars.save_meeting(replace(made, posted=("x",)))
        return saved is not None, posted is not None

    results = race(handles, save_both)
    assert sorted(r[0] for r in results) == [False] * 7 + [True]
    assert sorted(r[1] for r in results) == [False] * 7 + [True]
    got = handles[1].calendars.get_link("users/1")
    assert got is not None
    assert (got.version, got.failures) == (2, 1)


# --- backend specifics -----------------------------------------------------------------


def test_sqlite_migration_5_indexes_the_due_queries(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "nudge.db")
    backend.calendars.add_link(link(1))
    backend.close()
    with sqlite3.connect(tmp_path / "nudge.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 5
        for column in ("next_sync", "agenda_next"):
            plan = db.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM calendar_links "  # noqa: S608
                f"WHERE {column} <= ? ORDER BY {column} LIMIT 5",
                (NOW,),
            ).fetchall()
            assert f"calendar_links_{column}" in " ".join(str(row[-1]) for row in plan)


@pytest.fixture
def raw_client(firestore_project: str) -> Iterator[Any]:
    from google.cloud import firestore

    raw = firestore.Client(project=firestore_project)
    yield raw
    raw.close()


@pytest.mark.needs("gcloud")
@pytest.mark.emulator
def test_firestore_collections_carry_the_prefix_and_encoded_keys(
    firestore_project: str, raw_client: Any, clock: Clock
) -> None:
    from shared.store.firestore import FirestoreBackend

    backend = FirestoreBackend(project=firestore_project, clock=clock)
    try:
        backend.calendars.add_link(link(1, next_sync=None))
        backend.calendars.put_channel(channel(1))
        backend.calendars.add_meeting(meeting(1))
    finally:
        backend.close()
    doc = raw_client.collection("nudge_calendar_links").document("users%2F1").get()
    assert doc.exists
    data = doc.to_dict()
    assert data["state"] == "pending"
    assert data["kinds"] == list(link(1).kinds)
    assert "next_sync" in data
    assert data["next_sync"] is None
    for collection, key in (
        ("nudge_calendar_channels", channel(1).id),
        ("nudge_scheduled_meetings", "nudge0000000001"),
    ):
        assert raw_client.collection(collection).document(key).get().exists
