"""Calendar push and sync under attack and failure: forged and replayed notifications,
``410`` resyncs, channel renewal and stop, and a lost push found by the sweep.

Notifications are sent to ``chat_app`` as Calendar would (empty body, ``X-Goog-*``
headers); everything else runs through the real doors (see ``conftest``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.store.calendars import LinkState
from tests.features.meetings.conftest import USER, MeetingsStack
from tests.features.meetings.conftest import at as now_plus

ALEX = "alex@example.com"
DEV = "dev@example.com"


def meeting(title: str, start: datetime, minutes: int = 30) -> dict[str, Any]:
    return {
        "summary": title,
        "start": {"dateTime": start.isoformat()},
        "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat()},
        "attendees": [{"email": DEV}, {"email": ALEX}],
    }


def pending(stack: MeetingsStack) -> dict[str, float | None]:
    page = stack.runtime.services.reminders().owned_by(USER, kind="meeting", limit=500)
    return {r.text: r.next_fire for r in page.items if r.state.value == "active"}


def notify(stack: MeetingsStack, **headers: str) -> Any:
    return stack.client.post("/calendar/notifications", data=b"", headers=headers)


def channel_headers(stack: MeetingsStack, token: str) -> dict[str, str]:
    [channel] = [c for c in stack.calendar.channels() if c["state"] == "active"]
    return {
        "X-Goog-Channel-ID": channel["id"],
        "X-Goog-Resource-ID": channel["resourceId"],
        "X-Goog-Resource-State": "exists",
        "X-Goog-Message-Number": "40",
        "X-Goog-Channel-Token": token,
        "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
    }


def real_token(stack: MeetingsStack) -> str:
    """The token Nudge gave its channel, as the emulator holds it (Nudge keeps a hash)."""
    [channel] = [c for c in stack.calendar.channels() if c["state"] == "active"]
    return str(channel["token"])


@pytest.fixture
def connected(make_stack: Callable[..., MeetingsStack]) -> MeetingsStack:
    stack = make_stack(push=True)
    stack.connect()
    stack.pushes()
    return stack


def test_a_genuine_notification_queues_one_sync_and_a_replay_runs_it_once(
    connected: MeetingsStack,
) -> None:
    stack = connected
    headers = channel_headers(stack, real_token(stack))
    assert notify(stack, **headers).status_code == 200
    assert notify(stack, **headers).status_code == 200  # the same message again
    ids = [job.id for job, _ in stack.jobs.queue]
    assert len(ids) == 2
    assert len(set(ids)) == 1, "a replay is the same job"
    stack.run_jobs()
    assert stack.delivered.count(ids[0]) == 2  # delivered twice, handled once (dedupe)


@pytest.mark.parametrize(
    "forge",
    [
        {"X-Goog-Channel-Token": "guessed"},
        {"X-Goog-Channel-Token": ""},
        {"X-Goog-Resource-ID": "another-resource"},
        {"X-Goog-Channel-ID": "00000000-0000-0000-0000-000000000000"},
        {"X-Goog-Channel-ID": "x" * 65},
        {"X-Goog-Resource-State": "hacked"},
    ],
    ids=["wrong-token", "no-token", "wrong-resource", "unknown-channel", "long-id", "bad-state"],
)
def test_forged_notifications_are_refused_and_change_nothing(
    connected: MeetingsStack, forge: dict[str, str]
) -> None:
    stack = connected
    before = stack.runtime.services.calendars().get_link(USER)
    headers = channel_headers(stack, real_token(stack)) | forge
    response = notify(stack, **headers)
    assert 400 <= response.status_code < 500
    assert response.status_code != 404 or "unknown" in response.get_data(as_text=True)
    assert not stack.jobs.queue
    assert stack.runtime.services.calendars().get_link(USER) == before
    assert "guessed" not in response.get_data(as_text=True)


def test_a_410_resyncs_in_full_without_duplicates_or_losses(connected: MeetingsStack) -> None:
    stack = connected
    base = now_plus(0)
    cal = stack.calendar
    kept = cal.create_event(ALEX, meeting("Kept", base + timedelta(minutes=60)))
    gone = cal.create_event(ALEX, meeting("Gone", base + timedelta(minutes=70)))
    stack.pushes()
    assert set(pending(stack)) == {"Kept", "Gone"}
    generation = stack.runtime.services.calendars().get_link(USER).generation  # type: ignore[union-attr]

    cal.set_push(drop_next=10)  # nothing tells Nudge; the token then expires
    cal.cancel_event(ALEX, gone["id"])
    cal.create_event(ALEX, meeting("New", base + timedelta(minutes=80)))
    assert cal.expire_sync_tokens(DEV) >= 1
    stack.tick(base + timedelta(minutes=31))  # the sweep's incremental sync gets 410
    link = stack.runtime.services.calendars().get_link(USER)
    assert link is not None
    assert link.generation == generation + 1
    assert set(pending(stack)) == {"Kept", "New"}
    assert kept["id"]
    # Every reminder exists once (IDs derive from the instance).
    page = stack.runtime.services.reminders().owned_by(USER, kind="meeting", limit=500)
    assert sorted(r.text for r in page.items) == ["Kept", "New"]


def test_a_lost_push_is_found_by_the_sweep(connected: MeetingsStack) -> None:
    stack = connected
    base = now_plus(0)
    stack.calendar.set_push(drop_next=1)
    stack.calendar.create_event(ALEX, meeting("Quiet", base + timedelta(minutes=90)))
    assert stack.pushes() == 0
    assert "Quiet" not in pending(stack)
    stack.tick(base + timedelta(minutes=10))
    assert "Quiet" not in pending(stack), "with push on, the sweep comes every 30 minutes"
    stack.tick(base + timedelta(minutes=31))
    assert "Quiet" in pending(stack)


def test_a_channel_is_renewed_a_day_before_it_expires_then_the_old_one_stopped(
    connected: MeetingsStack,
) -> None:
    stack = connected
    store = stack.runtime.services.calendars()
    [old] = store.channels_of(USER)
    base = now_plus(0)
    store.put_channel(replace(old, expiration=(base + timedelta(hours=20)).timestamp()))
    link = store.get_link(USER)
    assert link is not None
    store.save_link(replace(link, next_sync=base.timestamp()))
    stack.tick(base + timedelta(minutes=1))
    [new] = store.channels_of(USER)
    assert new.id != old.id
    assert new.expiration > (base + timedelta(days=6)).timestamp()
    states = {c["id"]: c["state"] for c in stack.calendar.channels()}
    assert states[old.id] == "stopped"
    assert states[new.id] == "active"
    # Pushes on the new channel are accepted; the old one is refused.
    assert stack.pushes() >= 0
    headers = channel_headers(stack, real_token(stack))
    assert notify(stack, **headers).status_code == 200
    stale = headers | {"X-Goog-Channel-ID": old.id, "X-Goog-Resource-ID": old.resource_id}
    assert notify(stack, **stale).status_code == 403


def test_disconnect_stops_the_channel_and_withdraws_reminders(connected: MeetingsStack) -> None:
    stack = connected
    base = now_plus(0)
    stack.calendar.create_event(ALEX, meeting("Soon", base + timedelta(minutes=40)))
    stack.pushes()
    assert "Soon" in pending(stack)
    answer = stack.command("/meetings disconnect")
    assert "Disconnected" in answer["text"]
    assert not pending(stack)
    assert stack.runtime.services.calendars().get_link(USER) is None
    assert {c["state"] for c in stack.calendar.channels()} == {"stopped"}
    grant = stack.runtime.services.grants().stored(USER)
    assert grant is None or not any("calendar" in s for s in grant.scopes)
    stack.tick(base + timedelta(minutes=31))
    assert not stack.meeting_posts()


def test_a_revoked_grant_breaks_the_link_and_tells_the_user_once(
    connected: MeetingsStack,
) -> None:
    stack = connected
    stack.runtime.services.grants().forget(USER)
    base = now_plus(0)
    stack.tick(base + timedelta(minutes=31))
    stack.tick(base + timedelta(minutes=62))
    link = stack.runtime.services.calendars().get_link(USER)
    assert link is not None
    assert link.state is LinkState.BROKEN
    told = [m for m in stack.posts() if "no longer read your calendar" in str(m.get("text"))]
    assert len(told) == 1


def test_a_refused_push_address_falls_back_to_polling_every_5_minutes(
    make_stack: Callable[..., MeetingsStack],
) -> None:
    stack = make_stack(push=True)
    stack.calendar.set_push(unauthorized_hosts=["127.0.0.1"])
    stack.connect()
    assert not stack.calendar.channels()
    base = now_plus(0)
    stack.calendar.create_event(ALEX, meeting("Unpushed", base + timedelta(minutes=60)))
    stack.tick(base + timedelta(minutes=6))
    assert "Unpushed" in pending(stack)
