"""The emulated Workspace Events API's vocabulary: names, lifetimes, and a stored subscription."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from devkit.emulator.state import rfc3339

Json = dict[str, Any]

CHAT_TARGET = "//chat.googleapis.com/"
MEET_TARGET = "//meet.googleapis.com/"
PEOPLE_TARGET = "//cloudidentity.googleapis.com/users/"
SOURCE = "//workspaceevents.googleapis.com/"
TYPE_URL = "type.googleapis.com/google.apps.events.subscriptions.v1."
LIFECYCLE = "google.workspace.events.subscription.v1."
#: Prefix of every Chat event type (``google.workspace.chat.message.v1.created``…).
CHAT_EVENTS = "google.workspace.chat."
#: Prefix of every Meet event type (``google.workspace.meet.transcript.v2.fileGenerated``…).
MEET_EVENTS = "google.workspace.meet."
SERVICE_ACCOUNT = "projects/local/serviceAccounts/nudge-local@local.iam.gserviceaccount.com"

MAX_NAMES_ONLY = dt.timedelta(days=7)
MAX_WITH_RESOURCE = dt.timedelta(hours=4)
#: Expiration reminders: (mark, how long before expireTime).
REMINDERS = (("12h", dt.timedelta(hours=12)), ("1h", dt.timedelta(hours=1)))
SUSPENSION_REASONS = (
    "USER_SCOPE_REVOKED",
    "APP_SCOPE_REVOKED",
    "RESOURCE_DELETED",
    "USER_AUTHORIZATION_FAILURE",
    "APP_AUTHORIZATION_FAILURE",
    "ENDPOINT_PERMISSION_DENIED",
    "ENDPOINT_NOT_FOUND",
    "ENDPOINT_RESOURCE_EXHAUSTED",
    "OTHER",
)


def uid(seed: str) -> str:
    """A stable 24-hex-digit identifier derived from ``seed``."""
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


@dataclass
class Subscription:
    """A stored subscription."""

    name: str
    uid: str
    target: str
    event_types: list[str]
    topic: str
    include_resource: bool
    field_mask: str
    owner: str  # Principal.key of the authorizing principal
    authority: str  # users/{id}, "" for the app
    expire: dt.datetime
    created: dt.datetime
    updated: dt.datetime
    state: str = "ACTIVE"
    suspension_reason: str = ""
    etag: str = ""
    reminded: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return SOURCE + self.name

    @property
    def lifetime(self) -> dt.timedelta:
        return MAX_WITH_RESOURCE if self.include_resource else MAX_NAMES_ONLY

    def to_json(self) -> Json:
        options: Json = {"includeResource": self.include_resource}
        if self.field_mask:
            options["fieldMask"] = self.field_mask
        out: Json = {
            "name": self.name,
            "uid": self.uid,
            "targetResource": self.target,
            "eventTypes": list(self.event_types),
            "payloadOptions": options,
            "notificationEndpoint": {"pubsubTopic": self.topic},
            "state": self.state,
            "createTime": rfc3339(self.created),
            "updateTime": rfc3339(self.updated),
            "expireTime": rfc3339(self.expire),
            "etag": self.etag,
            "reconciling": False,
        }
        if self.authority:
            out["authority"] = out["userAuthority"] = self.authority
        else:
            out["serviceAccountAuthority"] = SERVICE_ACCOUNT
        if self.suspension_reason:
            out["suspensionReason"] = self.suspension_reason
        return out
