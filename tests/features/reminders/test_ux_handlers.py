"""Handler-level rules of the reminders feature: mentions, compare-and-set, dialog schedules,
and a feature that loads without the grammar."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.chat.events.models import (
    Annotation,
    CardClickEvent,
    EventFormat,
    Message,
    Space,
    SpaceType,
    User,
    UserType,
)
from shared.chat.responses import Reply, UpdateMessage
from shared.config import Settings
from shared.core.context import Context
from shared.core.router import Router
from shared.features.reminders import actions, model
from shared.features.reminders.commands import mentioned_people, with_mentions
from shared.features.reminders.dialog import _problems, dialog_schedule
from shared.services import Lazy
from shared.store.reminders import Reminder
from shared.store.sqlite import SqliteBackend
from shared.wiring import build_services
from tests.features.reminders.conftest import BERLIN, NOW, parse

ROOT = Path(__file__).resolve().parents[3]
BOB = User("users/222", "Bob Stone")
APP = User("users/app", "Nudge", type=UserType.BOT)


def mention_at(text: str, user: User, needle: str) -> Annotation:
    return Annotation("USER_MENTION", text.index(needle), len(needle), user=user)


def test_mentions_become_what_the_grammar_reads() -> None:
    text = "@Nudge remind @Bob Stone to ask @Bob Stone's manager at 3pm"
    message = Message(
        text=text,
        argument_text=text.removeprefix("@Nudge "),
        annotations=(
            mention_at(text, APP, "@Nudge"),
            Annotation("USER_MENTION", 14, 10, user=BOB),
        ),
    )
    rebuilt = with_mentions(message.argument_text, message)
    assert rebuilt == "remind <users/222> to ask @Bob Stone's manager at 3pm"
    assert mentioned_people(message) == {"users/222": "Bob Stone"}


def test_a_mention_whose_span_is_off_is_found_by_name() -> None:
    text = "/remind 🎉 @Bob Stone party at 5pm"
    message = Message(
        text=text,
        argument_text=text.removeprefix("/remind"),
        annotations=(Annotation("USER_MENTION", 5, 10, user=BOB),),  # UTF-16 offsets, say
    )
    assert with_mentions(message.argument_text, message) == " 🎉 <users/222> party at 5pm"
    assert with_mentions("me to x", None) == "me to x"


class Conflicting:
    """A reminder store whose every ``save`` loses the race."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def save(self, reminder: Reminder) -> None:
        return None


@pytest.fixture
def ctx() -> Context:
    settings = Settings.from_env({"NUDGE_DATABASE": ":memory:", "NUDGE_VERIFY_REQUESTS": "false"})
    backend = SqliteBackend(":memory:")
    services = build_services(settings, backend=backend)
    services = dataclasses.replace(services, reminders=Lazy.of(Conflicting(backend.reminders)))
    return Context(settings, "test", Router(), services, logging.getLogger("test"))


def click(function: str, **parameters: str) -> CardClickEvent:
    return CardClickEvent(
        format=EventFormat.LEGACY,
        user=User("users/1", "Ada"),
        space=Space("spaces/S", SpaceType.SPACE),
        function=function,
        parameters=parameters,
        message=Message(name="spaces/S/messages/M", text="⏰ stretch"),
    )


def test_a_change_meanwhile_is_reported_not_overwritten(ctx: Context) -> None:
    parsed = parse("here stretch every day at 9am and nudge every 30 minutes until done", BERLIN)
    now = datetime.now(UTC)
    reminder = model.create(parsed, owner="users/1", space="spaces/S", space_is_dm=False, now=now)
    ctx.services.reminders().add(reminder)
    key = model.occurrence_key(reminder)

    on_post = actions.done(click("reminders.done", id=reminder.id, key=key), ctx)
    assert isinstance(on_post, Reply)
    assert on_post.private
    assert "changed meanwhile" in on_post.text
    on_list = actions.done(click("reminders.done", id=reminder.id, view="list", offset="0"), ctx)
    assert isinstance(on_list, UpdateMessage)
    assert (
        "changed meanwhile"
        in on_list.cards[0].to_dict()["sections"][0]["widgets"][0]["textParagraph"]["text"]
    )
    snooze = actions.snooze(click("reminders.snooze", id=reminder.id, key=key, choice="1h"), ctx)
    assert isinstance(snooze, Reply)
    assert "changed meanwhile" in snooze.text
    assert ctx.services.reminders().get(reminder.id) == reminder


@pytest.mark.parametrize(
    ("repeat", "rule_start"),
    [
        ("daily", "FREQ=DAILY;"),
        ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;"),
        ("weekly", "FREQ=WEEKLY;BYDAY=TH;"),
        ("monthly", "FREQ=MONTHLY;BYMONTHDAY=22;"),
        ("yearly", "FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=22;"),
    ],
)
def test_dialog_repeats_follow_the_wall_clock_across_dst(repeat: str, rule_start: str) -> None:
    berlin = ZoneInfo(BERLIN)
    picked = datetime(2026, 10, 22, 9, 15, 30, tzinfo=berlin)  # a Thursday, before fall-back
    schedule = dialog_schedule(picked.astimezone(UTC), BERLIN, repeat)
    assert schedule.rule is not None
    assert schedule.rule.startswith(rule_start)
    fires = schedule.occurrences(picked - timedelta(minutes=1), 3)
    assert fires[0] == picked.replace(second=0)
    assert all(f.astimezone(berlin).strftime("%H:%M") == "09:15" for f in fires)


def test_a_one_off_from_the_dialog_is_the_instant_picked() -> None:
    picked = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # the night Berlin springs forward
    schedule = dialog_schedule(picked, BERLIN, "once")
    assert schedule.occurrences(picked - timedelta(hours=1), 5) == [picked]


def test_dialog_problems() -> None:
    soon = NOW + timedelta(hours=1)
    assert _problems("x", soon, "once", None, NOW) == []
    assert _problems("x", soon, "daily", BERLIN, NOW) == []
    assert _problems("", None, "sometimes", None, NOW) == [
        "Say what to remind you of.",
        "Pick how often it repeats.",
        "Pick a date and a time.",
        "A repeating reminder follows your time zone, and Chat didn't send it. "
        "Set it with /remind timezone Europe/Berlin, then try again.",
    ]
    assert _problems("x" * 1001, soon, "once", None, NOW) == [
        "The text is too long: 1000 characters at most."
    ]


def test_loading_the_feature_loads_no_grammar_schedule_or_dateutil() -> None:
    """Every cold start loads the feature (``/help`` included); only ``/remind`` pays for more."""
    probe = (
        "import sys, shared.features.reminders as r; assert r.feature.name == 'reminders'; "
        "print(sorted(m for m in sys.modules if m.startswith('dateutil') or m in "
        "('shared.schedules.grammar', 'shared.schedules.schedule', "
        "'shared.features.reminders.model', 'zoneinfo')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
