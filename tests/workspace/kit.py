"""What the receive-path tests share: Pub/Sub messages, the door in each envelope form, a recorder.

Each test delivers a Pub/Sub message carrying a Workspace CloudEvent (or a job)
through ``workspace_events``' real signature, in one of the forms Google uses:

* ``eventarc``: the ``google.cloud.pubsub.topic.v1.messagePublished`` CloudEvent
  an Eventarc trigger hands the function, called directly;
* ``eventarc-http``: the same CloudEvent in HTTP binary mode (``ce-*`` headers),
  posted to functions-framework;
* ``push``: the raw body a Pub/Sub push subscription posts, which
  functions-framework converts (the path names the topic, for ``source``).

The outcome is what Pub/Sub sees: ``ack`` (the function returned, HTTP 200) or
``retry`` (it raised, HTTP 500), and ``rejected`` for a body functions-framework
refuses (400) before the door sees it.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import functions_framework
from cloudevents.http.event import CloudEvent
from flask.testing import FlaskClient

from devkit.oauth_server import OAuthServer
from functions.workspace_events import workspace_events
from shared.core.feature import Feature
from shared.services import Services
from shared.workspace.models import JOB_TYPE, WorkspaceEvent

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "nudge-test"
TOPIC = "workspace-events"
SUBSCRIPTION = f"projects/{PROJECT}/subscriptions/{TOPIC}-push"
MESSAGE_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
SUB = "subscriptions/chat-spaces-czpBQUFBQUFB"
SOURCE = f"//workspaceevents.googleapis.com/{SUB}"
CHAT = "google.workspace.chat."
LIFECYCLE = "google.workspace.events.subscription.v1."
FORMS = ("eventarc", "eventarc-http", "push")

_ids = itertools.count(1)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def message(
    ce_type: str | None,
    data: Any = None,
    *,
    ce_id: str | None = None,
    subject: str = "//chat.googleapis.com/spaces/AAAA",
    source: str = SOURCE,
    raw: str | None = None,
    attributes: Any = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """A Pub/Sub message in Workspace's binary mode: ``ce-*`` attributes, base64 JSON data.

    ``raw`` replaces the encoded data verbatim; ``attributes`` replaces them all.
    """
    n = next(_ids)
    if attributes is None:
        attributes = {
            "ce-specversion": "1.0",
            "ce-id": ce_id if ce_id is not None else f"spaces/AAAA/spaceEvents/E{n}",
            "ce-source": source,
            "ce-subject": subject,
            "ce-time": "2026-11-30T10:00:00.000000Z",
            "ce-datacontenttype": "application/json",
        }
        if ce_type is not None:
            attributes["ce-type"] = ce_type
    encoded = raw if raw is not None else b64(json.dumps(data or {}).encode())
    return {
        "attributes": attributes,
        "data": encoded,
        "messageId": message_id or str(10_000 + n),
        "publishTime": "2026-11-30T10:00:01.000Z",
        "orderingKey": source,
    }


@dataclass
class Door:
    """``workspace_events`` in one envelope form; ``deliver`` returns what Pub/Sub would see."""

    form: str
    client: FlaskClient
    errors: list[BaseException] = field(default_factory=list)

    def deliver(self, pubsub_message: Mapping[str, Any]) -> str:
        body = {"message": dict(pubsub_message), "subscription": SUBSCRIPTION}
        pubsub_id = str(pubsub_message.get("messageId", "0"))
        if self.form == "eventarc":
            event = CloudEvent(
                {
                    "type": MESSAGE_PUBLISHED,
                    "source": f"//pubsub.googleapis.com/projects/{PROJECT}/topics/{TOPIC}",
                    "id": pubsub_id,
                    "specversion": "1.0",
                },
                body,
            )
            try:
                workspace_events(event)
            except Exception as exc:
                self.errors.append(exc)
                return "retry"
            return "ack"
        if self.form == "eventarc-http":
            response = self.client.post(
                "/",
                data=json.dumps(body),
                headers={
                    "Content-Type": "application/json",
                    "ce-id": pubsub_id,
                    "ce-type": MESSAGE_PUBLISHED,
                    "ce-source": f"//pubsub.googleapis.com/projects/{PROJECT}/topics/{TOPIC}",
                    "ce-specversion": "1.0",
                },
            )
        else:
            response = self.client.post(f"/projects/{PROJECT}/topics/{TOPIC}", json=body)
        outcomes = {200: "ack", 500: "retry", 400: "rejected"}
        assert response.status_code in outcomes, (response.status_code, response.data[:300])
        return outcomes[response.status_code]


def make_door(form: str) -> Door:
    app = functions_framework.create_app("workspace_events", str(ROOT / "main.py"), "cloudevent")
    return Door(form, app.test_client())


class Recorder:
    """A feature that records what reaches it; ``fail`` queues exceptions for the next calls."""

    def __init__(self, event_types: Iterator[str] | tuple[str, ...]) -> None:
        self.feature = Feature("under_test")
        self.seen: list[WorkspaceEvent] = []
        self.failures: list[BaseException] = []
        self.also: Callable[[WorkspaceEvent, Services], None] | None = None
        self.feature.on(*event_types)(self._handle)
        self.feature.job("under_test.echo")(self._handle)

    def fail(self, *errors: BaseException) -> None:
        self.failures.extend(errors)

    def _handle(self, event: WorkspaceEvent, services: Services) -> None:
        if self.failures:
            raise self.failures.pop(0)
        if self.also is not None:
            self.also(event, services)
        self.seen.append(event)

    @property
    def ids(self) -> list[str]:
        return [event.id for event in self.seen]


# --- payloads (shapes from Workspace's docs: REFERENCE.md section 5.5) -------------------------

HUMAN = {"name": "users/111", "displayName": "Ada", "type": "HUMAN"}
OTHER_BOT = {"name": "users/999", "displayName": "Some bot", "type": "BOT"}


def chat_message(n: int = 1, *, text: str = "Hello", sender: Mapping[str, Any] = HUMAN) -> Any:
    name = f"spaces/AAAA/messages/M{n}.M{n}"
    return {
        "name": name,
        "sender": dict(sender),
        "createTime": "2026-11-30T10:00:00Z",
        "lastUpdateTime": "2026-11-30T10:00:00Z",
        "text": text,
        "argumentText": text,
        "thread": {"name": "spaces/AAAA/threads/T1"},
        "space": {"name": "spaces/AAAA"},
        "threadKey": "",
        "clientAssignedMessageId": "",
    }


def membership(n: int = 1, *, state: str = "JOINED") -> Any:
    return {
        "name": f"spaces/AAAA/members/{n}",
        "state": state,
        "role": "ROLE_MEMBER",
        "member": {"name": f"users/{n}", "type": "HUMAN"},
        "createTime": "2026-11-30T10:00:00Z",
    }


def reaction(n: int = 1, *, emoji: str = "✅") -> Any:
    return {
        "name": f"spaces/AAAA/messages/M1.M1/reactions/R{n}",
        "user": dict(HUMAN),
        "emoji": {"unicode": emoji},
    }


SPACE = {"name": "spaces/AAAA", "spaceType": "SPACE", "displayName": "Local team"}

#: Every type a feature can be handed: the subscribable Chat ones, lifecycle, Meet, jobs.
ALL_TYPES = (
    *(f"{CHAT}message.v1.{a}" for a in ("created", "updated", "deleted")),
    *(f"{CHAT}membership.v1.{a}" for a in ("created", "updated", "deleted")),
    *(f"{CHAT}reaction.v1.{a}" for a in ("created", "deleted")),
    *(f"{CHAT}space.v1.{a}" for a in ("updated", "deleted")),
    *(f"{LIFECYCLE}{a}" for a in ("expirationReminder", "suspended", "expired")),
    "google.workspace.meet.conference.v2.started",
    "google.workspace.meet.participant.v2.joined",
)

JOB = JOB_TYPE


# --- user grants, for jobs that act as a user (``/invite``'s) ---------------------------------

CLIENT_ID = "jobs-test-client.apps.googleusercontent.com"
CLIENT_SECRET = "jobs-test-secret"
DEV_USER = "users/100000000000000000001"  # the emulator's seeded member of spaces/AAAA
MEMBERSHIPS = "https://www.googleapis.com/auth/chat.memberships"


def grant(oauth: OAuthServer, settings: Any, user: str, scopes: tuple[str, ...]) -> None:
    """Store ``user``'s grant for ``scopes`` as the consent flow would: a real code exchange at
    the fake OAuth server, so the Chat emulator accepts the tokens refreshed from it."""
    from shared.auth.grants import UserGrants
    from shared.store.sqlite import SqliteBackend

    refresh = oauth.issue_refresh_token(scopes)
    backend = SqliteBackend(settings.database)
    try:
        UserGrants(settings, backend.tokens).save(user, refresh, scopes, "dev@example.com")
    finally:
        backend.close()
