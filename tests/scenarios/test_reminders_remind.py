"""``/remind`` and "remind me to …" through the deployed chat_app, in both formats.

Times are chosen relative to the real clock ("in 10 minutes", "tomorrow at 9am"),
since the feature reads it (``zones.now_utc``); assertions compare local wall-clock
times, never fixed dates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.schedules.schedule import Schedule
from shared.store.reminders import Reminder
from shared.store.users import ZoneSource
from tests.scenarios.conftest import ChatHarness
from tests.scenarios.test_reminders_kit import (
    ADA,
    ADA_DM,
    BERLIN,
    BOB,
    FORMATS,
    SPACE,
    ChatSession,
    session_factory,
)

NY = "America/New_York"
Session = Callable[[str], ChatSession]


@pytest.fixture
def chat_session(make_harness: Callable[..., ChatHarness]) -> Callable[[str], ChatSession]:
    return session_factory(make_harness)


def stored(session: ChatSession, owner: str = ADA.user["name"]) -> list[Reminder]:
    return list(session.services.reminders().owned_by(owner, limit=100).items)


def only(session: ChatSession) -> Reminder:
    reminders = stored(session)
    assert len(reminders) == 1, reminders
    return reminders[0]


def local_fire(reminder: Reminder, zone: str) -> datetime:
    assert reminder.next_fire is not None
    return datetime.fromtimestamp(reminder.next_fire, tz=UTC).astimezone(ZoneInfo(zone))


@pytest.mark.parametrize("kind", FORMATS)
def test_a_relative_reminder_needs_no_zone_and_says_which_zone_it_is_shown_in(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    before = datetime.now(UTC)
    answer = session.say("/remind me to stretch in 10 minutes")
    assert (answer.kind, answer.private, answer.card_ids) == ("new", True, ["reminder-set"])
    text = answer.card_text()
    assert "stretch" in text
    assert "(in 10 minutes)" in text
    assert "Shown in UTC" in text  # never UTC silently
    assert "your direct messages with Nudge" in text  # "me", set in a space
    reminder = only(session)
    assert reminder.id in text
    assert (reminder.space, reminder.origin_space, reminder.mention) == ("", SPACE, "")
    assert reminder.next_fire is not None
    assert 590 <= reminder.next_fire - before.timestamp() <= 610
    labels = [b.label for b in answer.buttons()]
    assert labels == ["Undo", "My reminders", "Use my time zone"]

    # "Use my time zone": the click carries it; the card is redrawn in that zone.
    redrawn = session.press(answer.button("Use my time zone"), zone=BERLIN, message=answer)
    assert redrawn.kind == "update"
    assert "Shown in UTC" not in redrawn.card_text()
    assert "CET" in redrawn.card_text() or "CEST" in redrawn.card_text()
    prefs = session.services.users().get_user(ADA.user["name"])
    assert prefs is not None
    assert (prefs.zone, prefs.zone_source) == (BERLIN, ZoneSource.CHAT)

    listed = session.press(redrawn.button("My reminders"), message=redrawn)
    assert (listed.kind, listed.card_ids) == ("update", ["reminder-list"])
    undone = session.press(redrawn.button("Undo"), message=redrawn)
    assert undone.kind == "update"
    assert f"Deleted {reminder.id}: “stretch”." in undone.card_text()
    assert stored(session) == []


@pytest.mark.parametrize("kind", FORMATS)
def test_a_here_reminder_repeats_every_weekday_on_the_users_wall_clock(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    session.say("/remind timezone Europe/Berlin")
    answer = session.say("/remind here stand-up every weekday at 9:30am")
    text = answer.card_text()
    assert "every weekday at 9:30 AM" in text
    assert "this space" in text
    reminder = only(session)
    assert (reminder.space, reminder.zone) == (SPACE, BERLIN)
    schedule = Schedule.from_storage(reminder.schedule)
    assert schedule.rule is not None
    assert "BYDAY=MO,TU,WE,TH,FR" in schedule.rule
    fire = local_fire(reminder, BERLIN)
    assert (fire.hour, fire.minute, fire.weekday() < 5) == (9, 30, True)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_mentioned_person_is_reminded_in_their_dm_and_nudged_until_done(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    session.say("/remind timezone Europe/Berlin")
    answer = session.say(
        "/remind @Bob Stone to send the report tomorrow at 4pm "
        "and nudge every 30 minutes until done",
        mentions=[BOB],
    )
    assert answer.card_ids == ["reminder-set"], answer.text
    text = answer.card_text()
    assert "@Bob Stone: send the report" in text
    assert "@Bob Stone's direct messages with Nudge" in text
    assert "nudging every 30 minutes until done (at most 24 times)" in text
    reminder = only(session)
    assert (reminder.mention, reminder.space, reminder.text) == (
        BOB.user["name"],
        "",
        "send the report",
    )
    assert (reminder.nag_every, reminder.nag_cap) == (1800, 24)
    fire = local_fire(reminder, BERLIN)
    tomorrow = (datetime.now(UTC).astimezone(ZoneInfo(BERLIN)) + timedelta(days=1)).date()
    assert (fire.date(), fire.hour, fire.minute) == (tomorrow, 16, 0)


@pytest.mark.parametrize("kind", FORMATS)
def test_only_people_actually_mentioned_can_be_reminded(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    for line in ("/remind <users/all> hi in 5 minutes", "/remind <users/222> hi in 5 minutes"):
        answer = session.say(line)
        assert answer.private
        assert "only remind people you @-mention" in answer.text
    assert stored(session) == []
    mine = session.say("/remind @Ada Lovelace to breathe in 5 minutes", mentions=[ADA])
    assert mine.card_ids == ["reminder-set"]
    assert only(session).mention == ""  # mentioning yourself is "me"


@pytest.mark.parametrize("kind", FORMATS)
def test_remind_me_to_in_a_dm_is_a_plain_message(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    answer = session.say("remind me to drink water in 2 hours", ADA_DM)
    assert (answer.kind, answer.private) == ("new", False)  # a DM is private already
    assert "this conversation" in answer.card_text()
    reminder = only(session)
    assert (reminder.text, reminder.space) == ("drink water", ADA_DM.space)


@pytest.mark.parametrize("kind", FORMATS)
def test_grammar_errors_answer_privately_with_a_suggestion(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    session.say("/remind timezone Europe/Berlin")
    answer = session.say("/remind me to call *mom* on Feb 30")
    assert (answer.kind, answer.private) == ("new", True)
    assert answer.text.startswith("I couldn't set that reminder. February has no 30th.")
    message, suggestion = answer.text.split("\nTry: ")
    # The suggestion is inline code (copyable, no formatting); nothing else formats.
    assert suggestion == "`/remind me to call *mom* on Feb 28`"
    assert "*" not in message
    assert stored(session) == []
    missing = session.say("/remind me to call mom")
    assert "When should I remind you?" in missing.text


@pytest.mark.parametrize("kind", FORMATS)
def test_an_unknown_zone_asks_with_one_click_that_creates_the_reminder(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    asked = session.say("/remind me to call mom tomorrow at 9am")
    assert (asked.private, asked.card_ids) == (True, ["reminder-zone"])
    assert stored(session) == []
    set_it = asked.button("Set it")
    assert set_it.params["command"] == "me to call mom tomorrow at 9am"

    done = session.press(set_it, zone=NY, message=asked)
    assert (done.kind, done.card_ids) == ("update", ["reminder-set"])
    reminder = only(session)
    assert reminder.zone == NY
    fire = local_fire(reminder, NY)
    tomorrow = (datetime.now(UTC).astimezone(ZoneInfo(NY)) + timedelta(days=1)).date()
    assert (fire.date(), fire.hour, fire.minute) == (tomorrow, 9, 0)
    assert "Shown in" not in done.card_text()
    prefs = session.services.users().get_user(ADA.user["name"])
    assert prefs is not None
    assert (prefs.zone, prefs.zone_source) == (NY, ZoneSource.CHAT)

    again = session.press(set_it, zone=NY, message=asked)  # a double click
    assert again.card_ids == ["reminder-set"]
    assert len(stored(session)) == 1

    direct = session.say("/remind me to call dad tomorrow at 10am")  # the zone is known now
    assert direct.card_ids == ["reminder-set"]


@pytest.mark.parametrize("kind", FORMATS)
def test_a_click_without_a_zone_says_how_to_set_it(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    asked = session.say("/remind here stand-up every weekday at 9:30am")
    answer = session.press(asked.button("Set it"), zone=None, message=asked)
    assert answer.kind == "update"
    assert "/remind timezone Europe/Berlin" in answer.card_text()
    assert stored(session) == []


@pytest.mark.parametrize("kind", FORMATS)
def test_remind_timezone_shows_sets_and_refuses(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    unknown = session.say("/remind timezone")
    assert "doesn't know your time zone yet" in unknown.card_text()
    learned = session.press(unknown.button("Use my Chat time zone"), zone=NY, message=unknown)
    assert "America/New_York" in learned.card_text()
    assert "from Google Chat" in learned.card_text()

    refused = session.say("/remind timezone UTC+2")
    assert refused.private
    assert "not a time zone I know" in refused.text
    set_ = session.say("/remind timezone Europe/Berlin")
    assert "Nudge now uses <b>Europe/Berlin</b>" in set_.card_text()
    assert "you set it" in set_.card_text()

    # An explicit zone wins over what a later click carries.
    session.press(unknown.button("Use my Chat time zone"), zone=NY, message=unknown)
    prefs = session.services.users().get_user(ADA.user["name"])
    assert prefs is not None
    assert (prefs.zone, prefs.zone_source) == (BERLIN, ZoneSource.EXPLICIT)


@pytest.mark.parametrize("kind", FORMATS)
def test_help_list_and_delete_by_id(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    assert session.say("/remind help").card_ids == ["reminder-help"]
    session.say("/remind me to stretch in 10 minutes")
    reminder = only(session)
    listed = session.say("/remind list")
    assert listed.card_ids == ["reminder-list"]
    assert "stretch" in listed.card_text()
    other = session.say(f"/remind delete {reminder.id}", BOB)
    assert "You have no reminder" in other.text
    assert len(stored(session)) == 1
    deleted = session.say(f"/remind delete {reminder.id}")
    assert f"Deleted reminder {reminder.id}" in deleted.text
    assert stored(session) == []


@pytest.mark.parametrize("kind", FORMATS)
def test_a_person_has_at_most_200_reminders(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    first = session.say("/remind me to stretch in 10 minutes")
    assert first.card_ids == ["reminder-set"]
    template = only(session)
    store = session.services.reminders()
    for n in range(199):
        store.add(Reminder(**{**_fields(template), "id": f"rfill{n:04d}"}))
    answer = session.say("/remind me to one more thing in 10 minutes")
    assert "You have 200 reminders, the most Nudge keeps for one person" in answer.text
    assert session.services.reminders().owned_by(ADA.user["name"]).total == 200


def _fields(reminder: Reminder) -> dict[str, object]:
    return {name: getattr(reminder, name) for name in reminder.__dataclass_fields__}
