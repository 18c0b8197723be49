"""What subscriptions receive: Chat API writes as Workspace events, shaped by each
subscription's payload options, and every event (lifecycle ones too) as a CloudEvent
in a Pub/Sub message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from devkit.emulator.auth import APP_USER
from devkit.emulator.publisher import pubsub_message
from devkit.emulator.state import State, rfc3339
from devkit.emulator.workspace_events.model import (
    CHAT_EVENTS,
    CHAT_TARGET,
    LIFECYCLE,
    Json,
    Subscription,
)

#: ``(subscription, ce-type, ce-id, ce-subject, payload)``: one event to publish.
Outgoing = tuple[Subscription, str, str, str, Json]


def chat_event(
    state: State, method: str, path: dict[str, str], result: Json
) -> tuple[str, str, str, Json, bool] | None:
    """``(type, space, payload key, resource, deleted)`` for a Chat write, if it is one."""
    if method == "chat.spaces.messages.create" or method.endswith(
        ("messages.patch", "messages.update")
    ):
        stored = state.find_message(str(result.get("name") or path.get("name") or ""))
        if stored is None or "privateMessageViewer" in stored.data:
            return None
        action = "created" if method.endswith("create") else "updated"
        return (f"{CHAT_EVENTS}message.v1.{action}", stored.space, "message", stored.data, False)
    if method == "chat.spaces.messages.delete":
        stored = state.find_message(path["name"])
        if stored is None or "privateMessageViewer" in stored.data:
            return None
        resource = {
            "name": stored.name,
            "createTime": stored.data.get("createTime"),
            "deletionMetadata": stored.data.get("deletionMetadata", {}),
        }
        return (f"{CHAT_EVENTS}message.v1.deleted", stored.space, "message", resource, True)
    if method == "chat.spaces.members.create":
        return (f"{CHAT_EVENTS}membership.v1.created", path["parent"], "membership", result, False)
    if method == "chat.spaces.messages.reactions.create":
        space = "/".join(path["parent"].split("/")[:2])
        return (f"{CHAT_EVENTS}reaction.v1.created", space, "reaction", result, False)
    if method == "chat.spaces.messages.reactions.delete":
        space = "/".join(path["name"].split("/")[:2])
        return (
            f"{CHAT_EVENTS}reaction.v1.deleted",
            space,
            "reaction",
            {"name": path["name"]},
            True,
        )
    return None


def covers(state: State, sub: Subscription, space: str) -> bool:
    """Whether ``sub`` watches ``space`` and its principal can still see it."""
    if sub.target not in (CHAT_TARGET + space, CHAT_TARGET + "spaces/-"):
        return False
    member = sub.authority or APP_USER
    found = state.membership_of(space, member)
    return found is not None and found.state == "JOINED"


def shape(sub: Subscription, key: str, resource: Json, deleted: bool) -> Json:
    """The resource as the subscription's payload options ask for it."""
    data = dict(resource)
    if deleted:
        return data
    if not sub.include_resource:
        return {"name": data.get("name")}
    if not sub.field_mask:
        return data
    out: Json = {"name": data.get("name")}
    for raw in sub.field_mask.split(","):
        parts = raw.strip().split(".")
        if parts and parts[0] == key:
            parts = parts[1:]
        source: Any = data
        target = out
        for index, part in enumerate(parts):
            if not isinstance(source, dict) or part not in source:
                break
            if index == len(parts) - 1:
                target[part] = source[part]
            else:
                source = source[part]
                target = target.setdefault(part, {})
    return out


def lifecycle(sub: Subscription, kind: str, seq: int) -> Outgoing:
    """The lifecycle event ``kind`` (``expired``, ``suspended``…) of ``sub``."""
    ce_id = f"{sub.name}/lifecycleEvents/{seq}"  # our reading
    return (sub, LIFECYCLE + kind, ce_id, sub.full_name, {"subscription": sub.to_json()})


def message(
    sub: Subscription, kind: str, ce_id: str, subject: str, payload: Json, time: dt.datetime
) -> Json:
    """The Pub/Sub message carrying one event to ``sub``'s topic, sent at ``time``."""
    attributes = {
        "ce-datacontenttype": "application/json",
        "ce-id": ce_id,
        "ce-source": sub.full_name,
        "ce-specversion": "1.0",
        "ce-subject": subject,
        "ce-time": rfc3339(time),
        "ce-type": kind,
    }
    return pubsub_message(attributes, payload, sub.full_name)
