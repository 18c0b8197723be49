"""Helpers for the subscription tests: grants from the fake Google, and events from the emulator.

``Stack`` is everything Google would be, on loopback: the fake OAuth server
(consent, token, tokeninfo) and the Chat API emulator, which serves the
Workspace Events routes and checks user tokens at that tokeninfo. Nudge runs
on a real ``Runtime`` pointed at both; Workspace events reach it through the
real ``workspace_events`` door, wrapped as Pub/Sub delivers them.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudevents.http.event import CloudEvent

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from shared.config import Settings
from shared.core.context import Context
from shared.core.router import Router
from shared.services import Services
from shared.wiring import Runtime

CLIENT_ID = "nudge-test-client.apps.googleusercontent.com"
CLIENT_SECRET = "nudge-test-secret"
AUTH = "https://www.googleapis.com/auth/"
TOPIC = "projects/nudge-test/topics/workspace-events"
DEV = "users/100000000000000000001"
ALEX = "users/100000000000000000002"
SPACE = "spaces/AAAA"
DM = "spaces/DM1"
#: The read-only scopes /subscribe asks for by default, plus openid.
READ_SCOPES = (
    AUTH + "chat.messages.readonly",
    AUTH + "chat.memberships.readonly",
    AUTH + "chat.messages.reactions.readonly",
    "openid",
)
#: A token the emulator knows as the app with admin-approved ``chat.app.*`` scopes.
APPROVED_APP_TOKEN = "app-token-approved"
APPROVED_APP_SCOPES = (
    "chat.bot",
    "chat.app.messages.readonly",
    "chat.app.memberships.readonly",
    "chat.app.spaces.readonly",
)


def settings_env(oauth: OAuthServer, emulator: ChatEmulator, database: Path) -> dict[str, str]:
    """The ``NUDGE_*`` environment of a Nudge that talks to ``oauth`` and ``emulator``."""
    return {
        **oauth.settings_env(),
        "NUDGE_TOKEN_KEY": base64.b64encode(os.urandom(32)).decode(),
        "NUDGE_DATABASE": str(database),
        "NUDGE_CHAT_API_ENDPOINT": emulator.url,
        "NUDGE_CHAT_API_TOKEN": "local-app-token",
        "NUDGE_WORKSPACE_EVENTS_ENDPOINT": emulator.url,
        "NUDGE_EVENTS_TOPIC": TOPIC,
        "NUDGE_PROJECT_ID": "nudge-test",
    }


def grant(
    services: Services, oauth: OAuthServer, user: str, scopes: Sequence[str] = READ_SCOPES
) -> None:
    """Store ``user``'s grant for ``scopes`` exactly as the consent callback does (sealed)."""
    token = oauth.issue_refresh_token(scopes, user=user)
    services.grants().save(user, token, scopes, f"{user.removeprefix('users/')}@example.com")


def pubsub_event(record: Mapping[str, Any], delivery_attempt: int | None = None) -> CloudEvent:
    """The CloudEvent ``workspace_events`` receives for one event the emulator published."""
    message = dict(record["message"])
    message["messageId"] = str(record["seq"])
    message["publishTime"] = message["attributes"]["ce-time"]
    data: dict[str, Any] = {"message": message, "subscription": "projects/p/subscriptions/s"}
    if delivery_attempt is not None:
        data["deliveryAttempt"] = delivery_attempt
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": f"//pubsub.googleapis.com/{record['topic']}",
            "id": str(record["seq"]),
        },
        data,
    )


def ce_type(record: Mapping[str, Any]) -> str:
    return str(record["message"]["attributes"]["ce-type"])


@dataclass
class Stack:
    """The fake Google (OAuth + emulator) and a Nudge runtime pointed at it."""

    oauth: OAuthServer
    emulator: ChatEmulator
    runtime: Runtime

    @property
    def services(self) -> Services:
        return self.runtime.services

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def context(self) -> Context:
        return Context(
            settings=self.settings,
            correlation_id="test",
            router=Router(),
            services=self.services,
            log=logging.getLogger("tests"),
        )

    def grant(self, user: str = DEV, scopes: Sequence[str] = READ_SCOPES) -> None:
        grant(self.services, self.oauth, user, scopes)

    def published(self, *types: str, clear: bool = True) -> list[dict[str, Any]]:
        """What the emulator published (of ``types``, a suffix such as ``suspended``)."""
        records = self.emulator.published(clear=clear)
        if not types:
            return records
        return [r for r in records if ce_type(r).rsplit(".", 1)[-1] in types]

    def deliver(self, *types: str) -> list[dict[str, Any]]:
        """Hand what the emulator published (of ``types``) to ``workspace_events``."""
        from functions.workspace_events import workspace_events

        records = self.published(*types)
        for record in records:
            workspace_events(pubsub_event(record))
        return records

    def dm_messages(self, space: str = DM) -> list[dict[str, Any]]:
        return [m for m in self.emulator.messages(space) if not m.get("deleted")]

    def subscription(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.emulator.subscriptions() if s["name"] == name), None)


def buttons(message: Mapping[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """``(label, function, parameters)`` of every button in a posted message's cards."""
    found: list[tuple[str, str, dict[str, str]]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            action = value.get("onClick", {}).get("action") if "onClick" in value else None
            if isinstance(action, dict):
                params = {p["key"]: p["value"] for p in action.get("parameters", [])}
                function = params.pop("actionName", action.get("function", ""))
                found.append((str(value.get("text", "")), function, params))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(message.get("cardsV2", []))
    return found
