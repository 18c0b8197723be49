"""``/meet`` lines → title, start, length and guests (pure: ``now`` and the zone are given)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.chat.events.models import Annotation, Message, User, UserType
from shared.features.meetings.meet_guests import mentioned_people, with_mentions
from shared.features.meetings.meet_parse import (
    DEFAULT_LENGTH,
    MeetError,
    MeetRequest,
    parse_meet,
    start_of,
)

# Wednesday 10 June 2026, 17:00 in Berlin (CEST), 11:00 in New York (EDT).
NOW = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
BERLIN, NY = "Europe/Berlin", "America/New_York"
ME = "users/9"
PEOPLE = {"users/1": "Ada Lovelace", "users/2": "Bob Stone", ME: "Me"}


def parse(text: str, zone: str | None = BERLIN) -> MeetRequest:
    return parse_meet(text, now=NOW, zone=zone, people=PEOPLE, caller=ME)


def refused(text: str, zone: str | None = BERLIN) -> MeetError:
    with pytest.raises(MeetError) as caught:
        parse(text, zone)
    return caught.value


def test_the_issue_example() -> None:
    asked = parse("Design review tomorrow at 3pm for 45m with <users/1> <users/2>")
    assert asked.title == "Design review"
    assert asked.start == datetime(2026, 6, 11, 13, 0, tzinfo=UTC)  # 15:00 CEST
    assert asked.length == timedelta(minutes=45)
    assert asked.people == ("users/1", "users/2")
    assert not asked.everyone
    assert asked.when_text == "tomorrow at 3pm"


@pytest.mark.parametrize(
    ("phrase", "minutes"),
    [
        ("", 30),
        (" for 45m", 45),
        (" for 1h", 60),
        (" for 90 minutes", 90),
        (" for 1.5 hours", 90),
        (" for an hour", 60),
        (" for half an hour", 30),
        (" for 1h30m", 90),
        (" for 1 hour and 15 minutes", 75),
        (" for 24 hours", 24 * 60),
    ],
)
def test_lengths(phrase: str, minutes: int) -> None:
    assert parse(f"Sync tomorrow at 9am{phrase}").length == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("Sync tomorrow at 9am for 25 hours", "at most 24 hours"),
        ("Sync tomorrow at 9am for 2 minutes", "at least 5 minutes"),
        ("Sync tomorrow at 9am for 2 months", "minutes or hours"),
    ],
)
def test_impossible_lengths_are_refused_with_a_line_that_works(line: str, says: str) -> None:
    error = refused(line)
    assert says in error.message
    assert error.example == "/meet Sync tomorrow at 9am for 45m"
    assert parse(error.example.removeprefix("/meet ")).length == timedelta(minutes=45)


def test_the_parts_may_come_in_other_orders() -> None:
    assert parse("tomorrow at 3pm Design review").title == "Design review"
    asked = parse("Design review with <users/1> for 1h tomorrow at 3pm")
    assert (asked.title, asked.people, asked.length) == (
        "Design review",
        ("users/1",),
        timedelta(hours=1),
    )


def test_for_and_with_that_are_not_clauses_stay_in_the_title() -> None:
    assert parse("Lunch for 10 people tomorrow at noon").title == "Lunch for 10 people"
    assert parse("Prep for launch tomorrow at 3pm").title == "Prep for launch"
    assert parse("Coffee with the team tomorrow at 3pm").title == "Coffee with the team"


def test_guests_everyone_emails_and_joins() -> None:
    asked = parse("Retro tomorrow at 10am with everyone, <users/1> and Ada@Example.com")
    assert asked.everyone
    assert asked.people == ("users/1",)
    assert asked.emails == ("ada@example.com",)
    assert parse("Retro tomorrow at 10am with the space").everyone
    assert parse("Retro tomorrow at 10am with all of us").everyone


def test_the_caller_is_never_a_guest_and_a_mention_elsewhere_invites() -> None:
    assert parse("1:1 with me and <users/9> tomorrow at 10am").people == ()
    asked = parse("1:1 <users/1> tomorrow at 10am")
    assert asked.people == ("users/1",)
    assert asked.title == "1:1 Ada Lovelace"


def test_a_typed_mention_nobody_made_is_text() -> None:
    asked = parse("Party <users/all> tomorrow at 5pm")
    assert (asked.people, asked.everyone) == ((), False)
    assert asked.title == "Party <users/all>"
    error = refused("Party tomorrow at 5pm with <users/all>")
    assert "<users/all>" in error.example


def test_a_quoted_title_may_hold_time_words() -> None:
    asked = parse('"Monday planning at 9" tomorrow at 10am')
    assert asked.title == "Monday planning at 9"
    assert asked.start == datetime(2026, 6, 11, 8, 0, tzinfo=UTC)


def test_two_times_are_not_guessed_between() -> None:
    error = refused("Monday planning tomorrow at 10am")
    assert "two times" in error.message
    assert error.example == '/meet "Monday planning" tomorrow at 10am'
    assert parse(error.example.removeprefix("/meet ")).title == "Monday planning"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("Sync today at 9am", "has already passed"),
        ("Sync on 2025-01-01 at 3pm", "has already passed"),
        ("Review on Feb 30 at 3pm", "February has no 30th"),
        ("Sync at 5", "could mean 5 AM or PM"),
        ("Standup every weekday at 9am", "one meeting"),
        ("Design review", "When is the meeting?"),
        ("tomorrow at 3pm", "What is the meeting called?"),
        ("", "what the meeting is called"),
        ("x" * 301 + " tomorrow at 3pm", "too long"),
        ("x " * 800, "too long"),
    ],
)
def test_refusals(line: str, says: str) -> None:
    error = refused(line)
    assert says in error.message
    assert error.example.startswith("/meet ")


def test_a_refused_example_names_people_not_ids() -> None:
    error = refused("Sync with <users/1> for 30 hours tomorrow at 3pm")
    assert "<users/" not in error.example


def test_without_a_zone_wall_clock_times_wait_and_elapsed_ones_do_not() -> None:
    assert parse("Sync tomorrow at 9am", zone=None).start is None
    assert parse("Sync tomorrow at 9am", zone=None).needs_zone
    asked = parse("Sync in 10 minutes", zone=None)
    assert asked.start == NOW + timedelta(minutes=10)
    assert asked.length == DEFAULT_LENGTH
    assert "has already passed" in refused("Sync on 2025-01-01 at 3pm", zone=None).message


def test_elapsed_times_start_on_a_whole_minute() -> None:
    now = NOW + timedelta(seconds=20)
    asked = parse_meet("Sync in 10 minutes", now=now, zone=NY)
    assert asked.start == datetime(2026, 6, 10, 15, 11, tzinfo=UTC)


def test_the_zone_decides_the_instant() -> None:
    assert parse("Sync tomorrow at 9am", zone=NY).start == datetime(2026, 6, 11, 13, tzinfo=UTC)
    assert start_of("tomorrow at 9am", now=NOW, zone=NY) == datetime(2026, 6, 11, 13, tzinfo=UTC)
    assert start_of("not a time", now=NOW, zone=NY) is None


def _mention(user: User, text: str, at: str) -> Annotation:
    return Annotation("USER_MENTION", text.index(at), len(at), user=user)


def test_mentions_become_tokens_bots_and_all_do_not_become_people() -> None:
    ada = User("users/1", "Ada Lovelace")
    bot = User("users/app", "Nudge", type=UserType.BOT)
    everyone = User("users/all", "all")
    text = "/meet Sync tomorrow at 3pm with @Ada Lovelace @Nudge @all"
    message = Message(
        name="spaces/S/messages/M",
        text=text,
        annotations=(
            _mention(ada, text, "@Ada Lovelace"),
            _mention(bot, text, "@Nudge"),
            _mention(everyone, text, "@all"),
        ),
    )
    assert mentioned_people(message) == {"users/1": "Ada Lovelace"}
    argument = with_mentions(text.removeprefix("/meet "), message)
    assert "<users/1>" in argument
    assert "Nudge" not in argument
    asked = parse_meet(argument, now=NOW, zone=BERLIN, people=mentioned_people(message))
    assert asked.people == ("users/1",)
    assert asked.everyone
    assert asked.title == "Sync"
