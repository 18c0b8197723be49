"""After the meeting: a ``/meet`` meeting's transcript and recording links, posted in its thread.

Through the real doors: ``chat_app`` for ``/meet``; ``workspace_events`` for the
deferred ``meetings.conference`` job and for the Meet events the Chat emulator's
Workspace Events API publishes to the organizer's subscription (the Calendar
emulator's Meet tells it, ``devkit.emulator.meet_bridge``), each delivered as the
Pub/Sub CloudEvent a push subscription sends.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.store.calendars import ScheduledMeeting
from tests.features.meetings.meet_fixtures import (
    FORMATS,
    READ,
    TEAM,
    USER,
    WRITE,
    MeetStack,
    links,
    stack_factory,
)

Build = Callable[[str], MeetStack]
MEET = "google.workspace.meet."
TRANSCRIPT_READY = MEET + "transcript.v2.fileGenerated"
RECORDING_READY = MEET + "recording.v2.fileGenerated"


@pytest.fixture
def meet_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Build]:
    with stack_factory(tmp_path, monkeypatch) as build:
        yield build


def the_meeting(stack: MeetStack) -> ScheduledMeeting:
    (event,) = stack.events()
    meeting = stack.services.calendars().get_meeting(event["id"])
    assert meeting is not None
    return meeting


def payload(record: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(record["message"]["data"]))


def thread_of(message: dict[str, Any]) -> str:
    return str(message["thread"]["name"])


@pytest.mark.parametrize("kind", FORMATS)
def test_transcript_and_recording_links_are_posted_into_the_thread_once(
    meet_stack: Build, kind: str
) -> None:
    stack = meet_stack(kind)
    stack.connect()  # every scope /meet asks for, meetings.space.readonly included
    stack.say('/meet "<b>Retro</b> *now*" tomorrow at 3pm')
    (announcement,) = stack.posts()
    assert "Join" in links(announcement)
    assert stack.run_jobs() == []  # meetings.conference: the link was there; watch the space

    meeting = the_meeting(stack)
    assert meeting.meet_space.startswith("spaces/")
    assert meeting.meeting_code
    (sub,) = stack.chat.subscriptions()
    assert sub["name"] == meeting.subscription
    assert sub["targetResource"] == "//meet.googleapis.com/" + meeting.meet_space
    assert sub["eventTypes"] == [TRANSCRIPT_READY, RECORDING_READY]
    assert sub["payloadOptions"] == {"includeResource": False}
    assert sub["authority"] == USER  # the organizer's own subscription
    record = stack.services.subscriptions().get_subscription(meeting.subscription)
    assert record is not None
    assert (record.space, record.authority, record.creator) == (TEAM, USER, USER)
    assert not record.include_resource
    assert record.expire_time > 0

    stack.calendar.end_conference(meeting.meeting_code, transcript=True, recording=True)
    published = stack.chat.published(clear=True)
    assert [r["message"]["attributes"]["ce-type"] for r in published] == [
        TRANSCRIPT_READY,
        RECORDING_READY,
    ]  # conference.v2.ended was not asked for
    attributes = published[0]["message"]["attributes"]
    assert attributes["ce-subject"] == "//meet.googleapis.com/" + meeting.meet_space
    assert attributes["ce-source"] == "//workspaceevents.googleapis.com/" + meeting.subscription
    assert set(payload(published[0])) == {"transcript"}  # names only
    transcript = payload(published[0])["transcript"]["name"]

    assert stack.deliver_events(published) == 2
    assert stack.deliver_events(published) == 2  # Pub/Sub delivers both again
    again = stack.chat.publish_meet_event(
        meeting.meet_space, TRANSCRIPT_READY, {"transcript": {"name": transcript}}
    )
    assert again == 1
    assert stack.deliver_events() == 1  # Google published it twice: a new ce-id, same file

    first, *after = stack.posts()
    assert first["name"] == announcement["name"]
    assert len(after) == 2
    assert {thread_of(m) for m in after} == {thread_of(announcement)}
    opened = {**links(after[0]), **links(after[1])}
    assert opened["Open transcript"].startswith("https://docs.google.com/document/d/")
    assert opened["Open recording"].startswith("https://drive.google.com/file/d/")
    for message in after:
        assert "<b>" not in message["text"]
        assert "*now*" not in message["text"]
        assert "&lt;b&gt;Retro&lt;/b&gt;" in str(message["cardsV2"])
    assert "transcript" in after[0]["text"]
    assert "recording" in after[1]["text"]
    assert set(the_meeting(stack).posted) == {
        transcript,
        payload(published[1])["recording"]["name"],
    }


@pytest.mark.parametrize("kind", FORMATS)
def test_an_event_for_a_meet_space_nudge_does_not_watch_is_acknowledged(
    meet_stack: Build, kind: str
) -> None:
    stack = meet_stack(kind)
    stack.connect()
    stack.say("/meet Planning tomorrow at 10am")
    stack.run_jobs()
    meeting = the_meeting(stack)
    stack.calendar.end_conference(meeting.meeting_code, transcript=True)
    (record,) = stack.chat.published(clear=True)
    stranger = json.loads(json.dumps(record))
    attributes = stranger["message"]["attributes"]
    attributes["ce-subject"] = "//meet.googleapis.com/spaces/someoneElses"
    attributes["ce-id"] += "-other"
    assert stack.deliver_events([stranger]) == 1  # no exception: acknowledged
    assert len(stack.posts()) == 1
    assert the_meeting(stack).posted == ()


@pytest.mark.parametrize("kind", FORMATS)
def test_a_pending_meet_link_is_finished_by_the_job_and_then_watched(
    meet_stack: Build, kind: str
) -> None:
    stack = meet_stack(kind)
    stack.connect()
    stack.calendar.set_knobs(conference_status="pending")
    stack.say("/meet Planning tomorrow at 11am")
    (posted,) = stack.posts()
    assert "Join" not in links(posted)

    assert stack.run_jobs() == ["ConferencePending"]  # Pub/Sub will deliver it again
    assert stack.chat.subscriptions() == []
    assert "Join" not in links(stack.posts()[0])

    assert stack.calendar.resolve_conferences() == 1
    assert stack.run_jobs() == []
    (redrawn,) = stack.posts()  # the same message, updated in place
    assert redrawn["name"] == posted["name"]
    assert links(redrawn)["Join"].startswith("https://meet.google.com/")
    header = redrawn["cardsV2"][0]["card"]["header"]
    assert header == posted["cardsV2"][0]["card"]["header"]  # the organizer as Chat named them
    assert "@" not in header["subtitle"]
    assert "being created" not in str(redrawn["cardsV2"])
    meeting = the_meeting(stack)
    assert meeting.meeting_code
    assert meeting.meet_space
    (sub,) = stack.chat.subscriptions()
    assert sub["name"] == meeting.subscription
    assert stack.run_jobs() == []  # nothing left


@pytest.mark.parametrize("kind", FORMATS)
def test_without_meet_access_nothing_is_watched_and_meet_still_works(
    meet_stack: Build, kind: str
) -> None:
    stack = meet_stack(kind)
    stack.connect(only=[READ, WRITE])
    answer = stack.say("/meet Sync tomorrow at 9am")
    assert answer.private
    (announcement,) = stack.posts()
    assert "Join" in links(announcement)
    assert stack.jobs.take() == []  # nothing to finish, nothing to watch
    meeting = the_meeting(stack)
    assert (meeting.subscription, meeting.meet_space) == ("", "")
    assert stack.chat.subscriptions() == []
    stack.calendar.end_conference(meeting.meeting_code, transcript=True, recording=True)
    assert stack.chat.published() == []
    assert len(stack.posts()) == 1


def test_the_meet_subscription_is_renewed_like_any_other(meet_stack: Build) -> None:
    stack = meet_stack("legacy")
    stack.connect()
    stack.say("/meet Review tomorrow at 2pm")
    stack.run_jobs()
    meeting = the_meeting(stack)
    before = stack.services.subscriptions().get_subscription(meeting.subscription)
    assert before is not None
    stack.chat.advance_time(7 * 24 * 3600 - 1800)  # past both expiration reminders
    reminders = stack.chat.published(clear=True)
    assert [r["message"]["attributes"]["ce-type"].rsplit(".", 1)[-1] for r in reminders] == [
        "expirationReminder",
        "expirationReminder",
    ]
    stack.deliver_events(reminders)
    after = stack.services.subscriptions().get_subscription(meeting.subscription)
    assert after is not None
    assert after.state == "ACTIVE"
    assert after.expire_time > before.expire_time + 6 * 24 * 3600
    assert after.space == TEAM


def test_where_jobs_cannot_run_a_ready_meeting_is_watched_at_once(
    meet_stack: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.core.context import Context

    monkeypatch.setattr(Context, "can_defer", property(lambda self: False))
    stack = meet_stack("addon")
    stack.connect()
    stack.say("/meet Review tomorrow at 2pm")
    assert stack.jobs.take() == []
    meeting = the_meeting(stack)
    (sub,) = stack.chat.subscriptions()
    assert sub["name"] == meeting.subscription
    stack.calendar.end_conference(meeting.meeting_code, transcript=True)
    assert stack.deliver_events() == 1
    assert len(stack.posts()) == 2


def test_the_meet_subscription_is_let_go_after_the_meeting(meet_stack: Build) -> None:
    from dataclasses import replace

    stack = meet_stack("legacy")
    stack.connect()
    stack.say("/meet Review tomorrow at 2pm")
    stack.run_jobs()
    meeting = the_meeting(stack)
    store = stack.services.subscriptions()
    record = store.get_subscription(meeting.subscription)
    assert record is not None
    assert record.retire_after > meeting.start
    # Days later (the meeting is over): its renewal time comes, and it is deleted instead.
    store.put_subscription(replace(record, retire_after=1.0))
    stack.chat.advance_time(7 * 24 * 3600 - 1800)
    stack.deliver_events(stack.chat.published(clear=True))
    assert store.get_subscription(meeting.subscription) is None
    assert meeting.subscription not in [s["name"] for s in stack.chat.subscriptions()]
