"""Frozen, typed Workspace events: one per change, whatever envelope or batch brought it.

Chat resources reuse the interaction models (``User``, ``Space``, ``Message``),
so a handler reads a message the same way whether Chat sent it in an
interaction or a subscription delivered it. ``family`` (message, membership,
reaction, space, lifecycle, meet, job) is declared on each class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

from shared.chat.events.models import Message, Space, User

CHAT_PREFIX = "google.workspace.chat."
LIFECYCLE_PREFIX = "google.workspace.events.subscription.v1."
MEET_PREFIX = "google.workspace.meet."
#: The CloudEvent type of Nudge's own deferred jobs, published to the events topic.
JOB_TYPE = "dev.nudge.job.v1"

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceEvent:
    """What every event carries. ``id`` is the Workspace ``ce-id`` (``#n`` for a batch item)."""

    id: str
    type: str
    source: str = ""
    subject: str = ""
    time: datetime | None = None
    #: ``subscriptions/ID`` of the subscription that delivered it ("" for jobs).
    subscription: str = ""
    #: The batch type it was expanded from, such as ``…message.v1.batchCreated``.
    batch_type: str = ""
    pubsub_message_id: str = ""
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    family: ClassVar[str] = "event"

    @property
    def action(self) -> str:
        """The last part of the type: ``created``, ``updated``, ``deleted``, ``suspended``…"""
        return self.type.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMessageEvent(WorkspaceEvent):
    """A message was created, updated or deleted.

    ``message`` holds what the payload carried: only ``name`` when the
    subscription sends resource names (``names_only``) and for deletions.
    """

    space: str
    message: Message
    names_only: bool = False

    family: ClassVar[str] = "message"

    @property
    def is_from_a_bot(self) -> bool:
        sender = self.message.sender
        return sender is not None and sender.is_bot


@dataclass(frozen=True, slots=True, kw_only=True)
class MembershipEvent(WorkspaceEvent):
    """Someone joined, changed role or state in, or left a space."""

    name: str
    space: str
    member: User | None = None
    state: str = ""
    role: str = ""

    family: ClassVar[str] = "membership"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionEvent(WorkspaceEvent):
    """A reaction was added to or removed from a message."""

    name: str
    space: str
    message_name: str
    user: User | None = None
    #: The Unicode emoji (``✅``), or ``:name:`` of a custom one; "" when unknown.
    emoji: str = ""

    family: ClassVar[str] = "reaction"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpaceEvent(WorkspaceEvent):
    """A space was updated or deleted."""

    space: Space

    family: ClassVar[str] = "space"


@dataclass(frozen=True, slots=True, kw_only=True)
class LifecycleEvent(WorkspaceEvent):
    """A subscription is about to expire, was suspended, or expired."""

    subscription_name: str
    reason: str = ""
    expire_time: datetime | None = None
    authority: str = ""

    family: ClassVar[str] = "lifecycle"


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetEvent(WorkspaceEvent):
    """A Google Meet event, read generically: what happened to which resource."""

    resource: str = ""

    family: ClassVar[str] = "meet"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobEvent(WorkspaceEvent):
    """One of Nudge's own deferred jobs: ``job`` names its handler, ``args`` its input."""

    job: str
    args: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    family: ClassVar[str] = "job"
