"""The emulator's Workspace Events API on Google Meet spaces: targets, types and scopes,
events Meet reports (``publish_meet_event``), and the bridge from the Calendar emulator."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.emulator import ChatEmulator, meet_bridge
from devkit.emulator.calendar import CalendarEmulator

DEV = "users/100000000000000000001"
SPACE = "spaces/jQCFfuBOdN5z"
TARGET = "//meet.googleapis.com/" + SPACE
TOPIC = "projects/nudge-test/topics/events"
MEET = "google.workspace.meet."
READY = [f"{MEET}transcript.v2.fileGenerated", f"{MEET}recording.v2.fileGenerated"]
TRANSCRIPT = "conferenceRecords/c1/transcripts/t1"


@pytest.fixture
def tokens(emu: ChatEmulator) -> None:
    emu.register_token("meet", user=DEV, scopes=["meetings.space.readonly"])
    emu.register_token("created", user=DEV, scopes=["meetings.space.created"])
    emu.register_token("chat-only", user=DEV, scopes=["chat.messages.readonly"])
    emu.register_token("app-all", kind="app", scopes=["chat.bot", "chat.app.messages.readonly"])


def body(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "targetResource": TARGET,
        "eventTypes": READY,
        "notificationEndpoint": {"pubsubTopic": TOPIC},
        "payloadOptions": {"includeResource": False},
    }
    out.update(overrides)
    return out


@pytest.fixture
def subscribe(raw: Any, tokens: None) -> Callable[..., dict[str, Any]]:
    def create(token: str = "meet", **overrides: Any) -> dict[str, Any]:
        reply = raw("POST", "v1/subscriptions", body(**overrides), token=token)
        assert reply.status == 200, reply.body
        response: dict[str, Any] = reply.body["response"]
        return response

    return create


def test_a_meet_space_takes_meet_types_with_a_meet_scope_names_only(
    raw: Any, error_of: Any, subscribe: Callable[..., dict[str, Any]]
) -> None:
    sub = subscribe()
    assert (sub["targetResource"], sub["eventTypes"], sub["authority"]) == (TARGET, READY, DEV)
    assert sub["payloadOptions"] == {"includeResource": False}
    again = raw("POST", "v1/subscriptions", body(), token="created")  # the same user
    assert (again.status, error_of(again)["status"]) == (409, "ALREADY_EXISTS")
    other = subscribe("created", targetResource=TARGET + "x")
    assert other["name"] != sub["name"]
    wanted = urllib.parse.quote(f'event_types:"{READY[0]}" AND target_resource="{TARGET}"')
    listed = raw("GET", f"v1/subscriptions?filter={wanted}", token="meet")
    assert [s["name"] for s in listed.body["subscriptions"]] == [sub["name"]]
    renewed = raw("PATCH", f"v1/{sub['name']}?updateMask=ttl", {"ttl": "0s"}, token="meet")
    assert renewed.status == 200, renewed.body


@pytest.mark.parametrize(
    ("overrides", "token", "status"),
    [
        ({"payloadOptions": {"includeResource": True}}, "meet", 400),  # names only
        ({"eventTypes": ["google.workspace.chat.message.v1.created"]}, "meet", 400),
        ({"targetResource": "//meet.googleapis.com/spaces/"}, "meet", 400),
        ({"targetResource": "//meet.googleapis.com/spaces/a/b"}, "meet", 400),
        ({"targetResource": "//meet.googleapis.com/conferenceRecords/c"}, "meet", 400),
        ({}, "chat-only", 403),  # no meetings.space.* scope
        ({}, "app-all", 400),  # user auth only: the chat.app.* route is Chat-only
    ],
)
def test_what_a_meet_subscription_may_not_ask_for(
    raw: Any, tokens: None, overrides: dict[str, Any], token: str, status: int
) -> None:
    reply = raw("POST", "v1/subscriptions", body(**overrides), token=token)
    assert reply.status == status, reply.body


def test_a_chat_space_takes_no_meet_types(raw: Any, tokens: None) -> None:
    chat = body(targetResource="//chat.googleapis.com/spaces/AAAA")
    assert raw("POST", "v1/subscriptions", chat, token="meet").status == 400


def test_meet_events_reach_the_subscriptions_on_their_space(
    emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    sub = subscribe()
    only_transcripts = subscribe("created", targetResource=TARGET + "x", eventTypes=READY[:1])
    data = {"transcript": {"name": TRANSCRIPT}}
    assert emu.publish_meet_event(SPACE, READY[0], data) == 1
    assert emu.publish_meet_event(SPACE, f"{MEET}conference.v2.ended", {}) == 0  # not asked
    assert emu.publish_meet_event(SPACE + "x", READY[1], {"recording": {"name": "r"}}) == 0
    assert emu.publish_meet_event(SPACE, READY[0], data) == 1  # told again: a new event
    first, second = emu.published()
    attributes = first["message"]["attributes"]
    assert attributes["ce-type"] == READY[0]
    assert attributes["ce-subject"] == TARGET
    assert attributes["ce-source"] == "//workspaceevents.googleapis.com/" + sub["name"]
    assert attributes["ce-id"] != second["message"]["attributes"]["ce-id"]
    assert {"ce-time", "ce-specversion", "ce-datacontenttype"} <= set(attributes)
    assert first["topic"] == TOPIC
    assert json.loads(base64.b64decode(first["message"]["data"])) == data
    emu.suspend_subscription(sub["name"])
    emu.published(clear=True)
    assert emu.publish_meet_event(SPACE, READY[0], data) == 0  # suspended: nothing
    assert only_transcripts["eventTypes"] == READY[:1]


def test_meet_events_can_be_told_over_http(
    raw: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    subscribe()
    told = {"space": SPACE, "type": READY[0], "data": {"transcript": {"name": TRANSCRIPT}}}
    assert raw("POST", "_emulator/workspace/meet", told, token=None).body == {"published": 1}
    wrong = raw("POST", "_emulator/workspace/meet", {**told, "type": "x.y"}, token=None)
    assert wrong.status == 400
    assert raw("POST", "_emulator/workspace/meet", {"space": SPACE}, token=None).status == 400
    assert len(emu.published()) == 1


@pytest.fixture
def calendar() -> Iterator[CalendarEmulator]:
    emulator = CalendarEmulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


def test_the_bridge_hands_the_calendar_emulators_meet_events_over(
    emu: ChatEmulator, calendar: CalendarEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    meet_bridge.connect(calendar, emu)
    made = calendar.create_event(
        "dev@example.com",
        {
            "summary": "Sync",
            "start": {"dateTime": "2030-01-01T10:00:00Z"},
            "end": {"dateTime": "2030-01-01T10:30:00Z"},
        },
        conference=True,
    )
    code = made["conferenceData"]["conferenceId"]
    space = calendar.core.store.space(code)
    assert space is not None
    sub = subscribe(targetResource="//meet.googleapis.com/" + space.name)
    ended = calendar.end_conference(code, transcript=True, recording=True)
    published = emu.published()
    assert [r["message"]["attributes"]["ce-type"] for r in published] == READY
    assert {r["subscription"] for r in published} == {sub["name"]}
    assert {r["message"]["attributes"]["ce-subject"] for r in published} == {
        "//meet.googleapis.com/" + ended["space"]
    }
    transcript = json.loads(base64.b64decode(published[0]["message"]["data"]))["transcript"]
    assert transcript["name"].startswith(ended["name"] + "/transcripts/")
