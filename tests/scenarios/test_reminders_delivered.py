"""The delivered post's Done and Snooze buttons, pressed as Chat would, and Nudge leaving a space.

The post is built with ``cards.delivered_reply`` and rendered with ``render_message``,
as the tick does; the reminder is moved on with ``model.delivered``, as the tick does
once it has posted. The buttons are then pressed on that message through chat_app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from devkit.sample_events import Persona
from shared.chat.render import render_message
from shared.features.reminders import model
from shared.features.reminders.cards import delivered_reply
from shared.store.reminders import Reminder, ReminderState
from tests.scenarios.conftest import ENDPOINT_URL, ChatHarness
from tests.scenarios.test_reminders_kit import (
    ADA,
    BOB,
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


ELSEWHERE = Persona(user_id="111", display_name="Ada Lovelace", space="spaces/BBBBother")


def deliver(session: ChatSession, reminder: Reminder, *, kind: str) -> tuple[Answer, Reminder]:
    """Post ``reminder``'s pending delivery as the tick would; return the post and the moved one."""
    assert reminder.next_fire is not None
    claimed = replace(reminder, lease_owner="tick-test", lease_fire=reminder.next_fire)
    fired = datetime.fromtimestamp(reminder.next_fire, tz=UTC)
    reply = delivered_reply(claimed, now=fired, late=False, skipped=0)
    body = render_message(reply, addon=kind == "addon", endpoint_url=ENDPOINT_URL)
    name = f"{reminder.space or SPACE}/messages/delivered-{reminder.id}"
    moved = model.delivered(claimed, message=name, now=fired)
    saved = session.services.reminders().save(moved)
    assert saved is not None
    post = Answer("new", message=body | {"name": name})
    from tests.scenarios.test_events import strict_message

    strict_message(post.message)
    return post, saved


def set_up(session: ChatSession, line: str, persona: Persona = ADA) -> Reminder:
    session.say("/remind timezone Europe/Berlin", persona)
    answer = session.say(line, persona)
    assert answer.card_ids == ["reminder-set"], answer.text
    return only(session)


@pytest.mark.parametrize("kind", FORMATS)
def test_the_post_carries_done_and_snooze_with_the_occurrence_key(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    reminder = set_up(session, "/remind here stand-up every weekday at 9:30am")
    post, _ = deliver(session, reminder, kind=kind)
    assert post.text == "⏰ stand-up"
    key = model.key_of(model.occurrence_of(reminder))
    labels = [b.label for b in post.buttons()]
    assert labels == [
        "Done",
        "Snooze 20 minutes",
        "1 hour",
        "3 hours",
        "Tomorrow 9:00",
        "Next Monday 9:00",
    ]
    assert {b.function for b in post.buttons()} == {"reminders.done", "reminders.snooze"}
    assert all(b.params["id"] == reminder.id and b.params["key"] == key for b in post.buttons())


@pytest.mark.parametrize("kind", FORMATS)
def test_anyone_in_the_space_may_mark_a_space_reminder_done(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    reminder = set_up(
        session, "/remind here stand-up every day at 9am and nudge every 30 minutes until done"
    )
    post, moved = deliver(session, reminder, kind=kind)
    assert model.nag_number(moved) == 1  # a nudge is pending for this occurrence
    done = session.press(post.button("Done"), BOB, message=post)
    assert done.kind == "update"
    assert done.text == "⏰ stand-up"
    assert "Done ✓ by Bob Stone" in done.card_text()
    assert "Next" in done.card_text()
    assert [b.label for b in done.buttons()] == []
    after = only(session)
    assert model.nag_number(after) == 0
    assert model.occurrence_key(after) != model.occurrence_key(reminder)  # on to tomorrow

    again = session.press(post.button("Done"), ADA, message=post)  # a stale card: no change
    assert "Done ✓ by Ada Lovelace" in again.card_text()
    assert only(session) == after


@pytest.mark.parametrize("kind", FORMATS)
def test_snoozing_the_pending_occurrence_moves_it(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    reminder = set_up(
        session, "/remind here stand-up every day at 9am and nudge every 30 minutes until done"
    )
    post, _ = deliver(session, reminder, kind=kind)
    answer = session.press(post.button("1 hour"), ADA, message=post)
    assert answer.kind == "update"
    assert "Snoozed until" in answer.card_text()
    assert "by Ada Lovelace" in answer.card_text()
    after = only(session)
    assert model.snoozed_until(after) is not None
    assert after.next_fire == pytest.approx(datetime.now(UTC).timestamp() + 3600, abs=15)
    assert model.occurrence_key(after) == model.occurrence_key(reminder)
    # The updated post keeps Done for that same occurrence.
    finish = session.press(answer.button("Done"), ADA, message=answer)
    assert "Done ✓ by Ada Lovelace" in finish.card_text()
    assert model.snoozed_until(only(session)) is None


@pytest.mark.parametrize("kind", FORMATS)
def test_snoozing_a_finished_one_off_posts_it_again_later(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    reminder = set_up(session, "/remind here lunch in 10 minutes")
    post, moved = deliver(session, reminder, kind=kind)
    assert moved.state is ReminderState.DONE
    answer = session.press(post.button("Snooze 20 minutes"), ADA, message=post)
    assert answer.kind == "update"
    (copy,) = [r for r in stored(session) if r.id != reminder.id]
    assert (copy.text, copy.space, copy.thread_key) == ("lunch", SPACE, reminder.thread_key)
    assert copy.state is ReminderState.ACTIVE
    assert copy.next_fire == pytest.approx(datetime.now(UTC).timestamp() + 1200, abs=15)
    assert answer.button("Done").params["id"] == copy.id
    twice = session.press(post.button("Snooze 20 minutes"), ADA, message=post)
    assert twice.kind == "update"
    assert len(stored(session)) == 1  # the same click twice snoozes once (the original is done)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_wall_clock_snooze_needs_the_zone_and_elapsed_ones_do_not(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    answer = session.say("/remind here lunch in 10 minutes")
    post, _ = deliver(session, only(session), kind=kind)
    refused = session.press(post.button("Tomorrow 9:00"), ADA, zone=None, message=post)
    assert (refused.kind, refused.private) == ("new", True)
    assert "/remind timezone Europe/Berlin" in refused.text
    snoozed = session.press(post.button("Snooze 20 minutes"), ADA, zone=None, message=post)
    assert snoozed.kind == "update"
    assert "UTC" in snoozed.card_text()
    assert answer.private


@pytest.mark.parametrize("kind", FORMATS)
def test_others_are_refused_politely(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    here = set_up(session, "/remind here stand-up every day at 9am")
    post, before = deliver(session, here, kind=kind)
    refused = session.press(post.button("1 hour"), BOB, message=post)
    assert (refused.kind, refused.private) == ("new", True)
    assert "Only the person who set this reminder (or the one it reminds)" in refused.text
    assert only(session) == before

    session.services.reminders().delete(here.id)
    mine = session.say("/remind me to stretch every day at 3pm")
    assert mine.card_ids == ["reminder-set"]
    post, before = deliver(session, only(session), kind=kind)
    refused = session.press(post.button("Done"), BOB, message=post)
    assert "This reminder isn't yours to mark done." in refused.text
    assert only(session) == before


@pytest.mark.parametrize("kind", FORMATS)
def test_the_person_reminded_may_snooze(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    session.say("/remind timezone Europe/Berlin")
    answer = session.say("/remind @Bob Stone to ship it in 10 minutes", mentions=[BOB])
    reminder = only(session)
    assert reminder.mention == BOB.user["name"]
    post, _ = deliver(session, reminder, kind=kind)
    assert post.text.startswith(f"<{BOB.user['name']}> ⏰ ship it")
    snoozed = session.press(post.button("3 hours"), BOB, message=post)
    assert snoozed.kind == "update"
    assert answer.card_ids == ["reminder-set"]


@pytest.mark.parametrize("kind", FORMATS)
def test_a_deleted_reminder_still_takes_done(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    reminder = set_up(session, "/remind here lunch in 10 minutes")
    post, _ = deliver(session, reminder, kind=kind)
    session.services.reminders().delete(reminder.id)
    done = session.press(post.button("Done"), BOB, message=post)
    assert done.kind == "update"
    assert done.text == "⏰ lunch"
    assert "Done ✓ by Bob Stone" in done.card_text()
    gone = session.press(post.button("1 hour"), ADA, message=post)
    assert "no longer exists" in gone.card_text()
    assert gone.text == "⏰ lunch"  # the post keeps its text


@pytest.mark.parametrize("kind", FORMATS)
def test_removing_nudge_from_a_space_pauses_what_posts_there(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    session.say("/remind timezone Europe/Berlin")
    session.say("/remind here stand-up every weekday at 9:30am")
    session.say("/remind me to stretch every day at 3pm")  # set here, posts in Ada's DM
    session.say("/remind here retro every Friday at 4pm", ELSEWHERE)
    assert session.removed(ADA).kind == "ack"
    states = {r.text: (r.space, r.state) for r in stored(session)}
    assert states == {
        "stand-up": (SPACE, ReminderState.PAUSED),
        "stretch": ("", ReminderState.ACTIVE),
        "retro": (ELSEWHERE.space, ReminderState.ACTIVE),
    }
    listed = session.say("/reminders")
    assert "Paused: Nudge was removed from its space" in listed.card_text()
    versions = {r.id: r.version for r in stored(session)}
    assert session.removed(ADA).kind == "ack"  # twice changes nothing
    assert {r.id: r.version for r in stored(session)} == versions
    # Added back: the welcome card still answers, and the space's reminders carry on.
    welcome = session.added(ADA)
    assert "welcome" in welcome.card_ids
    states = {r.text: r.state for r in stored(session)}
    assert states == {
        "stand-up": ReminderState.ACTIVE,
        "stretch": ReminderState.ACTIVE,
        "retro": ReminderState.ACTIVE,
    }


def test_a_late_catch_up_nudge_says_so() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    due = now - timedelta(hours=2)
    from shared.schedules.schedule import Schedule

    reminder = Reminder(
        id="rlatelate",
        owner=ADA.user["name"],
        text="backup",
        space=SPACE,
        origin_space=SPACE,
        schedule=Schedule.once_at(due, "Europe/Berlin").to_storage(),
        zone="Europe/Berlin",
        next_fire=due.timestamp(),
        due_key=model.key_of(due) + "#nag2",
        nag_every=600,
        nag_cap=5,
    )
    text = delivered_reply(reminder, now=now, late=True, skipped=2).text
    assert text.splitlines() == [
        "⏰ backup",
        f"_Late: this was due {model_local(due)}._",
        "_2 earlier reminders were skipped while Nudge was down._",
        "_Nudge 2 of 5: click Done to stop._",
    ]


def model_local(instant: datetime) -> str:
    from shared.schedules.describe import format_local

    return format_local(instant, "Europe/Berlin")
