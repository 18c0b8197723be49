"""The Firestore backend beyond the contract: schema version, document IDs, what lands on disk,
and a claim that loses a race to a save.

The contract suite (test_contract.py) runs every shared behaviour on the emulator too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from shared.store.tokens import StoredToken
from shared.store.users import UserPrefs
from shared.util.crypto import TokenCipher

from .conftest import Clock
from .test_contract import reminder

ROOT = Path(__file__).resolve().parents[2]
SECRET = "1//0g-very-secret-refresh-token-ABCDEF"
gcloud = pytest.mark.needs("gcloud")


@pytest.fixture
def client(firestore_project: str) -> Iterator[Any]:
    """A raw client on the test's project, to look at what the backend wrote."""
    from google.cloud import firestore

    raw = firestore.Client(project=firestore_project)
    yield raw
    raw.close()


def open_backend(project: str, clock: Clock | None = None, **kwargs: Any) -> Any:
    from shared.store.firestore import FirestoreBackend

    return FirestoreBackend(project=project, clock=clock or Clock(), **kwargs)


# --- without the emulator --------------------------------------------------------------


def test_document_ids_are_one_to_one_and_always_valid() -> None:
    from shared.store.firestore.database import doc_id

    keys = ["users/123", "users%2F123", ".", "..", "__x__", "%5F%5Fx%5F%5F", "r1a2b3c4", "a b"]
    ids = [doc_id(k) for k in keys]
    assert len(set(ids)) == len(keys)
    assert doc_id("users/123") == "users%2F123"
    assert doc_id("r1a2b3c4") == "r1a2b3c4"
    for value in ids:
        assert "/" not in value
        assert value not in (".", "..")
        assert not (value.startswith("__") and value.endswith("__"))
    with pytest.raises(ValueError, match="empty"):
        doc_id("")


def test_the_index_list_loads_without_the_client_library_and_prints_terraform_json() -> None:
    probe = (
        "import sys; import shared.store.firestore.indexes as i; "
        "print('google.cloud.firestore' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
    printed = subprocess.run(
        [sys.executable, "-m", "shared.store.firestore.indexes", "--prefix", "x_"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    plan = json.loads(printed.stdout)
    due, owned, subscriptions = plan["google_firestore_index"]
    assert due == {
        "database": "(default)",
        "collection": "x_reminders",
        "query_scope": "COLLECTION",
        "fields": [
            {"field_path": "state", "order": "ASCENDING"},
            {"field_path": "next_fire", "order": "ASCENDING"},
        ],
    }
    assert [f["field_path"] for f in owned["fields"]] == ["owner", "listed", "list_fire"]
    assert subscriptions["collection"] == "x_subscriptions"
    assert [f["field_path"] for f in subscriptions["fields"]] == ["state", "expire_time"]
    assert plan["google_firestore_field"] == [
        {
            "database": "(default)",
            "collection": "x_nonces",
            "field": "expires_at",
            "ttl_config": {},
        },
        {
            "database": "(default)",
            "collection": "x_handled_events",
            "field": "until",
            "ttl_config": {},
        },
    ]


def test_every_indexed_field_is_written_on_every_reminder() -> None:
    from shared.store.firestore.indexes import COMPOSITE_INDEXES
    from shared.store.firestore.reminders import REMINDERS, _document

    written = _document(reminder(1, fire=None))
    for index in COMPOSITE_INDEXES:
        if index.collection != REMINDERS:
            continue  # the others: tests/store/test_firestore_workspace.py
        assert {f.field_path for f in index.fields} <= set(written)


# --- on the emulator -------------------------------------------------------------------


@gcloud
def test_first_use_records_the_schema_version_and_a_newer_one_is_refused(
    firestore_project: str, client: Any
) -> None:
    from shared.store.firestore.migrations import SCHEMA_VERSION, SchemaTooNew

    backend = open_backend(firestore_project)
    assert client.collection("nudge_meta").document("schema").get().exists is False
    assert backend.users.get_user("users/1") is None  # first use
    schema = client.collection("nudge_meta").document("schema").get().to_dict()
    assert schema["version"] == SCHEMA_VERSION
    backend.close()

    client.collection("nudge_meta").document("schema").update({"version": SCHEMA_VERSION + 1})
    newer = open_backend(firestore_project)
    with pytest.raises(SchemaTooNew, match=f"schema version {SCHEMA_VERSION + 1}"):
        newer.reminders.get("r1")
    newer.close()


@gcloud
def test_collections_carry_the_prefix_and_documents_their_keys(
    firestore_project: str, client: Any
) -> None:
    backend = open_backend(firestore_project, prefix="team_")
    backend.reminders.add(reminder(1))
    backend.users.put_user(UserPrefs("users/7"))
    assert backend.nonces.use_nonce("n-1", 1_800_000_600.0) is True
    names = sorted(c.id for c in client.collections())
    assert names == ["team_meta", "team_nonces", "team_reminders", "team_users"]
    assert client.collection("team_reminders").document("r000001").get().exists
    assert client.collection("team_users").document("users%2F7").get().get("user") == "users/7"
    nonce = client.collection("team_nonces").document("n-1").get().get("expires_at")
    assert isinstance(nonce, datetime)  # a timestamp, so a TTL policy can expire it
    assert nonce.timestamp() == 1_800_000_600.0
    backend.close()


@gcloud
def test_no_plaintext_refresh_token_is_stored(firestore_project: str, client: Any) -> None:
    backend = open_backend(firestore_project)
    cipher = TokenCipher([os.urandom(32)])
    for n in range(3):
        user = f"users/{n}"
        backend.tokens.put_token(StoredToken(user, cipher.seal(f"{SECRET}-{n}", aad=user)))
    with pytest.raises(ValueError, match="not sealed"):
        backend.tokens.put_token(StoredToken("users/9", SECRET))
    stored = [d.to_dict() for d in client.collection("nudge_tokens").stream()]
    assert len(stored) == 3
    assert SECRET not in json.dumps(stored, default=str)
    backend.close()


@gcloud
def test_a_claim_never_overwrites_a_save_that_slipped_in_before_its_commit(
    firestore_project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    backend = open_backend(firestore_project, clock)
    other = open_backend(firestore_project, clock)
    backend.reminders.add(reminder(1, fire=clock.now - 5))
    real_batch = backend.db.client.batch
    commits = []

    def racing_batch() -> Any:
        batch = real_batch()
        real_commit = batch.commit

        def commit() -> Any:
            if not commits:  # the first time: someone edits the reminder meanwhile
                current = other.reminders.get("r000001")
                assert other.reminders.save(replace(current, text="edited")) is not None
            commits.append(1)
            return real_commit()

        batch.commit = commit
        return batch

    monkeypatch.setattr(backend.db.client, "batch", racing_batch)
    claimed = backend.reminders.claim_due(clock.now, limit=5, lease_seconds=60, worker="t")
    assert len(commits) == 2  # the first commit lost, the claim looked again
    assert [(r.id, r.text, r.version) for r in claimed] == [("r000001", "edited", 2)]
    assert other.reminders.get("r000001") == claimed[0]
    backend.close()
    other.close()
