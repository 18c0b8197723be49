"""The Firestore side of the Workspace stores beyond the contract: what lands in the
documents (a TTL-ready ``until``, the indexed fields), what ``indexes.py`` provisions for
them, and races lost between a read and the conditional write that follows it.

test_contract_workspace.py runs the shared behaviour on the emulator too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from shared.store.events import Begin
from shared.store.spaces import SpaceSettings

from .conftest import Clock
from .test_contract_workspace import subscription

gcloud = pytest.mark.needs("gcloud")
LEASE = 300.0


@pytest.fixture
def client(firestore_project: str) -> Iterator[Any]:
    """A raw client on the test's project, to look at what the backend wrote."""
    from google.cloud import firestore

    raw = firestore.Client(project=firestore_project)
    yield raw
    raw.close()


@pytest.fixture
def open_backend(firestore_project: str, clock: Clock) -> Iterator[Callable[..., Any]]:
    from shared.store.firestore import FirestoreBackend

    opened: list[Any] = []

    def make(**kwargs: Any) -> Any:
        backend = FirestoreBackend(project=firestore_project, clock=clock, **kwargs)
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        backend.close()


class Interfering:
    """A document reference whose next ``method`` call first runs ``hook`` (another instance
    writing the same document between our read and our write)."""

    def __init__(self, ref: Any, hooks: dict[str, Callable[[], None]]) -> None:
        self._ref = ref
        self._hooks = hooks

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._ref, name)
        if name not in self._hooks:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._hooks.pop(name)()
            return attr(*args, **kwargs)

        return call


def interfere(
    monkeypatch: pytest.MonkeyPatch, events: Any, **hooks: Callable[[], None]
) -> dict[str, Callable[[], None]]:
    real_ref = events._ref
    monkeypatch.setattr(events, "_ref", lambda key: Interfering(real_ref(key), hooks))
    return hooks


# --- without the emulator --------------------------------------------------------------


def test_indexes_and_ttl_cover_the_workspace_collections() -> None:
    from shared.store.firestore.indexes import COMPOSITE_INDEXES, TTL_POLICIES, terraform
    from shared.store.firestore.workspace import (
        HANDLED_EVENTS,
        SUBSCRIPTIONS,
        subscription_document,
    )

    written = subscription_document(subscription(1))
    indexes = [i for i in COMPOSITE_INDEXES if i.collection == SUBSCRIPTIONS]
    assert [[f.field_path for f in i.fields] for i in indexes] == [["state", "expire_time"]]
    assert {f.field_path for f in indexes[0].fields} <= set(written)
    assert isinstance(written["expire_time"], float)
    assert [(p.collection, p.field) for p in TTL_POLICIES if p.collection == HANDLED_EVENTS] == [
        ("handled_events", "until")
    ]
    plan = terraform("x_")
    assert {
        "database": "(default)",
        "collection": "x_subscriptions",
        "query_scope": "COLLECTION",
        "fields": [
            {"field_path": "state", "order": "ASCENDING"},
            {"field_path": "expire_time", "order": "ASCENDING"},
        ],
    } in plan["google_firestore_index"]
    assert {
        "database": "(default)",
        "collection": "x_handled_events",
        "field": "until",
        "ttl_config": {},
    } in plan["google_firestore_field"]


# --- on the emulator -------------------------------------------------------------------


@gcloud
def test_marks_carry_a_timestamp_for_the_ttl_policy(
    open_backend: Callable[..., Any], client: Any, clock: Clock
) -> None:
    backend = open_backend(prefix="team_")
    now = clock.now
    assert backend.events.begin("spaces/S/messages/M", now=now, lease_seconds=60) is Begin.NEW
    ref = client.collection("team_handled_events").document("spaces%2FS%2Fmessages%2FM")
    busy = ref.get().to_dict()
    assert busy["state"] == "busy"
    assert busy["key"] == "spaces/S/messages/M"
    assert isinstance(busy["until"], datetime)  # a timestamp, so a TTL policy can expire it
    assert busy["until"].timestamp() == now + 60
    backend.events.finish("spaces/S/messages/M", expires_at=now + 8 * 86400)
    done = ref.get().to_dict()
    assert (done["state"], done["until"].timestamp()) == ("done", now + 8 * 86400)

    backend.subscriptions.put_subscription(subscription(1))
    backend.spaces.put_space(SpaceSettings(space="spaces/S"))
    names = {c.id for c in client.collections()}
    assert {"team_handled_events", "team_subscriptions", "team_space_settings"} <= names
    stored = client.collection("team_subscriptions").document("subscriptions%2Fsub-001").get()
    assert stored.get("event_types") == ["google.workspace.chat.message.v1.created"]


@gcloud
def test_a_begin_that_loses_the_create_race_reads_again_and_finds_it_busy(
    open_backend: Callable[..., Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, other = open_backend(), open_backend()
    now = clock.now

    def other_begins() -> None:
        assert other.events.begin("ce-1", now=now, lease_seconds=LEASE) is Begin.NEW

    hooks = interfere(monkeypatch, backend.events, create=other_begins)
    assert backend.events.begin("ce-1", now=now, lease_seconds=LEASE) is Begin.BUSY
    assert hooks == {}  # the interference happened


@gcloud
def test_a_takeover_that_loses_to_a_finish_reads_again_and_finds_it_done(
    open_backend: Callable[..., Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, other = open_backend(), open_backend()
    now = clock.now
    assert other.events.begin("ce-1", now=now - 100, lease_seconds=10) is Begin.NEW

    def late_finish() -> None:  # the slow first delivery finishes after all
        other.events.finish("ce-1", expires_at=now + 3600)

    hooks = interfere(monkeypatch, backend.events, update=late_finish)
    assert backend.events.begin("ce-1", now=now, lease_seconds=LEASE) is Begin.DONE
    assert hooks == {}


@gcloud
def test_abandon_keeps_a_done_mark_written_between_its_read_and_its_delete(
    open_backend: Callable[..., Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, other = open_backend(), open_backend()
    now = clock.now
    assert backend.events.begin("ce-1", now=now, lease_seconds=LEASE) is Begin.NEW

    def finish() -> None:
        other.events.finish("ce-1", expires_at=now + 3600)

    hooks = interfere(monkeypatch, backend.events, delete=finish)
    backend.events.abandon("ce-1")
    assert hooks == {}
    assert other.events.begin("ce-1", now=now + 1, lease_seconds=LEASE) is Begin.DONE


@gcloud
def test_a_space_write_that_loses_between_read_and_write_is_refused(
    open_backend: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, other = open_backend(), open_backend()
    first = backend.spaces.put_space(SpaceSettings(space="spaces/S"))
    assert first is not None
    winner: list[Any] = []

    def other_writes() -> None:
        winner.append(other.spaces.put_space(replace(first, welcome_text="other")))

    real_ref = backend.spaces._ref
    hooks = {"update": other_writes}
    monkeypatch.setattr(backend.spaces, "_ref", lambda space: Interfering(real_ref(space), hooks))
    assert backend.spaces.put_space(replace(first, welcome_text="mine")) is None
    assert hooks == {}
    assert winner[0] is not None
    assert other.spaces.get_space("spaces/S") == winner[0]
