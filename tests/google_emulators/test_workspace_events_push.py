"""Workspace events published to the Pub/Sub emulator reach the deployed workspace_events door."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.google_emulators.conftest import Emulator, free_port

# Every test here needs gcloud and is marked ``emulator``: tests/conftest.py applies both.
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def events_function(pubsub_emulator: Emulator) -> Iterator[tuple[str, Path]]:
    """workspace_events under functions-framework, its JSON log captured to a file."""
    import subprocess

    port = free_port()
    log_path = Path(tempfile.mkstemp(suffix=".log")[1])
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target", "workspace_events",
             "--signature-type", "cloudevent", "--source", "main.py",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=dict(os.environ, NUDGE_LOG_LEVEL="INFO", NUDGE_LOG_FORMAT="json"),
            stdout=log, stderr=log,
        )  # fmt: skip
        try:
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            process.terminate()
            process.wait(timeout=10)
            log_path.unlink(missing_ok=True)


def wait_for_log(path: Path, needle: str, seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in path.read_text(errors="replace").splitlines():
            if needle in line and line.startswith("{"):
                entry: dict[str, Any] = json.loads(line)
                return entry
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared in the function's log:\n{path.read_text()}")


def test_a_published_workspace_event_is_pushed_to_the_function(
    pubsub_emulator: Emulator, events_function: tuple[str, Path]
) -> None:
    from google.cloud import pubsub_v1

    url, log_path = events_function
    project = pubsub_emulator.project
    topic_id = f"workspace-events-{uuid.uuid4().hex[:8]}"
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher.create_topic(name=publisher.topic_path(project, topic_id)).name
    subscriber.create_subscription(
        name=subscriber.subscription_path(project, topic_id + "-push"),
        topic=topic,
        push_config=pubsub_v1.types.PushConfig(
            push_endpoint=f"{url}/projects/{project}/topics/{topic_id}"
        ),
    )
    event_id = f"spaces/AAAA/spaceEvents/{uuid.uuid4().hex}"
    data = {"message": {"name": "spaces/AAAA/messages/M1", "text": "Hello"}}
    publisher.publish(
        topic,
        json.dumps(data).encode(),
        **{
            "ce-type": "google.workspace.chat.message.v1.created",
            "ce-id": event_id,
            "ce-source": "//workspaceevents.googleapis.com/subscriptions/SUB",
            "ce-subject": "//chat.googleapis.com/spaces/AAAA",
            "ce-time": "2026-11-23T10:00:00Z",
            "ce-specversion": "1.0",
            "ce-datacontenttype": "application/json",
        },
    ).result(timeout=30)
    entry = wait_for_log(log_path, event_id)
    assert entry["ce_type"] == "google.workspace.chat.message.v1.created"
    assert entry["subject"] == "//chat.googleapis.com/spaces/AAAA"

    publisher.publish(topic, b"not json", **{"ce-id": "x"}).result(timeout=30)
    dropped = wait_for_log(log_path, "Dropping a Pub/Sub message that can never be handled")
    assert dropped["severity"] == "ERROR"
