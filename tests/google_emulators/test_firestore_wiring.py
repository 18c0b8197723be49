"""NUDGE_STORE=firestore through the composition root, on the Firestore emulator.

The services store a user's grant (sealed) and a reminder in Firestore; on Cloud
Functions Firestore is the default; and the client library stays out of a cold
``import main`` until the store is first used.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.config import Settings
from shared.store.reminders import Reminder
from shared.wiring import Runtime, build_services
from tests.google_emulators.firestore import FirestoreEmulator

# Every test here needs gcloud and is marked ``emulator``: tests/conftest.py applies both.
ROOT = Path(__file__).resolve().parents[2]
REFRESH_TOKEN = "1//0g-firestore-wiring-refresh-token"


@pytest.fixture
def raw(firestore_project: str) -> Iterator[Any]:
    """A plain client on the test's project, to see what landed in Firestore."""
    from google.cloud import firestore

    client = firestore.Client(project=firestore_project)
    yield client
    client.close()


def test_the_services_keep_grants_and_reminders_in_firestore(
    firestore_project: str, raw: Any
) -> None:
    settings = Settings.from_env(
        {
            "NUDGE_STORE": "firestore",
            "NUDGE_PROJECT_ID": firestore_project,
            "NUDGE_TOKEN_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
    )
    services = build_services(settings, clock=lambda: 1_800_000_000.0)
    assert type(services.tokens()).__module__ == "shared.store.firestore.tokens"

    grants = services.grants()
    grants.save("users/1", REFRESH_TOKEN, ["openid", "chat.memberships"], "a@example.com")
    stored = grants.stored("users/1")
    assert stored is not None
    assert grants.refresh_token_of(stored) == REFRESH_TOKEN
    document = raw.collection("nudge_tokens").document("users%2F1").get().to_dict()
    assert document["user_name"] == "users/1"
    assert REFRESH_TOKEN not in json.dumps(document)

    services.reminders().add(
        Reminder(
            id="rwiring1", owner="users/1", text="stand up", space="spaces/S",
            origin_space="spaces/S", next_fire=1_800_000_060.0, created_at=1_800_000_000.0,
        )
    )  # fmt: skip
    assert services.reminders().count_due(1_800_000_060.0) == 1
    document = raw.collection("nudge_reminders").document("rwiring1").get().to_dict()
    assert (document["text"], document["state"], document["next_fire"]) == (
        "stand up",
        "active",
        1_800_000_060.0,
    )
    assert services.nonces().use_nonce("state-nonce", 1_800_000_600.0) is True
    assert services.nonces().use_nonce("state-nonce", 1_800_000_600.0) is False
    assert {c.id for c in raw.collections()} >= {"nudge_tokens", "nudge_reminders", "nudge_meta"}


def test_on_cloud_functions_the_default_store_is_firestore(
    firestore_project: str, raw: Any
) -> None:
    runtime = Runtime(
        Settings.from_env({"K_SERVICE": "chat-app", "GCLOUD_PROJECT": firestore_project})
    )
    users = runtime.services.users()
    assert type(users).__module__ == "shared.store.firestore.users"
    assert users.get_user("users/1") is None
    assert raw.collection("nudge_meta").document("schema").get().exists


def test_import_main_alone_never_imports_the_firestore_client(
    firestore_emulator: FirestoreEmulator,
) -> None:
    probe = (
        "import sys, main; from shared.wiring import runtime; "
        "loaded = lambda: 'google.cloud.firestore' in sys.modules; "
        "cold = loaded(); services = runtime().services; built = loaded(); "
        "services.reminders(); print(cold, built, loaded())"
    )
    env = dict(
        os.environ,
        NUDGE_STORE="firestore",
        K_SERVICE="chat-app",
        NUDGE_PROJECT_ID="nudge-cold-import",
        FIRESTORE_EMULATOR_HOST=firestore_emulator.host_port,
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # Not on import, not when the runtime is built: only when a store is first asked for.
    assert result.stdout.split() == ["False", "False", "True"]
