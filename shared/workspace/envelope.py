"""Decode the Pub/Sub message that carries a Workspace CloudEvent (or a Nudge job).

Workspace publishes in CloudEvents *binary mode*: the event's attributes are
Pub/Sub message attributes (``ce-type``, ``ce-id``, ...) and the message data
is the JSON event payload, base64-encoded on the wire. The function receives
that message inside a ``google.cloud.pubsub.topic.v1.messagePublished``
CloudEvent, whether an Eventarc trigger or a push subscription delivered it
(functions-framework turns a raw push body into the same shape).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class BadEnvelope(ValueError):
    """The Pub/Sub message can never be read as an event: a permanent failure (acknowledge)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One CloudEvent as it arrived: its ``ce-*`` attributes and decoded JSON data."""

    type: str
    id: str
    source: str = ""
    subject: str = ""
    time: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    pubsub_message_id: str = ""
    ordering_key: str = ""
    delivery_attempt: int | None = None


def decode_message(message: Any, *, delivery_attempt: int | None = None) -> Envelope:
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
        decoded = base64.b64decode(raw, validate=True) if isinstance(raw, str) else b""
        if not isinstance(raw, str) and raw:
            raise TypeError("data is not a string")
        data = json.loads(decoded) if decoded else {}
    except (binascii.Error, ValueError, TypeError, RecursionError):
        raise BadEnvelope("message.data is not base64-encoded JSON") from None
    if not isinstance(data, Mapping):
        raise BadEnvelope("the event payload is not a JSON object")
    return Envelope(
        type=event_type,
        id=event_id,
        source=str(attributes.get("ce-source", "")),
        subject=str(attributes.get("ce-subject", "")),
        time=str(attributes.get("ce-time", "")),
        data=data,
        pubsub_message_id=str(message.get("messageId") or message.get("message_id") or ""),
        ordering_key=str(message.get("orderingKey") or message.get("ordering_key") or ""),
        delivery_attempt=delivery_attempt,
    )


def decode_cloud_event_data(data: Any) -> Envelope:
    """Decode the data of a ``google.cloud.pubsub.topic.v1.messagePublished`` CloudEvent."""
    if not isinstance(data, Mapping) or "message" not in data:
        raise BadEnvelope("the CloudEvent data has no Pub/Sub message")
    attempt = data.get("deliveryAttempt")
    return decode_message(
        data["message"], delivery_attempt=attempt if isinstance(attempt, int) else None
    )
