"""Lifecycle events through ``workspace_events``' real signature, and renewal on the tick.

Each test subscribes as a user whose grant is stored as the consent callback
stores it (sealed, with a refresh token the fake Google issued); the emulator
then sends reminders, suspends or expires the subscription, and what it
publishes reaches Nudge wrapped as Pub/Sub delivers it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from shared.core.ticks import Tick
from shared.features.subscriptions import lifecycle, records
from shared.features.subscriptions.subscribing import Choice, subscribe
from shared.store.subscriptions import SubscriptionRecord
from shared.workspace.models import LifecycleEvent
from tests.features.subscriptions.kit import (
    APPROVED_APP_TOKEN,
    DEV,
    SPACE,
    Stack,
    buttons,
    pubsub_event,
)

DEFAULT = Choice(("messages", "memberships", "reactions"))


def subscribed(stack: Stack, choice: Choice = DEFAULT, user: str = DEV) -> SubscriptionRecord:
    outcome = subscribe(stack.context(), user, SPACE, choice)
    assert outcome.ok, outcome.text
    [record] = stack.services.subscriptions().subscriptions_for(SPACE)
    stack.emulator.published(clear=True)
    return record


def stored(stack: Stack, name: str) -> SubscriptionRecord | None:
    return stack.services.subscriptions().get_subscription(name)


def test_a_reminder_renews(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    before = stack.subscription(record.name)
    assert before is not None
    stack.emulator.advance_time(3 * 3600 + 60)  # one hour before a four-hour subscription ends
    [reminder] = stack.deliver("expirationReminder")
    assert reminder["subscription"] == record.name
    after = stack.subscription(record.name)
    assert after is not None
    assert after["expireTime"] > before["expireTime"]
    renewed = stored(stack, record.name)
    assert renewed is not None
    assert renewed.expire_time > record.expire_time
    assert renewed.state == "ACTIVE"
    # The same reminder delivered again is acknowledged and does nothing.
    from functions.workspace_events import workspace_events

    workspace_events(pubsub_event(reminder))
    assert stack.runtime.workspace.counts["duplicate"] == 1


def test_a_suspension_dms_the_subscriber_and_reauthorizing_restores(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.emulator.suspend_subscription(record.name, "USER_SCOPE_REVOKED")
    [event] = stack.deliver("suspended")
    suspended = stored(stack, record.name)
    assert suspended is not None
    assert (suspended.state, suspended.suspension_reason) == ("SUSPENDED", "USER_SCOPE_REVOKED")
    [dm] = stack.dm_messages()
    assert "withdrew some of the access" in dm["text"]
    assert ("Reauthorize", "subscriptions.reauthorize", {"name": record.name}) in buttons(dm)

    # The handler itself is idempotent too: the same event again posts nothing new.
    parsed = LifecycleEvent(
        id=event["message"]["attributes"]["ce-id"],
        type=lifecycle.SUSPENDED,
        subscription_name=record.name,
        reason="USER_SCOPE_REVOKED",
    )
    lifecycle.on_suspended(parsed, stack.services)
    assert len(stack.dm_messages()) == 1

    restored = lifecycle.restore(stack.services, suspended)
    assert restored.state == "ACTIVE"
    assert restored.expire_time > record.expire_time  # reactivated, then renewed
    state = stack.subscription(record.name)
    assert state is not None
    assert state["state"] == "ACTIVE"


def test_a_stale_suspension_after_reactivation_changes_nothing(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.emulator.suspend_subscription(record.name, "ENDPOINT_PERMISSION_DENIED")
    late = stack.published("suspended")
    lifecycle.restore(stack.services, record)  # reactivated before the event arrives
    from functions.workspace_events import workspace_events

    workspace_events(pubsub_event(late[0]))
    current = stored(stack, record.name)
    assert current is not None
    assert current.state == "ACTIVE"
    assert stack.dm_messages() == []


def test_a_suspension_with_the_grant_gone_still_tells_the_subscriber(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.services.grants().forget(DEV)
    stack.emulator.suspend_subscription(record.name, "USER_SCOPE_REVOKED")
    stack.deliver("suspended")
    current = stored(stack, record.name)
    assert current is not None
    assert current.state == "SUSPENDED"
    assert len(stack.dm_messages()) == 1


def test_an_expiry_recreates(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack, Choice(("messages",), include_resource=False))
    stack.emulator.expire_subscription(record.name)
    stack.deliver("expired")
    assert stored(stack, record.name) is None
    [fresh] = stack.services.subscriptions().subscriptions_for(SPACE)
    assert fresh.name != record.name
    assert (fresh.authority, fresh.creator, fresh.state) == (DEV, DEV, "ACTIVE")
    assert fresh.event_types == record.event_types
    assert not fresh.include_resource
    [live] = stack.emulator.subscriptions()
    assert live["name"] == fresh.name
    assert live["payloadOptions"] == {"includeResource": False}


def test_an_expiry_without_a_usable_grant_tells_the_subscriber(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.services.grants().forget(DEV)
    stack.emulator.expire_subscription(record.name)
    stack.deliver("expired")
    ended = stored(stack, record.name)
    assert ended is not None
    assert ended.state == "DELETED"
    [dm] = stack.dm_messages()
    assert "/subscribe" in dm["text"]
    assert "needs your permission again" in dm["text"]
    assert stack.emulator.subscriptions() == []


def test_an_app_subscription_is_renewed_as_the_app(stack: Stack) -> None:
    import dataclasses

    from shared.wiring import Runtime, use_runtime

    settings = dataclasses.replace(stack.settings, chat_api_token=APPROVED_APP_TOKEN)
    stack.runtime = Runtime(settings)
    use_runtime(stack.runtime)
    record = subscribed(stack, Choice(("messages",), as_app=True))
    assert record.authority == "app"
    assert stack.emulator.subscriptions()[0]["owner"] == "app:users/app"
    stack.emulator.advance_time(3 * 3600 + 60)
    stack.deliver("expirationReminder")
    renewed = stored(stack, record.name)
    assert renewed is not None
    assert renewed.expire_time > record.expire_time


def test_events_for_unknown_subscriptions_are_ignored(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.services.subscriptions().delete_subscription(record.name)
    stack.emulator.suspend_subscription(record.name, "OTHER")
    stack.deliver("suspended")
    assert stack.dm_messages() == []


# --- the tick ----------------------------------------------------------------------------------


def tick(now: datetime, seconds: float = 30.0) -> Tick:
    return Tick(now, time.monotonic() + seconds)


def test_the_tick_renews_what_expires_soon(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    now = datetime.now(UTC)
    # Through the tick door's runtime, as reminders_tick runs it.
    early = stack.runtime.tick((now + timedelta(minutes=30)).isoformat())
    [nothing] = [r for r in early if r.job == "subscriptions.renew_expiring"]
    assert (nothing.done, nothing.left, nothing.failed) == (0, 0, False)  # > 2 hours left

    stack.emulator.advance_time(2.5 * 3600)
    reports = stack.runtime.tick((now + timedelta(hours=2.5)).isoformat())
    [report] = [r for r in reports if r.job == "subscriptions.renew_expiring"]
    assert report.done == 1
    renewed = stored(stack, record.name)
    assert renewed is not None
    assert renewed.expire_time > record.expire_time


def test_the_tick_keeps_to_its_deadline(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    later = datetime.now(UTC) + timedelta(hours=3)
    report = lifecycle.renew_expiring(tick(later, seconds=1.0), stack.services)
    assert (report.done, report.left) == (0, 1)  # less than the margin left: none started
    current = stored(stack, record.name)
    assert current is not None
    assert current.expire_time == record.expire_time


def test_the_tick_asks_once_when_renewal_needs_permission(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.services.grants().forget(DEV)
    later = datetime.now(UTC) + timedelta(hours=3)
    first = lifecycle.renew_expiring(tick(later), stack.services)
    second = lifecycle.renew_expiring(tick(later), stack.services)
    assert first.notes == second.notes == "1 waiting for permission"
    current = stored(stack, record.name)
    assert current is not None
    assert records.is_blocked(current)
    [dm] = stack.dm_messages()
    assert "needs your permission again" in dm["text"]
    assert any(label == "Reauthorize" for label, _, _ in buttons(dm))


def test_the_tick_recreates_what_expired_unnoticed(stack: Stack) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.emulator.expire_subscription(record.name)
    stack.emulator.published(clear=True)  # the expired event was lost
    later = datetime.fromtimestamp(record.expire_time, UTC) + timedelta(minutes=1)
    report = lifecycle.renew_expiring(tick(later), stack.services)
    assert report.done == 1
    [fresh] = stack.services.subscriptions().subscriptions_for(SPACE)
    assert fresh.name != record.name


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("RESOURCE_DELETED", "the space was deleted"),
        ("ENDPOINT_NOT_FOUND", "Pub/Sub topic no longer exists"),
        ("OTHER", "did not explain"),
    ],
)
def test_every_reason_is_put_in_words(stack: Stack, reason: str, words: str) -> None:
    stack.grant()
    record = subscribed(stack)
    stack.emulator.suspend_subscription(record.name, reason)
    stack.deliver("suspended")
    [dm] = stack.dm_messages()
    assert words in dm["text"]
    assert any(label == "Reauthorize" for label, _, _ in buttons(dm))
