"""Hostile text in reminders: the reminder text, people's and spaces' names, time zones.

Nothing a user or Chat supplies may form a mention, a link or markup in what Nudge
shows. Button parameters are data Chat hands back, never shown, so they keep the
text as typed (a pending ``/remind`` line must survive the round trip intact).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from devkit.sample_events import Persona
from shared.chat.render import render_message
from shared.features.reminders import model
from shared.features.reminders.cards import delivered_reply
from tests.scenarios.conftest import ENDPOINT_URL, ChatHarness
from tests.scenarios.test_hostile_input import DANGEROUS, HOSTILE
from tests.scenarios.test_reminders_kit import (
    ADA,
    FORMATS,
    SPACE,
    Answer,
    ChatSession,
    session_factory,
)
from tests.scenarios.test_reminders_remind import only, stored

Session = Callable[[str], ChatSession]


@pytest.fixture
def chat_session(make_harness: Callable[..., ChatHarness]) -> Callable[[str], ChatSession]:
    return session_factory(make_harness)


#: A person whose display name tries every trick.
MALLORY = Persona(user_id="666", display_name=HOSTILE, email="m@example.com", space=SPACE)
#: Ada, in a space whose name tries every trick.
ADA_IN_HOSTILE_SPACE = replace(ADA, space_display_name=HOSTILE)


def shown(value: Any) -> Any:
    """What people see: everything but card headers (plain text) and action parameters."""
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items() if k not in ("header", "parameters")}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


def assert_inert(answer: Answer | dict[str, Any]) -> None:
    body = answer.raw if isinstance(answer, Answer) else answer
    text = json.dumps(shown(body), ensure_ascii=False)
    for bad in DANGEROUS:
        assert bad not in text, (bad, text[:600])


@pytest.mark.parametrize("kind", FORMATS)
def test_hostile_reminder_text_is_inert_everywhere_it_shows(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    session.say("/remind timezone Europe/Berlin")
    created = session.say(f"/remind here “{HOSTILE}” every day at 9am", ADA_IN_HOSTILE_SPACE)
    assert created.card_ids == ["reminder-set"], created.text
    assert_inert(created)
    assert "this space (&lt;users/all&gt; &lt;https://evil.example|Click" in created.card_text()
    reminder = only(session)
    assert reminder.text == HOSTILE  # stored as typed; escaped where shown

    assert_inert(session.say("/reminders"))

    assert reminder.next_fire is not None
    claimed = replace(reminder, lease_owner="t", lease_fire=reminder.next_fire)
    fired = datetime.fromtimestamp(reminder.next_fire, tz=UTC)
    reply = delivered_reply(claimed, now=fired, late=True, skipped=1)
    body = render_message(reply, addon=kind == "addon", endpoint_url=ENDPOINT_URL)
    assert_inert(body)
    assert "<users/" not in body["text"]  # no mention at all: it's a space reminder
    post = Answer("new", message=body | {"name": f"{SPACE}/messages/p"}, raw=body)
    assert session.services.reminders().save(model.delivered(claimed, message="m", now=fired))
    done = session.press(post.button("Done"), MALLORY, message=post)
    assert_inert(done)
    assert "Done ✓ by &lt;users/all&gt;" in done.card_text()
    assert_inert(session.press(post.button("1 hour"), ADA, message=post))

    problem = session.say(f"/remind me to {HOSTILE}")  # no time: the suggestion quotes it
    assert "When should I remind you?" in problem.text
    assert_inert(problem)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_hostile_name_of_the_person_reminded_is_inert(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    asked = session.say(f"/remind @{HOSTILE} to look at this tomorrow at 9am", mentions=[MALLORY])
    assert asked.card_ids == ["reminder-zone"], asked.text
    assert_inert(asked)
    set_it = asked.button("Set it")
    assert set_it.params["command"] == "<users/666> to look at this tomorrow at 9am"
    assert set_it.params["who_name"] == HOSTILE
    done = session.press(set_it, message=asked)
    assert done.card_ids == ["reminder-set"]
    assert_inert(done)
    assert only(session).mention == "users/666"


@pytest.mark.parametrize("kind", FORMATS)
def test_hostile_time_zones_are_refused_and_never_shown_raw(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    for zone in (HOSTILE, "<users/all>", "../../etc/passwd", "Europe/" + "x" * 200):
        refused = session.say(f"/remind timezone {zone}")
        if len(zone.split()) == 1:
            assert "not a time zone I know" in refused.text
        assert_inert(refused)
    asked = session.say("/remind me to call mom tomorrow at 9am")
    answer = session.press(asked.button("Set it"), zone="<users/all>", message=asked)
    assert "didn't send your time zone" in answer.card_text()  # a bad zone is no zone
    assert_inert(answer)
    assert stored(session) == []
    assert session.services.users().get_user(ADA.user["name"]) is None
