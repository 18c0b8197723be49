"""Welcome cards, through ``workspace_events`` and the local Chat API emulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from shared.features.automations.welcome import format_welcome
from shared.wiring import Runtime
from tests.features.automations.kit import CHAT, SPACE, configure, deliver, posted

CREATED = CHAT + "membership.v1.created"
NEWCOMER = "users/100000000000000000007"


def membership(
    user: str = NEWCOMER, *, kind: str = "HUMAN", state: str = "JOINED", joined: str = ""
) -> dict[str, Any]:
    return {
        "membership": {
            "name": f"{SPACE}/members/{user.removeprefix('users/')}",
            "state": state,
            "role": "ROLE_MEMBER",
            "member": {"name": user, "type": kind},
            "createTime": joined or "2026-11-30T10:00:00.000000Z",
        }
    }


@pytest.fixture
def runtime(start: Callable[..., Runtime]) -> Runtime:
    runtime = start()
    configure(runtime, welcome_on=True, welcome_text="Hi! Read *the guide*: https://example.com/g.")
    return runtime


def test_a_new_member_is_welcomed_once_in_a_thread_of_their_own(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    ce_id = deliver(CREATED, membership())
    deliver(CREATED, membership(), ce_id=ce_id)  # Pub/Sub redelivers
    deliver(CREATED, membership())  # Workspace publishes the same change twice
    (welcome,) = posted(emu, SPACE)
    assert welcome["text"] == f"Welcome, <{NEWCOMER}>!"
    assert welcome["thread"]["threadKey"] == "nudge-welcome-100000000000000000007"
    card = welcome["cardsV2"][0]
    assert card["cardId"] == "welcome"
    paragraph = card["card"]["sections"][0]["widgets"][0]["textParagraph"]["text"]
    assert paragraph == (
        'Hi! Read <b>the guide</b>: <a href="https://example.com/g">https://example.com/g</a>.'
    )
    # Someone else gets their own welcome in their own thread.
    deliver(CREATED, membership("users/100000000000000000008"))
    threads = {m["thread"]["threadKey"] for m in posted(emu, SPACE)}
    assert threads == {"nudge-welcome-100000000000000000007", "nudge-welcome-100000000000000000008"}


def test_rejoining_later_is_a_new_welcome(runtime: Runtime, emu: ChatEmulator) -> None:
    deliver(CREATED, membership(joined="2026-11-30T10:00:00Z"))
    deliver(CREATED, membership(joined="2026-12-05T10:00:00Z"))
    assert len(posted(emu, SPACE)) == 2


@pytest.mark.parametrize(
    "payload",
    [
        membership(kind="BOT"),  # apps, Nudge included
        membership("users/app", kind="BOT"),
        membership(state="INVITED"),  # not in the space yet
    ],
)
def test_apps_and_invitations_get_no_welcome(
    runtime: Runtime, emu: ChatEmulator, payload: dict[str, Any]
) -> None:
    deliver(CREATED, payload)
    assert posted(emu, SPACE) == []


def test_a_stale_event_and_a_switched_off_welcome_post_nothing(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    old = (datetime.now(UTC) - timedelta(days=2)).isoformat().replace("+00:00", "Z")
    deliver(CREATED, membership(), time=old)
    assert posted(emu, SPACE) == []
    configure(runtime, welcome_on=False)
    deliver(CREATED, membership())
    assert posted(emu, SPACE) == []


def test_a_batch_of_new_members_welcomes_each(runtime: Runtime, emu: ChatEmulator) -> None:
    batch = {
        "memberships": [
            membership("users/100000000000000000007"),
            membership("users/100000000000000000008"),
        ]
    }
    ce_id = deliver(CHAT + "membership.v1.batchCreated", batch)
    deliver(CHAT + "membership.v1.batchCreated", batch, ce_id=ce_id)
    assert len(posted(emu, SPACE)) == 2


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<users/all> <b>x</b>", "&lt;users/all&gt; &lt;b&gt;x&lt;/b&gt;"),
        ('<a href="javascript:x">y</a>', "&lt;a href=&quot;javascript:x&quot;&gt;y&lt;/a&gt;"),
        ("*bold* and _it_\nnext", "<b>bold</b> and <i>it</i><br>next"),
        ("snake_case_name", "snake_case_name"),
        ("http://plain.example", "http://plain.example"),  # only https links
        (
            'https://x.example/"onmouseover=alert(1)',
            '<a href="https://x.example/">https://x.example/</a>&quot;onmouseover=alert(1)',
        ),
        (
            "https://x.example/a_b_c?q=1&r=2",
            '<a href="https://x.example/a_b_c?q=1&amp;r=2">https://x.example/a_b_c?q=1&amp;r=2</a>',
        ),
    ],
)
def test_the_managers_text_is_escaped_with_a_small_formatting_subset(text: str, html: str) -> None:
    assert format_welcome(text) == html
