"""End to end on the real Pub/Sub emulator: publish, push, ``workspace_events``, the Chat API.

The shape of production, on loopback:

* a topic and a push subscription whose endpoint is ``workspace_events``, served
  by functions-framework in its own process at ``/projects/P/topics/T`` (so the
  converted CloudEvent keeps a meaningful ``source``);
* ``/invite`` for several people, handled by the in-process ``chat_app`` with
  ``NUDGE_JOBS_TOPIC`` set, publishes the ``account.invite`` job through
  google-cloud-pubsub; Workspace CloudEvents are published with their ``ce-*``
  attributes and ordering keys, as Workspace publishes them;
* the job runs in the function's process, acts as the user (a grant stored in the
  shared SQLite file, refreshed at the fake OAuth server) and posts its outcome to
  the local Chat API emulator, where the assertions look.

Covered: the deferred job posting once; the same job published three times; a first
attempt failing on the Chat API (503) and Pub/Sub's redelivery posting once; a batch
event (new members) expanded into its items, each welcomed once, in order, by the
installed welcome automation.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from devkit.sample_events import legacy_message_event
from shared.chat.events.parse import parse_event
from shared.chat.responses import Reply
from shared.config import Settings
from shared.core.defer import result_message_id
from shared.wiring import Runtime, reset_runtime
from shared.workspace.jobs import new_job
from tests.google_emulators.conftest import Emulator, free_port
from tests.workspace.kit import CLIENT_ID, CLIENT_SECRET, DEV_USER, MEMBERSHIPS, grant

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = [f"guest{n}@example.com" for n in range(1, 9)]
SUBSCRIPTION = "//workspaceevents.googleapis.com/subscriptions/chat-spaces-e2e"


@dataclass
class Stack:
    """The emulators, the served function, and the topic its push subscription reads."""

    pubsub: Emulator
    chat: ChatEmulator
    oauth: OAuthServer
    env: dict[str, str]
    log: Path
    topic: str
    publisher: Any

    def settings(self) -> Settings:
        return Settings.from_env({**self.env, "NUDGE_JOBS_TOPIC": self.topic})

    def lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def count(self, message: str, **fields: str) -> int:
        return sum(
            1
            for entry in self.lines()
            if message in entry.get("message", "")
            and all(entry.get(k) == v for k, v in fields.items())
        )

    def wait(self, what: Callable[[], bool], seconds: float = 60, why: str = "") -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if what():
                return
            time.sleep(0.1)
        tail = self.log.read_text(errors="replace")[-4000:]
        raise AssertionError(f"timed out waiting for {why or what}; the function's log:\n{tail}")

    def crashes(self) -> int:
        """Deliveries the function answered with 500 (functions-framework logs each one)."""
        return self.log.read_text(errors="replace").count("Exception on /")

    def private_posts(self, text: str = "") -> list[dict[str, Any]]:
        return [
            m
            for m in self.chat.messages("spaces/AAAA")
            if m.get("privateMessageViewer") and text in m.get("text", "")
        ]

    def publish(
        self, ce_type: str, data: Any, *, ce_id: str, ordering_key: str = SUBSCRIPTION, **ce: str
    ) -> str:
        attributes = {
            "ce-specversion": "1.0",
            "ce-type": ce_type,
            "ce-id": ce_id,
            "ce-source": ordering_key,
            "ce-subject": "//chat.googleapis.com/spaces/AAAA",
            "ce-time": "2026-11-30T10:00:00.000000Z",
            "ce-datacontenttype": "application/json",
            **ce,
        }
        future = self.publisher.publish(
            self.topic, json.dumps(data).encode(), ordering_key=ordering_key, **attributes
        )
        return str(future.result(timeout=30))


@pytest.fixture(scope="module")
def stack(pubsub_emulator: Emulator) -> Iterator[Stack]:
    from google.cloud import pubsub_v1

    with (
        OAuthServer(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            user_id=DEV_USER.removeprefix("users/"),
        ) as oauth,
        ChatEmulator(tokeninfo_url=oauth.tokeninfo_url) as chat,
        tempfile.TemporaryDirectory() as tmp,
    ):
        chat.register_token("e2e-app-token", kind="app", scopes=["chat.bot"])
        env = {
            **oauth.settings_env(),
            "NUDGE_TOKEN_KEY": base64.b64encode(os.urandom(32)).decode(),
            "NUDGE_DATABASE": str(Path(tmp, "nudge.db")),
            "NUDGE_VERIFY_REQUESTS": "false",
            "NUDGE_CHAT_API_ENDPOINT": chat.url,
            "NUDGE_CHAT_API_TOKEN": "e2e-app-token",
            "NUDGE_PUBLIC_URL": "http://127.0.0.1:9/chat",
            "NUDGE_LOG_LEVEL": "INFO",
            "NUDGE_LOG_FORMAT": "json",  # as on Cloud Functions, so the test can read it
        }
        port = free_port()
        log = Path(tmp, "workspace_events.log")
        clean = {k: v for k, v in os.environ.items() if not k.startswith("NUDGE_")}
        with log.open("wb") as out:
            function = subprocess.Popen(
                [sys.executable, "-m", "functions_framework", "--target", "workspace_events",
                 "--signature-type", "cloudevent", "--source", str(ROOT / "main.py"),
                 "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT, env={**clean, **env}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            project = pubsub_emulator.project
            topic_id = f"nudge-e2e-{uuid.uuid4().hex[:8]}"
            publisher = pubsub_v1.PublisherClient(
                publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True)
            )
            subscriber = pubsub_v1.SubscriberClient()
            topic = publisher.create_topic(name=publisher.topic_path(project, topic_id)).name
            subscriber.create_subscription(
                request={
                    "name": subscriber.subscription_path(project, f"{topic_id}-push"),
                    "topic": topic,
                    "push_config": {
                        "push_endpoint": f"http://127.0.0.1:{port}/projects/{project}/topics/{topic_id}"
                    },
                    # For push, the ack deadline is the HTTP timeout: longer than any attempt.
                    "ack_deadline_seconds": 60,
                    # Unordered on purpose, as Eventarc's own subscriptions are: one failing
                    # event must not hold back the rest of its Workspace subscription.
                    "retry_policy": {
                        "minimum_backoff": {"seconds": 0},
                        "maximum_backoff": {"seconds": 2},
                    },
                }
            )
            yield Stack(pubsub_emulator, chat, oauth, env, log, topic, publisher)
        finally:
            function.terminate()
            function.wait(timeout=15)
            reset_runtime()


@pytest.fixture
def granted(stack: Stack) -> Stack:
    """A clean Chat emulator (``spaces/AAAA`` seeded), the guests known, the caller's grant."""
    stack.chat.reset()
    stack.chat.set_faults()
    for n, email in enumerate(PEOPLE, 1):
        stack.chat.add_user(f"users/7{n:020d}", email=email, display_name=f"Guest {n}")
    grant(stack.oauth, stack.settings(), DEV_USER, (MEMBERSHIPS,))
    return stack


def chat_app(stack: Stack) -> Runtime:
    """The interaction function's runtime, in this process, publishing jobs to the topic."""
    return Runtime(stack.settings(), features=None)


def test_a_deferred_invite_runs_from_pubsub_and_posts_its_outcome_once(granted: Stack) -> None:
    runtime = chat_app(granted)
    people = PEOPLE[:4]
    started = time.monotonic()
    reply = runtime.app.handle(parse_event(legacy_message_event("/invite " + " ".join(people))))
    answered = time.monotonic() - started

    assert isinstance(reply, Reply)
    assert reply.text.startswith("Adding 4 people")
    granted.wait(lambda: len(granted.private_posts("Joined")) == 1, why="the outcome's post")
    (post,) = granted.private_posts("Joined")
    assert post["privateMessageViewer"]["name"] == DEV_USER
    for email in people:
        assert email in post["text"]
    job = "Handled Workspace event dev.nudge.job.v1"
    granted.wait(lambda: granted.count(job) == 1, why="the job to be marked handled")
    (handled,) = [e for e in granted.lines() if e.get("message") == job]
    assert handled["ce_id"].startswith("jobs/account.invite/spaces/AAAA/messages/")
    assert post["clientAssignedMessageId"] == result_message_id(handled["ce_id"])
    assert answered < 5, f"/invite took {answered:.1f} s to answer"


def test_the_same_job_published_three_times_posts_once(granted: Stack) -> None:
    job = new_job(
        "account.invite",
        {
            "user": DEV_USER,
            "space": "spaces/AAAA",
            "thread": "",
            "people": [{"name": f"users/{email}", "email": email} for email in PEOPLE[4:6]],
        },
        key=f"spaces/AAAA/messages/{uuid.uuid4().hex}",
    )
    attributes = job.attributes
    ce_type, ce_id = attributes.pop("ce-type"), attributes.pop("ce-id")
    data = json.loads(job.data)
    ids = {
        granted.publish(ce_type, data, ce_id=ce_id, ordering_key="jobs", **attributes)
        for _ in range(3)
    }
    assert len(ids) == 3  # three distinct Pub/Sub messages carrying one event

    def settled() -> bool:
        done = granted.count("Handled Workspace event", ce_id=ce_id)
        dupes = granted.count("Already handled this event", ce_id=ce_id)
        return done == 1 and dupes == 2

    granted.wait(settled, why="one delivery handled and two acknowledged as duplicates")
    assert len(granted.private_posts("Joined")) == 1


def test_a_failed_first_attempt_is_redelivered_by_pubsub_and_posts_once(granted: Stack) -> None:
    runtime = chat_app(granted)
    # Every Chat API call fails with 503 until the first delivery has given up.
    granted.chat.set_faults(error_rate=1.0, statuses=[503])
    crashes_before = granted.crashes()
    reply = runtime.app.handle(
        parse_event(legacy_message_event("/invite " + " ".join(PEOPLE[6:8] + PEOPLE[:2])))
    )
    assert isinstance(reply, Reply)
    assert reply.text.startswith("Adding 4 people")

    def first_attempt_failed() -> bool:
        return granted.crashes() > crashes_before

    granted.wait(first_attempt_failed, seconds=90, why="the first delivery to fail (500)")
    assert granted.private_posts() == []
    faults = granted.chat.stats()["faults"]
    assert faults >= 5  # four invitations and at least one try at posting, all refused
    granted.chat.set_faults()

    granted.wait(lambda: len(granted.private_posts()) == 1, why="the redelivery's post")
    (post,) = granted.private_posts()
    time.sleep(1.5)  # a late duplicate would have posted by now
    assert len(granted.private_posts()) == 1
    assert "guest7@example.com" in post["text"]


def test_a_batch_event_posts_once_per_item_in_order(granted: Stack) -> None:
    """``membership.v1.batchCreated`` as Workspace publishes it (``ce-*`` attributes, the
    subscription's ordering key): each new member is an event of its own (``ce-id#n``),
    handled in order by the installed welcome automation, which posts once per member;
    republished, it posts nothing more. A type Nudge cannot read is dropped, not retried."""
    from shared.store.spaces import SpaceSettings
    from shared.store.sqlite import SqliteBackend

    backend = SqliteBackend(granted.env["NUDGE_DATABASE"])
    try:
        current = backend.spaces.get_space("spaces/AAAA")
        backend.spaces.put_space(
            SpaceSettings(
                space="spaces/AAAA",
                welcome_on=True,
                welcome_text="Glad you're here: *read the pinned doc*.",
                version=current.version if current else 0,
            )
        )
    finally:
        backend.close()
    ce_id = f"spaces/AAAA/spaceEvents/{uuid.uuid4().hex}"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    members = [f"users/8{n:020d}" for n in range(3)]
    batch = {
        "memberships": [
            {
                "membership": {
                    "name": f"spaces/AAAA/members/{member.removeprefix('users/')}",
                    "state": "JOINED",
                    "role": "ROLE_MEMBER",
                    "member": {"name": member, "type": "HUMAN"},
                    "createTime": now,
                }
            }
            for member in members
        ]
    }
    batch_type = "google.workspace.chat.membership.v1.batchCreated"
    granted.publish(batch_type, batch, ce_id=ce_id, **{"ce-time": now})
    granted.publish("google.workspace.chat.widget.v1.created", {}, ce_id=f"{ce_id}-odd")

    def welcomes() -> list[str]:
        return [
            m["text"]
            for m in granted.chat.messages("spaces/AAAA")
            if m.get("text", "").startswith("Welcome")
        ]

    def dropped() -> bool:
        return any("widget.v1.created" in str(e.get("reason", "")) for e in granted.lines())

    granted.wait(lambda: len(welcomes()) == 3 and dropped(), why="three welcomes and one drop")
    assert welcomes() == [f"Welcome, <{member}>!" for member in members]
    handled = [
        e["ce_id"]
        for e in granted.lines()
        if e.get("message", "").startswith("Handled") and e.get("ce_id", "").startswith(ce_id)
    ]
    assert handled == [f"{ce_id}#0", f"{ce_id}#1", f"{ce_id}#2"]

    granted.publish(batch_type, batch, ce_id=ce_id, **{"ce-time": now})  # published again
    granted.wait(
        lambda: granted.count("Already handled this event", ce_id=f"{ce_id}#2") == 1,
        why="the republished batch to be acknowledged as duplicates",
    )
    assert len(welcomes()) == 3
