"""Publishing to a Pub/Sub emulator over REST: the path, the body, order, and endpoint errors.

A loopback stand-in for the Pub/Sub emulator's REST surface records what it is
sent (the end-to-end test through the real Pub/Sub emulator lives with the
receive path); topics it does not know answer 404, as Pub/Sub does.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from devkit.loopback import LoopbackServer

DEV = "users/100000000000000000001"
TOPIC = "projects/nudge-test/topics/events"
OTHER = "projects/nudge-test/topics/other"
TYPES = ["google.workspace.chat.message.v1.created"]


class _Handler(BaseHTTPRequestHandler):
    owner: FakePubSub

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        topic = self.path.removeprefix("/v1/").removesuffix(":publish")
        if topic not in self.owner.topics:
            payload, status = b'{"error": {"code": 404, "status": "NOT_FOUND"}}', 404
        else:
            self.owner.received.append((self.path, body))
            ids = [str(len(self.owner.received))]
            payload, status = json.dumps({"messageIds": ids}).encode(), 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakePubSub(LoopbackServer):
    handler = _Handler

    def __init__(self, *topics: str) -> None:
        super().__init__()
        self.topics = set(topics)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @property
    def host(self) -> str:
        return self.url.removeprefix("http://")


@pytest.fixture
def pubsub() -> Iterator[FakePubSub]:
    server = FakePubSub(TOPIC).start()
    yield server
    server.stop()


def _subscribe(emulator: ChatEmulator, topic: str = TOPIC) -> str:
    import google.oauth2.credentials

    from shared.workspace.client import WorkspaceEventsClient
    from shared.workspace.subscriptions import SubscriptionManager

    emulator.register_token("dev", user=DEV, scopes=["chat.messages.readonly"])
    credentials = google.oauth2.credentials.Credentials(token="dev")  # type: ignore[no-untyped-call]
    manager = SubscriptionManager(WorkspaceEventsClient(credentials, endpoint=emulator.url))
    sub = manager.create(target="//chat.googleapis.com/spaces/AAAA", event_types=TYPES, topic=topic)
    return sub.name


def test_events_are_published_in_order_to_the_subscriptions_topic(pubsub: FakePubSub) -> None:
    with ChatEmulator(pubsub_host=pubsub.host) as emulator:
        name = _subscribe(emulator)
        for text in ("one", "two", "three"):
            emulator.post_as(DEV, text)
        assert emulator.flush_events()
    paths = {path for path, _ in pubsub.received}
    assert paths == {f"/v1/{TOPIC}:publish"}
    texts = []
    for _, body in pubsub.received:
        [message] = body["messages"]
        assert message["orderingKey"] == f"//workspaceevents.googleapis.com/{name}"
        assert message["attributes"]["ce-type"] == TYPES[0]
        assert message["attributes"]["ce-specversion"] == "1.0"
        texts.append(json.loads(base64.b64decode(message["data"]))["message"]["text"])
    assert texts == ["one", "two", "three"]
    deliveries = [r["delivery"] for r in emulator.published()]
    assert deliveries == ["published:1", "published:2", "published:3"]


def test_a_topic_override_and_the_sink_control(pubsub: FakePubSub) -> None:
    pubsub.topics.add(OTHER)
    with ChatEmulator() as emulator:
        _subscribe(emulator)
        emulator.post_as(DEV, "kept in memory only")
        emulator.set_event_sink(pubsub.host, OTHER)
        emulator.post_as(DEV, "to the override")
        assert emulator.flush_events()
        assert [r["delivery"] for r in emulator.published()] == ["memory", "published:1"]
    assert [path for path, _ in pubsub.received] == [f"/v1/{OTHER}:publish"]


def test_a_missing_topic_suspends_the_subscription(pubsub: FakePubSub) -> None:
    with ChatEmulator(pubsub_host=pubsub.host) as emulator:
        name = _subscribe(emulator, topic="projects/nudge-test/topics/gone")
        emulator.post_as(DEV, "lost")
        assert emulator.flush_events()
        [sub] = emulator.subscriptions()
        assert (sub["name"], sub["state"]) == (name, "SUSPENDED")
        assert sub["suspensionReason"] == "ENDPOINT_NOT_FOUND"
        first, suspended = emulator.published()
        assert first["delivery"] == "failed:HTTP 404"
        assert suspended["message"]["attributes"]["ce-type"].endswith(".suspended")
        assert suspended["delivery"] == "memory"  # the topic refuses it as well
        emulator.post_as(DEV, "not delivered while suspended")
        assert len(emulator.published()) == 2
    assert pubsub.received == []


def test_an_unreachable_pubsub_emulator_is_only_noted() -> None:
    with ChatEmulator(pubsub_host="127.0.0.1:9") as emulator:
        _subscribe(emulator)
        emulator.post_as(DEV, "nobody listens")
        assert emulator.flush_events()
        [record] = emulator.published()
        assert record["delivery"].startswith("failed:")
        assert emulator.subscriptions()[0]["state"] == "ACTIVE"
