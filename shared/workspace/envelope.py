"""Decode a Workspace Events CloudEvent carried in a Pub/Sub message.

Workspace publishes in CloudEvents *binary mode*: the event's attributes are
Pub/Sub message attributes (``ce-type``, ``ce-id``, ...) and the message data
is the JSON event payload, base64-encoded on the wire.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class BadEnvelope(ValueError):
    """The Pub/Sub message is not a Workspace CloudEvent we can read."""


@dataclass(frozen=True, slots=True)
class WorkspaceEvent:
    """One Workspace event: ``type`` like ``google.workspace.chat.message.v1.created``."""

    type: str
    id: str
    source: str = ""
    subject: str = ""
    time: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    pubsub_message_id: str = ""


def decode_message(message: Mapping[str, Any]) -> WorkspaceEvent:
    """Decode a Pub/Sub ``message`` object (``attributes`` + base64 ``data``)."""
    if not isinstance(message, Mapping):
        raise BadEnvelope("the Pub/Sub message is not an object")
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise BadEnvelope("message.attributes is not an object")
    event_type = attributes.get("ce-type")
    event_id = attributes.get("ce-id")
    if not isinstance(event_type, str) or not event_type:
        raise BadEnvelope("the message has no ce-type attribute")
    if not isinstance(event_id, str) or not event_id:
        raise BadEnvelope("the message has no ce-id attribute")
    raw = message.get("data") or ""
    try:
        decoded = base64.b64decode(raw, validate=True) if isinstance(raw, str) else bytes(raw)
        data = json.loads(decoded) if decoded else {}
    except (binascii.Error, ValueError, TypeError, RecursionError):
        raise BadEnvelope("message.data is not base64-encoded JSON") from None
    if not isinstance(data, Mapping):
        raise BadEnvelope("the event payload is not a JSON object")
    return WorkspaceEvent(
        type=event_type,
        id=event_id,
        source=str(attributes.get("ce-source", "")),
        subject=str(attributes.get("ce-subject", "")),
        time=str(attributes.get("ce-time", "")),
        data=data,
        pubsub_message_id=str(message.get("messageId") or message.get("message_id") or ""),
    )


def decode_cloud_event_data(data: Any) -> WorkspaceEvent:
    """Decode the data of a ``google.cloud.pubsub.topic.v1.messagePublished`` CloudEvent."""
    if not isinstance(data, Mapping) or "message" not in data:
        raise BadEnvelope("the CloudEvent data has no Pub/Sub message")
    return decode_message(data["message"])
