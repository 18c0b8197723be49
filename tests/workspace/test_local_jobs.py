"""``make run``'s deferred jobs: the Pub/Sub emulator where gcloud is, in-process otherwise."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devkit import local
from devkit.local import EVENTS_TOPIC, JOBS_TOPIC, LocalStack, jobs_environment, jobs_plan
from devkit.pubsub import PubSubEmulator
from shared.config import ConfigError, Settings
from tests.google_emulators.conftest import free_port


def test_jobs_use_the_pubsub_emulator_where_gcloud_is_and_run_inline_elsewhere() -> None:
    assert jobs_plan({}, has_gcloud=lambda: True) == "pubsub"
    assert jobs_plan({"NUDGE_JOBS_MODE": "inline"}, has_gcloud=lambda: True) == "inline"
    assert jobs_plan({}, has_gcloud=lambda: False) == "inline"
    with pytest.raises(ConfigError, match="pubsub-emulator"):
        jobs_plan({"NUDGE_JOBS_MODE": "pubsub"}, has_gcloud=lambda: False)


def test_the_functions_are_told_where_jobs_and_subscriptions_go() -> None:
    assert jobs_environment("inline", None) == {"NUDGE_JOBS_MODE": "inline"}
    emulator = PubSubEmulator(port=8185)
    env = jobs_environment("pubsub", emulator)
    assert env["PUBSUB_EMULATOR_HOST"] == "127.0.0.1:8185"
    settings = Settings.from_env(env)
    assert settings.jobs_backend == "pubsub"
    assert settings.jobs_topic == f"projects/nudge-local/topics/{JOBS_TOPIC}"
    assert env["NUDGE_EVENTS_TOPIC"] == f"projects/nudge-local/topics/{EVENTS_TOPIC}"
    stack = LocalStack(events_port=9999)
    assert stack.push_endpoint(JOBS_TOPIC) == (
        "http://127.0.0.1:9999/projects/nudge-local/topics/nudge-jobs"
    )
    assert local.event_sink(None) == (None, None)
    assert local.event_sink(emulator) == (
        "127.0.0.1:8185",
        f"projects/nudge-local/topics/{EVENTS_TOPIC}",
    )


@pytest.mark.needs("gcloud")
def test_a_topic_made_for_make_run_pushes_to_its_endpoint() -> None:
    received: list[tuple[str, Any]] = []
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, json.loads(body)))
            self.send_response(204)
            self.end_headers()
            arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    emulator = PubSubEmulator(port=free_port()).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}/projects/nudge-local/topics/t-jobs"
        topic = emulator.push_topic("t-jobs", endpoint)
        assert emulator.push_topic("t-jobs", endpoint) == topic  # idempotent: 409 is fine
        payload = base64.b64encode(b'{"job": "demo.report", "args": {}}').decode()
        request = urllib.request.Request(
            f"http://{emulator.host_port}/v1/{topic}:publish",
            data=json.dumps(
                {"messages": [{"data": payload, "attributes": {"ce-id": "jobs/x/1"}}]}
            ).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10):
            pass
        assert arrived.wait(30)
    finally:
        emulator.stop()
        server.shutdown()
    path, body = received[0]
    assert path == "/projects/nudge-local/topics/t-jobs"
    assert body["subscription"] == "projects/nudge-local/subscriptions/t-jobs-push"
    assert body["message"]["attributes"] == {"ce-id": "jobs/x/1"}
    assert not emulator.running
