"""Issue 10's end-to-end scenario, through the real entry points, with push and without.

A person connects their calendar through the OAuth flow (``/meetings connect``,
consent at the fake Google, the callback on ``chat_app``); meetings are made in the
Calendar emulator as other people would; Calendar pushes reach ``chat_app``'s
``/calendar/notifications`` (or, with push off, the tick's sweep finds the
changes); ``workspace_events`` runs the deferred syncs; ``reminders_tick`` posts
each reminder into the Chat emulator exactly once at its time. Then meetings move,
are cancelled and declined, and a recurring series has a moved and a cancelled
instance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.features.meetings.conftest import USER, MeetingsStack
from tests.features.meetings.conftest import at as now_plus

ALEX = "alex@example.com"
DEV = "dev@example.com"


def now() -> datetime:
    return now_plus(0)


def meeting(title: str, start: datetime, minutes: int = 30, **extra: Any) -> dict[str, Any]:
    return {
        "summary": title,
        "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat(), "timeZone": "UTC"},
        "attendees": [{"email": DEV}, {"email": ALEX}],
        **extra,
    }


def texts(stack: MeetingsStack) -> list[str]:
    return [str(m.get("text", "")) for m in stack.meeting_posts()]


def titled(stack: MeetingsStack, title: str) -> list[dict[str, Any]]:
    return [m for m in stack.meeting_posts() if title in str(m.get("text", ""))]


def pending(stack: MeetingsStack) -> dict[str, Any]:
    """Pending meeting reminders by title: ``{title: next_fire}``."""
    page = stack.runtime.services.reminders().owned_by(USER, kind="meeting", limit=500)
    return {r.text: r.next_fire for r in page.items if r.state.value == "active"}


def settle(stack: MeetingsStack, push: bool, now: datetime) -> None:
    """Let Nudge notice calendar changes: by push (and its job), or by the sweep."""
    if push:
        stack.pushes()
    else:
        stack.tick(now)


@pytest.mark.parametrize("push", [True, False], ids=["push", "sweep-only"])
def test_meeting_reminders_follow_the_calendar(
    make_stack: Callable[..., MeetingsStack], push: bool
) -> None:
    stack = make_stack(push=push)
    cal = stack.calendar
    base = now()

    def at(minutes: float) -> datetime:
        return base + timedelta(minutes=minutes)

    review = cal.create_event(ALEX, meeting("Design review", at(30)), conference=True)

    stack.connect()
    if push:
        assert [c["id"] for c in cal.channels()], "connecting creates a push channel"
        stack.pushes()  # the channel's sync message is accepted and ignored
    assert pending(stack) == {"Design review": pytest.approx(at(20).timestamp(), abs=2)}
    dms = [str(m.get("text", "")) for m in stack.posts()]
    assert any("calendar is connected" in t for t in dms)

    # A meeting made after connecting is found: by its push, or by the sweep.
    planning = cal.create_event(ALEX, meeting("Planning", at(45)))
    clock = at(6)  # past the sweep's 5 minutes
    settle(stack, push, clock)
    assert set(pending(stack)) == {"Design review", "Planning"}

    # Due: posted once, with the Join button; a retried tick posts nothing more.
    stack.tick(at(21))
    stack.tick(at(21))
    [posted] = titled(stack, "Design review")
    assert "meet.google.com" in str(posted.get("cardsV2"))
    assert "Planning" not in " ".join(texts(stack))

    # The posted review is cancelled: the posted reminder says so, in place.
    cal.cancel_event(ALEX, review["id"])
    settle(stack, push, at(27))  # sweep-only: 5 minutes after the last tick
    [updated] = titled(stack, "Design review")
    assert updated["name"] == posted["name"]
    assert str(updated["text"]).startswith("❌ Cancelled")

    # Planning moves an hour later: its reminder moves with it.
    cal.move_event(ALEX, planning["id"], (at(105)).isoformat())
    settle(stack, push, at(32))
    assert pending(stack)["Planning"] == pytest.approx(at(95).timestamp(), abs=2)
    stack.tick(at(36))
    assert not titled(stack, "Planning"), "not at its old time"

    # Declined: withdrawn before it was ever posted.
    retro = cal.create_event(ALEX, meeting("Retro", at(80)))
    settle(stack, push, at(42))
    assert "Retro" in pending(stack)
    cal.decline(DEV, retro["id"])
    settle(stack, push, at(48))
    assert "Retro" not in pending(stack)

    # Planning is posted once, at its new time.
    stack.tick(at(96))
    assert len(titled(stack, "Planning")) == 1
    assert "Retro" not in " ".join(texts(stack))
    counts = Counter(m["name"] for m in stack.meeting_posts())
    assert all(n == 1 for n in counts.values())


@pytest.mark.parametrize("push", [True, False], ids=["push", "sweep-only"])
def test_a_series_with_a_moved_and_a_cancelled_instance(
    make_stack: Callable[..., MeetingsStack], push: bool
) -> None:
    stack = make_stack(push=push)
    cal = stack.calendar
    base = now()
    first = base + timedelta(minutes=60)
    series = cal.create_event(
        ALEX, meeting("Stand-up", first, 15, recurrence=["RRULE:FREQ=DAILY;COUNT=4"])
    )
    stack.connect()
    if push:
        stack.pushes()
    assert len([r for r in _posts(stack) if r.text == "Stand-up"]) == 4

    moved = cal.add_exception(
        ALEX,
        series["id"],
        first + timedelta(days=1),
        start=(first + timedelta(days=1, hours=2)).isoformat(),
    )
    cal.add_exception(ALEX, series["id"], first + timedelta(days=2), cancelled=True)
    settle(stack, push, base + timedelta(minutes=6))
    fires = sorted(r.next_fire for r in _posts(stack) if r.text == "Stand-up")
    expected = [
        first - timedelta(minutes=10),
        first + timedelta(days=1, hours=2) - timedelta(minutes=10),
        first + timedelta(days=3) - timedelta(minutes=10),
    ]
    assert fires == pytest.approx([e.timestamp() for e in expected], abs=2)
    assert moved


def _posts(stack: MeetingsStack) -> list[Any]:
    page = stack.runtime.services.reminders().owned_by(USER, kind="meeting", limit=500)
    return [r for r in page.items if r.state.value == "active"]
