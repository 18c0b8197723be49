"""The subscription manager and its client against the emulator: every method, LROs, errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import google.oauth2.credentials
import pytest

from devkit.emulator import ChatEmulator
from shared.google.errors import (
    AlreadyExists,
    ApiError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from shared.workspace.client import (
    OperationPending,
    PollPolicy,
    WorkspaceEventsClient,
    operation_error,
    result_of,
)
from shared.workspace.families import (
    ALL_CHAT_EVENT_TYPES,
    DEFAULT_FAMILIES,
    MEET_EVENT_TYPES,
    Family,
    app_scopes_for,
    event_types_for,
    families_of,
    meet_user_scopes_for,
    user_scopes_for,
)
from shared.workspace.subscription_json import Subscription, duration, list_filter
from shared.workspace.subscriptions import SubscriptionManager
from shared.workspace.targets import (
    chat_target,
    is_meet_target,
    meet_space_of_target,
    meet_target,
    space_of_target,
)
from tests.features.subscriptions.kit import (
    ALEX,
    APPROVED_APP_SCOPES,
    APPROVED_APP_TOKEN,
    AUTH,
    DEV,
    SPACE,
    TOPIC,
)

TARGET = chat_target(SPACE)
DEFAULT_TYPES = event_types_for(DEFAULT_FAMILIES)
READ = ("chat.messages.readonly", "chat.memberships.readonly", "chat.messages.reactions.readonly")


@pytest.fixture(scope="module")
def emu() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emulator:
        emulator.register_token("dev", user=DEV, scopes=READ)
        emulator.register_token("alex", user=ALEX, scopes=READ)
        emulator.register_token("dev-messages-only", user=DEV, scopes=["chat.messages.readonly"])
        emulator.register_token("dev-meet", user=DEV, scopes=["meetings.space.readonly"])
        emulator.register_token(APPROVED_APP_TOKEN, kind="app", scopes=APPROVED_APP_SCOPES)
        yield emulator


@pytest.fixture
def manager_for(emu: ChatEmulator) -> Iterator[Callable[..., SubscriptionManager]]:
    emu.reset()
    emu.set_pending_polls(0)

    def make(token: str = "dev", **options: Any) -> SubscriptionManager:
        credentials = google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]
        options.setdefault("poll", PollPolicy(initial=0.01, max_delay=0.05, deadline=5.0))
        client = WorkspaceEventsClient(credentials, endpoint=emu.url, **options)
        return SubscriptionManager(client)

    yield make
    emu.set_pending_polls(0)


def create(manager: SubscriptionManager, **overrides: Any) -> Subscription:
    options: dict[str, Any] = {"target": TARGET, "event_types": DEFAULT_TYPES, "topic": TOPIC}
    return manager.create(**(options | overrides))


# --- the vocabulary --------------------------------------------------------------------------


def test_families_scopes_and_filters() -> None:
    assert event_types_for(["reactions", Family.MESSAGES]) == (
        "google.workspace.chat.message.v1.created",
        "google.workspace.chat.message.v1.updated",
        "google.workspace.chat.message.v1.deleted",
        "google.workspace.chat.reaction.v1.created",
        "google.workspace.chat.reaction.v1.deleted",
    )
    assert families_of(DEFAULT_TYPES) == DEFAULT_FAMILIES
    assert user_scopes_for(DEFAULT_FAMILIES) == (
        AUTH + "chat.messages.readonly",
        AUTH + "chat.memberships.readonly",
        AUTH + "chat.messages.reactions.readonly",
    )
    # Incremental: a broader scope granted already (by /invite) is reused, not asked again.
    assert user_scopes_for(["memberships"], [AUTH + "chat.memberships"]) == (
        AUTH + "chat.memberships",
    )
    assert user_scopes_for(["space"]) == (AUTH + "chat.spaces.readonly",)
    assert app_scopes_for(["messages", "reactions"]) == (AUTH + "chat.app.messages.readonly",)
    assert list_filter(["a.b"], TARGET) == (
        'event_types:"a.b" AND target_resource="//chat.googleapis.com/spaces/AAAA"'
    )
    assert list_filter(["a", "b"]) == '(event_types:"a" OR event_types:"b")'
    assert space_of_target(TARGET) == SPACE
    assert space_of_target("//cloudidentity.googleapis.com/users/1") == ""
    assert duration(None) == "0s"
    assert duration(timedelta(hours=1)) == "3600s"
    assert duration(timedelta(milliseconds=1500)) == "1.5s"
    with pytest.raises(ValueError, match="space name"):
        chat_target("users/1")


def test_meet_targets_types_and_scopes() -> None:
    target = meet_target("spaces/jQCFfuBOdN5z")
    assert target == "//meet.googleapis.com/spaces/jQCFfuBOdN5z"
    assert meet_space_of_target(target) == "spaces/jQCFfuBOdN5z"
    assert is_meet_target(target)
    assert not is_meet_target(TARGET)
    assert meet_space_of_target(TARGET) == space_of_target(target) == ""
    assert meet_space_of_target("//meet.googleapis.com/spaces/a/b") == ""
    with pytest.raises(ValueError, match="space name"):
        meet_target("abc-mnop-xyz")
    assert "google.workspace.meet.transcript.v2.fileGenerated" in MEET_EVENT_TYPES
    assert meet_user_scopes_for() == (AUTH + "meetings.space.readonly",)
    granted = [AUTH + "meetings.space.created"]
    assert meet_user_scopes_for(granted) == (AUTH + "meetings.space.created",)


def test_a_meet_space_is_subscribed_once_and_found_again(
    manager_for: Callable[..., SubscriptionManager],
) -> None:
    manager = manager_for("dev-meet")
    target = meet_target("spaces/jQCFfuBOdN5z")
    types = ("google.workspace.meet.transcript.v2.fileGenerated",)
    first, created = manager.create_or_find(
        target=target, event_types=types, topic=TOPIC, include_resource=False
    )
    assert created
    assert (first.target, first.event_types, first.include_resource) == (target, types, False)
    again, created = manager.create_or_find(
        target=target, event_types=types, topic=TOPIC, include_resource=False
    )
    assert (again.name, created) == (first.name, False)
    assert manager.find(target) == again
    assert manager.renew(first.name).name == first.name


def test_subscription_reads_both_casings() -> None:
    sub = Subscription.from_json(
        {
            "name": "subscriptions/s",
            "target_resource": TARGET,
            "event_types": ["google.workspace.chat.message.v1.created"],
            "payload_options": {"include_resource": True},
            "notification_endpoint": {"pubsub_topic": TOPIC},
            "suspension_reason": "USER_SCOPE_REVOKED",
            "expire_time": "2026-11-30T10:00:00.123456789Z",
            "user_authority": DEV,
        }
    )
    assert sub.space == SPACE
    assert sub.include_resource
    assert sub.topic == TOPIC
    assert sub.authority == DEV
    assert sub.suspension_reason == "USER_SCOPE_REVOKED"
    assert sub.expire_time == datetime(2026, 11, 30, 10, 0, 0, 123456, UTC)
    assert sub.families == (Family.MESSAGES,)


def test_finished_operations_give_their_response_or_their_typed_error() -> None:
    done = {"done": True, "response": {"@type": "x", "name": "subscriptions/s"}}
    assert result_of(done, method="m", target="t") == {"name": "subscriptions/s"}
    error = operation_error(
        {"done": True, "error": {"code": 6, "message": "exists"}}, method="m", target="t"
    )
    assert isinstance(error, AlreadyExists)
    assert (error.status, error.reason, error.detail) == (409, "ALREADY_EXISTS", "exists")
    precondition = operation_error({"error": {"code": 9}}, method="m", target="t")
    assert isinstance(precondition, InvalidArgument)
    assert precondition.reason == "FAILED_PRECONDITION"
    assert not precondition.retryable
    assert operation_error({"error": {"code": 14}}, method="m", target="t").retryable


def test_building_the_feature_does_not_import_googleapiclient() -> None:
    code = (
        "import sys; import shared.features.subscriptions, shared.workspace.subscriptions; "
        "print('googleapiclient' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


# --- every method against the emulator -----------------------------------------------------


def test_create_get_list_renew_delete(manager_for: Callable[..., SubscriptionManager]) -> None:
    manager = manager_for()
    sub = create(manager)
    assert sub.name.startswith("subscriptions/")
    assert (sub.state, sub.authority, sub.target, sub.topic) == ("ACTIVE", DEV, TARGET, TOPIC)
    assert sub.include_resource
    assert set(sub.event_types) == set(DEFAULT_TYPES)
    assert sub.expire_time is not None
    assert sub.create_time is not None
    assert sub.expire_time - sub.create_time == timedelta(hours=4)

    assert manager.get(sub.name) == sub
    assert [s.name for s in manager.list(DEFAULT_TYPES, TARGET)] == [sub.name]
    assert manager.list(event_types_for(["space"])) == []
    assert manager.find(TARGET) == sub

    renewed = manager.renew(sub.name)
    assert renewed.expire_time is not None
    assert renewed.expire_time >= sub.expire_time
    shorter = manager.renew(sub.name, ttl=timedelta(hours=1))
    assert shorter.expire_time is not None
    assert shorter.update_time is not None
    assert shorter.expire_time - shorter.update_time == timedelta(hours=1)

    narrowed = manager.set_event_types(sub.name, event_types_for(["messages"]))
    assert narrowed.families == (Family.MESSAGES,)

    assert manager.delete(sub.name) is True
    with pytest.raises(NotFound):
        manager.get(sub.name)
    assert manager.delete(sub.name) is True  # allowMissing: already gone is fine
    with pytest.raises(NotFound):
        manager.delete(sub.name, allow_missing=False)


def test_names_only_lasts_seven_days(manager_for: Callable[..., SubscriptionManager]) -> None:
    sub = create(manager_for(), include_resource=False)
    assert not sub.include_resource
    assert sub.expire_time is not None
    assert sub.create_time is not None
    assert sub.expire_time - sub.create_time == timedelta(days=7)


def test_one_subscription_per_user_per_target(
    manager_for: Callable[..., SubscriptionManager],
) -> None:
    dev = manager_for("dev")
    first = create(dev)
    with pytest.raises(AlreadyExists) as caught:
        create(dev, event_types=event_types_for(["messages"]))
    assert caught.value.status == 409
    again, created = dev.create_or_find(target=TARGET, event_types=DEFAULT_TYPES, topic=TOPIC)
    assert (again.name, created) == (first.name, False)
    # Another person may subscribe to the same space, and sees only their own.
    alex = manager_for("alex")
    theirs, created = alex.create_or_find(target=TARGET, event_types=DEFAULT_TYPES, topic=TOPIC)
    assert created
    assert theirs.name != first.name
    assert [s.name for s in alex.list()] == [theirs.name]
    with pytest.raises(PermissionDenied):
        alex.get(first.name)


def test_operations_that_are_not_done_are_polled(
    emu: ChatEmulator, manager_for: Callable[..., SubscriptionManager]
) -> None:
    manager = manager_for()
    emu.set_pending_polls(3)
    sub = create(manager)
    polls = [r for r in emu.requests() if r.get("api") == "workspaceevents.operations.get"]
    assert len(polls) == 3
    assert manager.renew(sub.name).name == sub.name
    assert manager.reactivate(sub.name).state == "ACTIVE"
    assert manager.delete(sub.name)
    polls = [r for r in emu.requests() if r.get("api") == "workspaceevents.operations.get"]
    assert len(polls) == 12


def test_an_operation_still_pending_at_the_deadline_says_so(
    emu: ChatEmulator, manager_for: Callable[..., SubscriptionManager]
) -> None:
    manager = manager_for(poll=PollPolicy(initial=0.01, max_delay=0.02, deadline=0.2))
    emu.set_pending_polls(10_000)
    with pytest.raises(OperationPending) as caught:
        create(manager)
    assert caught.value.operation.startswith("operations/")
    assert caught.value.retryable


def test_suspend_reactivate_renew(
    emu: ChatEmulator, manager_for: Callable[..., SubscriptionManager]
) -> None:
    manager = manager_for()
    sub = create(manager)
    emu.suspend_subscription(sub.name, "USER_SCOPE_REVOKED")
    suspended = manager.get(sub.name)
    assert (suspended.state, suspended.suspension_reason) == ("SUSPENDED", "USER_SCOPE_REVOKED")
    with pytest.raises(InvalidArgument) as caught:
        manager.renew(sub.name)  # reactivate first
    assert caught.value.reason == "FAILED_PRECONDITION"
    active = manager.reactivate(sub.name)
    assert active.state == "ACTIVE"
    assert active.expire_time == sub.expire_time  # reactivation keeps the expiry
    assert manager.renew(sub.name).state == "ACTIVE"


def test_a_reactivation_whose_cause_persists_fails_in_the_operation(
    emu: ChatEmulator, manager_for: Callable[..., SubscriptionManager]
) -> None:
    emu.add_space("spaces/GONE", members=[DEV])
    manager = manager_for()
    sub = create(manager, target=chat_target("spaces/GONE"))
    emu.suspend_subscription(sub.name, "USER_AUTHORIZATION_FAILURE")
    emu.add_space("spaces/GONE", members=[])  # DEV left the space
    with pytest.raises(InvalidArgument) as caught:
        manager.reactivate(sub.name)
    assert caught.value.reason == "FAILED_PRECONDITION"
    assert "not a member" in caught.value.detail


@pytest.mark.parametrize(
    ("overrides", "error", "fragment"),
    [
        ({"event_types": ["google.workspace.chat.message.v1.sent"]}, InvalidArgument, "event type"),
        (
            {"event_types": ["google.workspace.events.subscription.v1.expired"]},
            InvalidArgument,
            "event type",
        ),
        ({"target": "//chat.googleapis.com/rooms/AAAA"}, InvalidArgument, "target resource"),
        ({"topic": "topics/t"}, InvalidArgument, "pubsub_topic"),
        ({"ttl": timedelta(hours=5)}, InvalidArgument, "maximum lifetime"),
        ({"target": chat_target("spaces/NOPE")}, NotFound, "not found"),
        ({"event_types": event_types_for(["space"])}, PermissionDenied, "insufficient"),
    ],
)
def test_create_errors_are_typed(
    manager_for: Callable[..., SubscriptionManager],
    overrides: dict[str, Any],
    error: type[ApiError],
    fragment: str,
) -> None:
    with pytest.raises(error) as caught:
        create(manager_for(), **overrides)
    assert fragment in caught.value.detail.lower()
    assert caught.value.method == "subscriptions.create"


def test_every_family_needs_its_scope(
    emu: ChatEmulator, manager_for: Callable[..., SubscriptionManager]
) -> None:
    emu.add_space("spaces/TEAM2", members=[DEV])
    only_messages = manager_for("dev-messages-only")
    assert create(only_messages, event_types=event_types_for(["messages"])).state == "ACTIVE"
    # Reactions are covered by chat.messages.readonly too (REFERENCE §5.4) ...
    other = chat_target("spaces/DM1")
    assert create(only_messages, target=other, event_types=event_types_for(["reactions"]))
    # ... memberships are not.
    with pytest.raises(PermissionDenied):
        create(only_messages, target=chat_target("spaces/TEAM2"), event_types=DEFAULT_TYPES)


def test_the_app_subscribes_with_approved_scopes_only(
    manager_for: Callable[..., SubscriptionManager],
) -> None:
    with pytest.raises(PermissionDenied) as caught:
        create(manager_for("local-app-token"))  # chat.bot alone cannot create
    assert "insufficient" in caught.value.detail.lower()
    app = manager_for(APPROVED_APP_TOKEN)
    sub = create(app)
    assert sub.made_by_app
    assert sub.service_account_authority.startswith("projects/")
    assert app.renew(sub.name).state == "ACTIVE"
    # chat.bot is enough to read, list and delete the app's own subscription.
    reader = manager_for("local-app-token")
    assert reader.get(sub.name).name == sub.name
    assert reader.delete(sub.name)


def test_list_needs_a_filter(emu: ChatEmulator) -> None:
    credentials = google.oauth2.credentials.Credentials(token="dev")  # type: ignore[no-untyped-call]
    client = WorkspaceEventsClient(credentials, endpoint=emu.url)
    with pytest.raises(ValueError, match="filter"):
        list(client.list(""))
    with pytest.raises(InvalidArgument):
        list(client.list('target_resource="//chat.googleapis.com/spaces/AAAA"'))
    assert list(client.list(list_filter(ALL_CHAT_EVENT_TYPES))) == []
