"""Every event type, in every envelope form, through ``workspace_events``' real signature.

Each case is a Pub/Sub message as Workspace (or Nudge's own ``ctx.defer``)
publishes it; the door must acknowledge it and hand the feature the typed
events it carries, batches expanded in order with IDs ``ce-id#n``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.chat.events.models import SpaceType
from shared.wiring import Runtime
from shared.workspace.models import (
    ChatMessageEvent,
    JobEvent,
    LifecycleEvent,
    MeetEvent,
    MembershipEvent,
    ReactionEvent,
    SpaceEvent,
    WorkspaceEvent,
)
from tests.workspace.kit import (
    CHAT,
    JOB,
    LIFECYCLE,
    SPACE,
    SUB,
    Door,
    Recorder,
    chat_message,
    membership,
    message,
    reaction,
)

Check = Callable[[WorkspaceEvent], Any]


@dataclass(frozen=True)
class Case:
    name: str
    ce_type: str
    data: Any
    #: One check per event the message must yield, in order.
    checks: tuple[Check, ...]
    subject: str = "//chat.googleapis.com/spaces/AAAA"
    source: str = f"//workspaceevents.googleapis.com/{SUB}"


def is_message(action: str, *, names_only: bool = False, text: str = "Hello") -> Check:
    def check(e: WorkspaceEvent) -> None:
        assert isinstance(e, ChatMessageEvent)
        assert e.type == f"{CHAT}message.v1.{action}"
        assert e.space == "spaces/AAAA"
        assert e.names_only is names_only
        assert e.subscription == SUB
        if not names_only and action != "deleted":
            assert e.message.text == text
            assert e.message.sender is not None
            assert e.message.sender.display_name == "Ada"

    return check


def is_membership(action: str, n: int, state: str) -> Check:
    def check(e: WorkspaceEvent) -> None:
        assert isinstance(e, MembershipEvent)
        assert e.type == f"{CHAT}membership.v1.{action}"
        assert (e.name, e.space, e.state) == (f"spaces/AAAA/members/{n}", "spaces/AAAA", state)
        if action != "deleted":
            assert e.member is not None
            assert e.member.name == f"users/{n}"

    return check


def names_only_membership(e: WorkspaceEvent) -> None:
    assert isinstance(e, MembershipEvent)
    assert (e.name, e.space, e.member, e.state) == (LEFT_1["name"], "spaces/AAAA", None, "")


def is_reaction(action: str, n: int) -> Check:
    def check(e: WorkspaceEvent) -> None:
        assert isinstance(e, ReactionEvent)
        assert e.type == f"{CHAT}reaction.v1.{action}"
        assert e.message_name == "spaces/AAAA/messages/M1.M1"
        assert e.name.endswith(f"/reactions/R{n}")
        assert (e.space, e.emoji) == ("spaces/AAAA", "✅")

    return check


def is_space(action: str) -> Check:
    def check(e: WorkspaceEvent) -> None:
        assert isinstance(e, SpaceEvent)
        assert e.type == f"{CHAT}space.v1.{action}"
        assert e.space.name == "spaces/AAAA"

    return check


def is_lifecycle(action: str, *, reason: str = "", expires: bool = False) -> Check:
    def check(e: WorkspaceEvent) -> None:
        assert isinstance(e, LifecycleEvent)
        assert e.type == f"{LIFECYCLE}{action}"
        assert e.subscription_name == "subscriptions/S1"
        assert e.reason == reason
        if expires:
            assert e.expire_time == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
            assert e.authority == "users/111"

    return check


def is_meet(ce_type: str, resource: str) -> Check:
    def check(e: WorkspaceEvent) -> None:
        assert isinstance(e, MeetEvent)
        assert (e.type, e.resource) == (ce_type, resource)

    return check


def is_job(e: WorkspaceEvent) -> None:
    assert isinstance(e, JobEvent)
    assert (e.job, dict(e.args)) == ("under_test.echo", {"n": 1, "who": ["a", "b"]})


def batch(resource: str, plural: str, items: list[Any]) -> dict[str, Any]:
    return {plural: [{resource: item} for item in items]}


LEFT_1 = {"name": "spaces/AAAA/members/1", "state": "NOT_A_MEMBER"}
LEFT_2 = {"name": "spaces/AAAA/members/2", "state": "NOT_A_MEMBER"}
LIFE_SOURCE = "//workspaceevents.googleapis.com/subscriptions/S1"
MEET_STARTED = "google.workspace.meet.conference.v2.started"
MEET_JOINED = "google.workspace.meet.participant.v2.joined"
SESSION = "conferenceRecords/CR1/participants/P1/participantSessions/PS1"

CASES = (
    # Messages: full resource, names only (includeResource=false), deletion.
    Case("message created", f"{CHAT}message.v1.created", {"message": chat_message()},
         (is_message("created"),)),
    Case("message updated", f"{CHAT}message.v1.updated", {"message": chat_message()},
         (is_message("updated"),)),
    Case("message deleted", f"{CHAT}message.v1.deleted",
         {"message": {"name": "spaces/AAAA/messages/M1.M1", "createTime": "2026-11-30T10:00:00Z",
                      "deletionMetadata": {"deletionType": "CREATOR"}}},
         (is_message("deleted"),)),
    Case("message created, names only", f"{CHAT}message.v1.created",
         {"message": {"name": "spaces/AAAA/messages/M1.M1"}},
         (is_message("created", names_only=True),)),
    Case("message updated, names only", f"{CHAT}message.v1.updated",
         {"message": {"name": "spaces/AAAA/messages/M1.M1"}},
         (is_message("updated", names_only=True),)),
    Case("message deleted, names only", f"{CHAT}message.v1.deleted",
         {"message": {"name": "spaces/AAAA/messages/M1.M1"}},
         (is_message("deleted", names_only=True),)),
    # Memberships.
    Case("membership created", f"{CHAT}membership.v1.created", {"membership": membership(1)},
         (is_membership("created", 1, "JOINED"),)),
    Case("membership updated", f"{CHAT}membership.v1.updated",
         {"membership": membership(1, state="INVITED")}, (is_membership("updated", 1, "INVITED"),)),
    Case("membership deleted", f"{CHAT}membership.v1.deleted",
         {"membership": {"name": "spaces/AAAA/members/1", "state": "NOT_A_MEMBER"}},
         (is_membership("deleted", 1, "NOT_A_MEMBER"),)),
    Case("membership created, names only", f"{CHAT}membership.v1.created",
         {"membership": {"name": "spaces/AAAA/members/1"}},
         (names_only_membership,)),
    # Reactions.
    Case("reaction created", f"{CHAT}reaction.v1.created", {"reaction": reaction(1)},
         (is_reaction("created", 1),)),
    Case("reaction deleted", f"{CHAT}reaction.v1.deleted", {"reaction": reaction(1)},
         (is_reaction("deleted", 1),)),
    # Spaces.
    Case("space updated", f"{CHAT}space.v1.updated", {"space": SPACE}, (is_space("updated"),)),
    Case("space deleted", f"{CHAT}space.v1.deleted", {"space": {"name": "spaces/AAAA"}},
         (is_space("deleted"),)),
    # Every batch variant, expanded in order.
    Case("message batchCreated", f"{CHAT}message.v1.batchCreated",
         batch("message", "messages", [chat_message(1), chat_message(2), chat_message(3)]),
         (is_message("created"),) * 3),
    Case("message batchUpdated", f"{CHAT}message.v1.batchUpdated",
         batch("message", "messages", [chat_message(1), chat_message(2)]),
         (is_message("updated"),) * 2),
    Case("message batchDeleted", f"{CHAT}message.v1.batchDeleted",
         batch("message", "messages", [{"name": "spaces/AAAA/messages/M1.M1"},
                                       {"name": "spaces/AAAA/messages/M2.M2"}]),
         (is_message("deleted", names_only=True),) * 2),
    Case("membership batchCreated", f"{CHAT}membership.v1.batchCreated",
         batch("membership", "memberships", [membership(1), membership(2)]),
         (is_membership("created", 1, "JOINED"), is_membership("created", 2, "JOINED"))),
    Case("membership batchUpdated", f"{CHAT}membership.v1.batchUpdated",
         batch("membership", "memberships", [membership(1, state="INVITED")]),
         (is_membership("updated", 1, "INVITED"),)),
    Case("membership batchDeleted", f"{CHAT}membership.v1.batchDeleted",
         batch("membership", "memberships", [LEFT_1, LEFT_2]),
         (is_membership("deleted", 1, "NOT_A_MEMBER"),
          is_membership("deleted", 2, "NOT_A_MEMBER"))),
    Case("reaction batchCreated", f"{CHAT}reaction.v1.batchCreated",
         batch("reaction", "reactions", [reaction(1), reaction(2)]),
         (is_reaction("created", 1), is_reaction("created", 2))),
    Case("reaction batchDeleted", f"{CHAT}reaction.v1.batchDeleted",
         batch("reaction", "reactions", [reaction(1), reaction(2), reaction(3)]),
         (is_reaction("deleted", 1), is_reaction("deleted", 2), is_reaction("deleted", 3))),
    Case("space batchUpdated", f"{CHAT}space.v1.batchUpdated",
         batch("space", "spaces", [SPACE, {**SPACE, "displayName": "Renamed"}]),
         (is_space("updated"),) * 2),
    # Lifecycle, in both casings the docs show.
    Case("expirationReminder", f"{LIFECYCLE}expirationReminder",
         {"subscription": {"name": "subscriptions/S1", "expireTime": "2026-12-01T10:00:00Z",
                           "authority": "users/111"}},
         (is_lifecycle("expirationReminder", expires=True),),
         subject=LIFE_SOURCE, source=LIFE_SOURCE),
    Case("expirationReminder, snake_case", f"{LIFECYCLE}expirationReminder",
         {"subscription": {"name": "subscriptions/S1", "expire_time": "2026-12-01T10:00:00Z",
                           "authority": "users/111"}},
         (is_lifecycle("expirationReminder", expires=True),),
         subject=LIFE_SOURCE, source=LIFE_SOURCE),
    Case("suspended", f"{LIFECYCLE}suspended",
         {"subscription": {"name": "subscriptions/S1", "suspensionReason": "USER_SCOPE_REVOKED"}},
         (is_lifecycle("suspended", reason="USER_SCOPE_REVOKED"),),
         subject=LIFE_SOURCE, source=LIFE_SOURCE),
    Case("suspended, snake_case", f"{LIFECYCLE}suspended",
         {"subscription": {"name": "subscriptions/S1", "suspension_reason": "USER_SCOPE_REVOKED"}},
         (is_lifecycle("suspended", reason="USER_SCOPE_REVOKED"),),
         subject=LIFE_SOURCE, source=LIFE_SOURCE),
    Case("expired", f"{LIFECYCLE}expired", {"subscription": {"name": "subscriptions/S1"}},
         (is_lifecycle("expired"),), subject=LIFE_SOURCE, source=LIFE_SOURCE),
    Case("expired, name from the subject", f"{LIFECYCLE}expired", {},
         (is_lifecycle("expired"),), subject=LIFE_SOURCE, source=LIFE_SOURCE),
    # Meet, read generically (names-only payloads).
    Case("meet conference started", MEET_STARTED,
         {"conferenceRecord": {"name": "conferenceRecords/CR1"}},
         (is_meet(MEET_STARTED, "conferenceRecords/CR1"),),
         subject="//meet.googleapis.com/spaces/MS1",
         source="//workspaceevents.googleapis.com/subscriptions/meet-1"),
    Case("meet participant joined", MEET_JOINED, {"participantSession": {"name": SESSION}},
         (is_meet(MEET_JOINED, SESSION),),
         subject="//meet.googleapis.com/spaces/MS1",
         source="//workspaceevents.googleapis.com/subscriptions/meet-1"),
    # Nudge's own deferred job.
    Case("job", JOB, {"job": "under_test.echo", "args": {"n": 1, "who": ["a", "b"]}}, (is_job,),
         subject="under_test.echo", source="//nudge.dev/chat_app"),
)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_event_type_reaches_its_handler(
    case: Case, door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    sent = message(case.ce_type, case.data, subject=case.subject, source=case.source)
    ce_id = sent["attributes"]["ce-id"]

    assert door.deliver(sent) == "ack"

    assert len(recorder.seen) == len(case.checks), recorder.seen
    for event, check in zip(recorder.seen, case.checks, strict=True):
        check(event)
        assert event.subject == case.subject
        assert event.pubsub_message_id == sent["messageId"]
    if "batch" in case.ce_type:
        # One event per item, in order, each deduplicated on its own.
        assert recorder.ids == [f"{ce_id}#{n}" for n in range(len(case.checks))]
        assert {e.batch_type for e in recorder.seen} == {case.ce_type}
    else:
        assert recorder.ids == [ce_id]
    assert runtime.workspace.counts["handled"] == len(case.checks)


def test_a_space_update_keeps_its_type_and_name(door: Door, recorder: Recorder) -> None:
    assert door.deliver(message(f"{CHAT}space.v1.updated", {"space": SPACE})) == "ack"
    (event,) = recorder.seen
    assert isinstance(event, SpaceEvent)
    assert event.space.type is SpaceType.SPACE
    assert event.space.display_name == "Local team"


def test_an_event_type_nobody_handles_is_acknowledged(
    door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    # Subscribable but not handled here (the recorder has no handler for it): acked, no record.
    recorder.feature.event_handlers.clear()
    runtime.workspace.handlers.clear()
    assert door.deliver(message(f"{CHAT}message.v1.created", {"message": chat_message()})) == "ack"
    assert recorder.seen == []
    assert runtime.workspace.counts["unhandled"] == 1
