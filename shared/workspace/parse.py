"""Envelope -> typed events: single and batch Chat types, lifecycle, Meet, and Nudge's jobs.

A batch (``…message.v1.batchCreated`` with ``{"messages": [{"message": …}, …]}``)
expands into one event per item, in order, each of the single type and with
``ce-id`` + ``#n`` as its ID, so each is deduplicated on its own. Anything that
can never be read raises ``BadEnvelope`` (a permanent failure: log and acknowledge).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from shared.chat.events.fields import BadEvent, Node, to_datetime
from shared.chat.events.models import Message, Space, SpaceType
from shared.chat.events.parse import read_message, read_user
from shared.workspace.envelope import BadEnvelope, Envelope
from shared.workspace.models import (
    CHAT_PREFIX,
    JOB_TYPE,
    LIFECYCLE_PREFIX,
    MEET_PREFIX,
    ChatMessageEvent,
    JobEvent,
    LifecycleEvent,
    MeetEvent,
    MembershipEvent,
    ReactionEvent,
    SpaceEvent,
    WorkspaceEvent,
)

#: Resource (singular) -> the key of its batch list.
_PLURAL = {
    "message": "messages",
    "membership": "memberships",
    "reaction": "reactions",
    "space": "spaces",
}
_ACTIONS = {"created", "updated", "deleted"}
_BATCH = {"batchCreated": "created", "batchUpdated": "updated", "batchDeleted": "deleted"}
LIFECYCLE_ACTIONS = frozenset({"expirationReminder", "suspended", "expired"})


def parse_events(envelope: Envelope) -> list[WorkspaceEvent]:
    """Every event in ``envelope``; ``BadEnvelope`` for an unknown type or unreadable data."""
    try:
        if envelope.type == JOB_TYPE:
            return [_job(envelope)]
        if envelope.type.startswith(LIFECYCLE_PREFIX):
            return [_lifecycle(envelope)]
        if envelope.type.startswith(MEET_PREFIX):
            return [_meet(envelope)]
        if envelope.type.startswith(CHAT_PREFIX):
            return _chat(envelope)
    except BadEvent as exc:
        raise BadEnvelope(f"{envelope.type}: {exc}") from None
    raise BadEnvelope(f"unknown event type {envelope.type[:120]!r}")


def _base(envelope: Envelope, **overrides: Any) -> dict[str, Any]:
    source = envelope.source
    subscription = source.split("workspaceevents.googleapis.com/", 1)[-1] if source else ""
    values: dict[str, Any] = {
        "id": envelope.id,
        "type": envelope.type,
        "source": source,
        "subject": envelope.subject,
        "time": _time(envelope.time),
        "subscription": subscription if subscription.startswith("subscriptions/") else "",
        "pubsub_message_id": envelope.pubsub_message_id,
        "raw": MappingProxyType(dict(envelope.data)),
    }
    values.update(overrides)
    return values


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return to_datetime(text, "ce-time")
    except BadEvent:
        return None


def _space_of(name: str) -> str:
    parts = name.split("/")
    return f"spaces/{parts[1]}" if len(parts) >= 2 and parts[0] == "spaces" else ""


def _chat(envelope: Envelope) -> list[WorkspaceEvent]:
    # google.workspace.chat.message.v1.created
    rest = envelope.type.removeprefix(CHAT_PREFIX).split(".")
    if len(rest) != 3 or rest[0] not in _PLURAL or rest[1] != "v1":
        raise BadEnvelope(f"unknown Chat event type {envelope.type[:120]!r}")
    resource, action = rest[0], rest[2]
    build = _BUILDERS[resource]
    root = Node.of(envelope.data, "")
    if action in _ACTIONS:
        node = root.require(resource, f"{resource} object")
        return [build(envelope, node, _base(envelope))]
    if action not in _BATCH:
        raise BadEnvelope(f"unknown Chat event type {envelope.type[:120]!r}")
    single = f"{CHAT_PREFIX}{resource}.v1.{_BATCH[action]}"
    events: list[WorkspaceEvent] = []
    for index, item in enumerate(root.objects(_PLURAL[resource])):
        node = item.require(resource, f"{resource} object")
        base = _base(envelope, id=f"{envelope.id}#{index}", type=single, batch_type=envelope.type)
        base["raw"] = MappingProxyType({resource: dict(node.data)})
        events.append(build(envelope, node, base))
    return events


def _message(envelope: Envelope, node: Node, base: dict[str, Any]) -> ChatMessageEvent:
    name = node.text("name")
    if not name:
        raise BadEvent("the message has no name", node.at("name"))
    message = read_message(node)
    space_node = node.obj("space")
    space = (space_node.text("name") if space_node else "") or _space_of(name)
    return ChatMessageEvent(
        **base, space=space, message=message, names_only=set(node.data) <= {"name"}
    )


def _membership(envelope: Envelope, node: Node, base: dict[str, Any]) -> MembershipEvent:
    name = node.text("name")
    member = node.obj("member")
    return MembershipEvent(
        **base,
        name=name,
        space=_space_of(name),
        member=read_user(member) if member is not None else None,
        state=node.text("state"),
        role=node.text("role"),
    )


def _reaction(envelope: Envelope, node: Node, base: dict[str, Any]) -> ReactionEvent:
    name = node.text("name")  # spaces/S/messages/M/reactions/R
    user = node.obj("user")
    emoji = node.obj("emoji")
    text = ""
    if emoji is not None:
        text = emoji.text("unicode")
        custom = emoji.obj("customEmoji")
        if not text and custom is not None:
            text = f":{custom.text('emojiName') or custom.text('uid')}:"
    message_name = name.split("/reactions/", 1)[0] if "/reactions/" in name else ""
    return ReactionEvent(
        **base,
        name=name,
        space=_space_of(name),
        message_name=message_name,
        user=read_user(user) if user is not None else None,
        emoji=text,
    )


def _space(envelope: Envelope, node: Node, base: dict[str, Any]) -> SpaceEvent:
    name = node.text("name")
    if not name:
        raise BadEvent("the space has no name", node.at("name"))
    kind = node.text("spaceType")
    space_type = SpaceType(kind) if kind in SpaceType._value2member_map_ else SpaceType.UNSPECIFIED
    return SpaceEvent(**base, space=Space(name, space_type, display_name=node.text("displayName")))


_BUILDERS: Mapping[str, Callable[[Envelope, Node, dict[str, Any]], WorkspaceEvent]] = {
    "message": _message,
    "membership": _membership,
    "reaction": _reaction,
    "space": _space,
}


def _pick(node: Node | None, *keys: str) -> str:
    """The first of ``keys`` present (lifecycle payloads come in both casings)."""
    if node is None:
        return ""
    for key in keys:
        value = node.text(key)
        if value:
            return value
    return ""


def _lifecycle(envelope: Envelope) -> LifecycleEvent:
    action = envelope.type.removeprefix(LIFECYCLE_PREFIX)
    if action not in LIFECYCLE_ACTIONS:
        raise BadEnvelope(f"unknown lifecycle event type {envelope.type[:120]!r}")
    subscription = Node.of(envelope.data, "").obj("subscription")
    name = (
        _pick(subscription, "name") or envelope.subject.split("workspaceevents.googleapis.com/")[-1]
    )
    if not name.startswith("subscriptions/"):
        raise BadEnvelope("the lifecycle event names no subscription")
    expire = _pick(subscription, "expireTime", "expire_time")
    return LifecycleEvent(
        **_base(envelope),
        subscription_name=name,
        reason=_pick(subscription, "suspensionReason", "suspension_reason"),
        expire_time=_time(expire),
        authority=_pick(subscription, "authority"),
    )


def _meet(envelope: Envelope) -> MeetEvent:
    resource = ""
    for value in envelope.data.values():
        if isinstance(value, Mapping) and isinstance(value.get("name"), str):
            resource = value["name"]
            break
    return MeetEvent(**_base(envelope), resource=resource or envelope.subject)


def _job(envelope: Envelope) -> JobEvent:
    root = Node.of(envelope.data, "")
    job = root.text("job")
    if not job:
        raise BadEvent("the job has no name", "job")
    args = root.obj("args")
    return JobEvent(
        **_base(envelope),
        job=job,
        args=MappingProxyType(dict(args.data)) if args is not None else MappingProxyType({}),
    )


def message_from(data: Mapping[str, Any]) -> Message:
    """A ``Message`` from a Chat API resource (when a names-only event needs its body)."""
    return read_message(Node.of(data, ""))
