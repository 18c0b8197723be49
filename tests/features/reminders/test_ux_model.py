"""The small pure functions the chat side adds to ``model``: IDs, keys, snoozes, whole seconds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.features.reminders import model
from shared.schedules.grammar import ME, Nag, Recipient, RecipientKind
from shared.schedules.schedule import Schedule
from shared.store.reminders import Reminder, ReminderState
from tests.features.reminders.conftest import BERLIN, NOW, parse

OWNER = "users/1"
SPACE = "spaces/S"


def daily_nagging() -> Reminder:
    parsed = parse("me to stretch every day at 9am and nudge every 30 minutes until done", BERLIN)
    return model.create(parsed, owner=OWNER, space=SPACE, space_is_dm=False, now=NOW)


def test_id_from_is_stable_short_and_typeable() -> None:
    first = model.id_from("users/1|spaces/S/messages/M|me to x at 3pm")
    assert first == model.id_from("users/1|spaces/S/messages/M|me to x at 3pm")
    assert first != model.id_from("users/1|spaces/S/messages/N|me to x at 3pm")
    assert len(first) == 9
    assert first.startswith("r")
    assert set(first[1:]) <= set("abcdefghjkmnpqrstuvwxyz23456789")


def test_scheduled_is_what_create_builds_from_a_parse() -> None:
    parsed = parse("here stand-up every weekday at 9:30am", BERLIN)
    assert parsed.schedule is not None
    built = model.create(
        parsed, owner=OWNER, space=SPACE, space_is_dm=False, now=NOW, reminder_id="rsame0001"
    )
    direct = model.scheduled(
        parsed.schedule,
        what="stand-up",
        who=Recipient(RecipientKind.HERE),
        owner=OWNER,
        space=SPACE,
        space_is_dm=False,
        now=NOW,
        reminder_id="rsame0001",
    )
    assert built == direct
    assert (direct.space, direct.nag_every) == (SPACE, 0)
    nagging = model.scheduled(
        parsed.schedule,
        what="x",
        who=ME,
        nag=Nag(timedelta(minutes=30), 10),
        owner=OWNER,
        space=SPACE,
        space_is_dm=False,
        now=NOW,
    )
    assert (nagging.space, nagging.nag_every, nagging.nag_cap) == ("", 1800, 10)


def test_a_relative_one_off_lands_on_its_second_and_finishes_once_delivered() -> None:
    now = NOW + timedelta(microseconds=123_456)
    parsed = parse("me to stretch in 10 minutes", None, now)
    assert parsed.schedule is not None
    assert parsed.schedule.start.microsecond == 0  # schedules are whole seconds
    reminder = model.create(parsed, owner=OWNER, space=SPACE, space_is_dm=False, now=now)
    assert reminder.next_fire == (NOW + timedelta(minutes=10)).timestamp()
    fired = datetime.fromtimestamp(reminder.next_fire, tz=UTC) + timedelta(seconds=5)
    after = model.delivered(reminder, message="m", now=fired)
    assert (after.state, after.next_fire, after.due_key) == (ReminderState.DONE, None, "")


def test_keys_nags_and_pending_times() -> None:
    reminder = daily_nagging()
    key = model.occurrence_key(reminder)
    assert key == reminder.due_key
    assert model.is_pending(reminder, key)
    assert not model.is_pending(reminder, "2020-01-01T00:00:00Z")
    assert not model.is_pending(replace(reminder, state=ReminderState.PAUSED), key)
    assert model.nag_number(reminder) == 0
    fired = model.occurrence_of(reminder)
    nagging = model.delivered(reminder, message="m", now=fired)
    assert (model.nag_number(nagging), model.occurrence_key(nagging)) == (1, key)
    assert model.is_pending(nagging, key)
    assert model.pending_at(nagging) == fired + timedelta(minutes=30)
    leased = replace(nagging, lease_owner="tick", lease_fire=1.0, next_fire=9e9)
    assert model.pending_at(leased) == datetime.fromtimestamp(1.0, tz=UTC)
    assert model.occurrence_key(replace(reminder, due_key="")) == ""
    assert model.pending_at(replace(reminder, next_fire=None)) is None


def test_snoozed_until_reads_the_due_key() -> None:
    reminder = daily_nagging()
    assert model.snoozed_until(reminder) is None
    until = (NOW + timedelta(hours=3)).replace(microsecond=0)
    snoozed = model.snoozed(reminder, until=until)
    assert model.snoozed_until(snoozed) == until
    assert model.snoozed_until(replace(reminder, due_key=reminder.due_key + "#snooze-x")) is None


def test_a_snoozed_copy_posts_again_in_the_same_thread() -> None:
    reminder = model.delivered(daily_nagging(), message="spaces/S/messages/M", now=NOW)
    until = NOW + timedelta(minutes=20, microseconds=5)
    copy = model.snoozed_copy(
        reminder, schedule=Schedule.once_at(until, BERLIN), now=NOW, reminder_id="rcopy0001"
    )
    assert copy.id == "rcopy0001"
    assert (copy.text, copy.space, copy.thread_key, copy.owner) == (
        reminder.text,
        reminder.space,
        reminder.thread_key,
        reminder.owner,
    )
    assert copy.next_fire == (NOW + timedelta(minutes=20)).timestamp()
    assert (copy.state, copy.nag_count, copy.version, copy.last_message) == (
        ReminderState.ACTIVE,
        0,
        0,
        "",
    )
    assert not Schedule.from_storage(copy.schedule).is_recurring
    with pytest.raises(ValueError, match="one-off"):
        model.snoozed_copy(reminder, schedule=Schedule.from_storage(reminder.schedule), now=NOW)
    with pytest.raises(ValueError, match="future"):
        model.snoozed_copy(reminder, schedule=Schedule.once_at(NOW, BERLIN), now=NOW)
