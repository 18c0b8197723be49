"""Shared pieces for the automation tests: Workspace events through ``workspace_events``'
real signature, a runtime on the local Chat API emulator, and a loopback webhook receiver.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from cloudevents.http.event import CloudEvent

from devkit.emulator import ChatEmulator
from devkit.loopback import LoopbackServer
from functions.workspace_events import workspace_events
from shared.chatapi.pacing import Pacer
from shared.config import Settings
from shared.core.feature import Feature
from shared.features.automations import build_feature
from shared.features.automations.targets import Resolver
from shared.features.automations.webhooks import Send
from shared.store.spaces import SpaceSettings
from shared.wiring import Runtime, build_services, use_runtime

SPACE = "spaces/AAAA"  # seeded: "Local team", Dev and Alex, and the app
ALERTS = "spaces/ALERTS"
DEV = "users/100000000000000000001"
ALEX = "users/100000000000000000002"
TOKEN_KEY = base64.b64encode(b"k" * 32).decode()
CHAT = "google.workspace.chat."


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def cloud_event(event_type: str, data: dict[str, Any], *, ce_id: str = "", **extra: str) -> Any:
    """What reaches ``workspace_events``: a Pub/Sub CloudEvent carrying a Workspace one."""
    attributes = {
        "ce-type": event_type,
        "ce-id": ce_id or f"spaces/AAAA/spaceEvents/{uuid.uuid4().hex}",
        "ce-source": "//chat.googleapis.com/spaces/AAAA",
        "ce-subject": "//chat.googleapis.com/spaces/AAAA",
        "ce-time": extra.pop("time", now_text()),
        "ce-specversion": "1.0",
        **extra,
    }
    message_id = uuid.uuid4().hex[:12]
    message = {
        "attributes": attributes,
        "data": base64.b64encode(json.dumps(data).encode()).decode(),
        "messageId": message_id,
        "publishTime": now_text(),
    }
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/p/topics/workspace",
            "id": message_id,
        },
        {"message": message, "subscription": "projects/p/subscriptions/s"},
    )


def deliver(event_type: str, data: dict[str, Any], *, ce_id: str = "", **extra: str) -> str:
    """Send one Workspace event through the door; returns its ce-id (to redeliver it)."""
    ce_id = ce_id or f"spaces/AAAA/spaceEvents/{uuid.uuid4().hex}"
    workspace_events(cloud_event(event_type, data, ce_id=ce_id, **extra))
    return ce_id


def human(user: str = DEV, name: str = "Dev User") -> dict[str, Any]:
    return {"name": user, "displayName": name, "type": "HUMAN"}


def bot() -> dict[str, Any]:
    return {"name": "users/app", "displayName": "Nudge", "type": "BOT"}


def chat_message(
    text: str,
    *,
    space: str = SPACE,
    sender: dict[str, Any] | None = None,
    name: str = "",
) -> dict[str, Any]:
    """A ``message.v1.created`` payload as Workspace sends it."""
    thread = uuid.uuid4().hex[:11]
    return {
        "message": {
            "name": name or f"{space}/messages/{thread}.{thread}",
            "sender": sender or human(),
            "createTime": now_text(),
            "text": text,
            "argumentText": text,
            "thread": {"name": f"{space}/threads/{thread}"},
            "space": {"name": space, "spaceType": "SPACE", "displayName": "Local team"},
        }
    }


def env_for(emu: ChatEmulator, database: Path) -> dict[str, str]:
    return {
        "NUDGE_CHAT_API_ENDPOINT": emu.url,
        "NUDGE_CHAT_API_TOKEN": "any-app-token",
        "NUDGE_DATABASE": str(database),
        "NUDGE_VERIFY_REQUESTS": "false",
        "NUDGE_LOG_LEVEL": "WARNING",
        "NUDGE_TOKEN_KEY": TOKEN_KEY,
    }


def make_runtime(
    emu: ChatEmulator,
    database: Path,
    *,
    features: Sequence[Feature] = (),
    resolver: Resolver | None = None,
    send: Send | None = None,
    allow_private: bool = True,
) -> Runtime:
    """A runtime on the emulator with the automations feature (and ``features``), installed
    as the process's runtime so ``workspace_events`` uses it."""
    settings = Settings.from_env(env_for(emu, database))
    settings = dataclasses.replace(settings, allow_private_webhooks=allow_private)
    services = build_services(settings, pacer=Pacer(interval=0, slack=0))
    installed = [build_feature(resolver=resolver, send=send), *features]
    current = Runtime(settings, services=services, features=installed)
    use_runtime(current)
    return current


def configure(runtime: Runtime, space: str = SPACE, **values: Any) -> SpaceSettings:
    """Store settings for ``space`` directly (the dialog has its own tests)."""
    store = runtime.services.spaces()
    current = store.get_space(space) or SpaceSettings(space=space)
    saved = store.put_space(dataclasses.replace(current, **values))
    assert saved is not None
    return saved


def posted(emu: ChatEmulator, space: str) -> list[dict[str, Any]]:
    return [m for m in emu.messages(space) if not m["deleted"]]


# --- a webhook receiver on loopback -------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ReceiverState:
    #: Statuses to answer, in order; the last one repeats.
    statuses: list[int] = field(default_factory=lambda: [204])
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    owner: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        state = self.owner.state
        with state.lock:
            state.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class Receiver(LoopbackServer):
    """An HTTP receiver on 127.0.0.1 that records every delivery."""

    handler = _Handler
    thread_name = "webhook-receiver"

    def __init__(self, statuses: Sequence[int] = (204,)) -> None:
        super().__init__()
        self.state = ReceiverState(list(statuses))

    @property
    def received(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.received)

    def answer(self, *statuses: int) -> None:
        with self.state.lock:
            self.state.statuses = list(statuses)


def stub_resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    """A resolver answering from ``table``; an unknown name fails as DNS would."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"no such host: {host}")
        return list(table[host])

    return resolve
