"""``/reminders``: a private, paged card whose every button updates it in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.core import posting
from shared.features.reminders import model
from shared.store.reminders import Reminder, ReminderState
from tests.scenarios.conftest import ChatHarness
from tests.scenarios.test_reminders_kit import (
    ADA,
    ADA_DM,
    BERLIN,
    BOB,
    FORMATS,
    ChatSession,
    session_factory,
)

Session = Callable[[str], ChatSession]


@pytest.fixture
def chat_session(make_harness: Callable[..., ChatHarness]) -> Callable[[str], ChatSession]:
    return session_factory(make_harness)


def by_text(session: ChatSession) -> dict[str, Reminder]:
    page = session.services.reminders().owned_by(ADA.user["name"], limit=100)
    return {r.text: r for r in page.items}


def subtitle(answer: object) -> str:
    cards = answer.cards
    return str(cards[0]["header"].get("subtitle", ""))


def with_tasks(session: ChatSession, count: int) -> dict[str, Reminder]:
    session.say("/remind timezone Europe/Berlin")
    for n in range(count):
        answer = session.say(f"/remind me to task {n} in {10 + n} minutes")
        assert answer.card_ids == ["reminder-set"]
    return by_text(session)


@pytest.mark.parametrize("kind", FORMATS)
def test_the_list_pages_and_every_button_updates_it_in_place(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    tasks = with_tasks(session, 7)
    first = session.say("/reminders")
    assert (first.kind, first.private, first.card_ids) == ("new", True, ["reminder-list"])
    assert subtitle(first) == "1 to 5 of 7"
    assert [b.label for b in first.buttons()].count("Done") == 5
    assert "task 0" in first.card_text()
    assert "task 5" not in first.card_text()

    second = session.press(first.button("Next page"), message=first)
    assert (second.kind, subtitle(second)) == ("update", "6 to 7 of 7")
    assert "task 5" in second.card_text()
    back = session.press(second.button("Previous page"), message=second)
    assert subtitle(back) == "1 to 5 of 7"

    done = session.press(back.button("Done", id=tasks["task 0"].id), message=back)
    assert done.kind == "update"
    assert f"Done ✓ {tasks['task 0'].id}: finished." in done.card_text()
    assert subtitle(done) == "1 to 5 of 6"
    assert "task 0" not in by_text(session)  # a finished one-off leaves the list

    snoozed = session.press(done.button("Snooze 20 minutes", id=tasks["task 1"].id), message=done)
    assert f"Snoozed {tasks['task 1'].id} until" in snoozed.card_text()
    stored = by_text(session)["task 1"]
    assert model.snoozed_until(stored) is not None
    assert stored.next_fire is not None
    assert stored.next_fire - datetime.now(UTC).timestamp() == pytest.approx(1200, abs=15)
    later = session.press(snoozed.button("Next page"), message=snoozed)  # now the last one
    assert "Snoozed until" in later.card_text()

    tomorrow = session.press(
        snoozed.button("Tomorrow 9:00", id=tasks["task 2"].id), message=snoozed
    )
    stored = by_text(session)["task 2"]
    assert stored.next_fire is not None
    local = datetime.fromtimestamp(stored.next_fire, tz=UTC).astimezone(ZoneInfo(BERLIN))
    expected = (datetime.now(UTC).astimezone(ZoneInfo(BERLIN)) + timedelta(days=1)).date()
    assert (local.date(), local.hour, local.minute) == (expected, 9, 0)

    monday = session.press(
        tomorrow.button("Next Monday 9:00", id=tasks["task 4"].id), message=tomorrow
    )
    stored = by_text(session)["task 4"]
    assert stored.next_fire is not None
    local = datetime.fromtimestamp(stored.next_fire, tz=UTC).astimezone(ZoneInfo(BERLIN))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert timedelta(0) < local - datetime.now(UTC) <= timedelta(days=8)

    deleted = session.press(monday.button("Delete", id=tasks["task 3"].id), message=monday)
    assert f"Deleted {tasks['task 3'].id}" in deleted.card_text()
    assert "task 3" not in by_text(session)
    assert subtitle(deleted) == "1 to 5 of 5"

    listed = session.say("/remind list")
    assert subtitle(listed) == "1 to 5 of 5"


@pytest.mark.parametrize("kind", FORMATS)
def test_deleting_the_last_item_of_the_last_page_shows_the_page_before(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    tasks = with_tasks(session, 6)
    first = session.say("/reminders")
    last = session.press(first.button("Next page"), message=first)
    assert subtitle(last) == "6 to 6 of 6"
    after = session.press(last.button("Delete", id=tasks["task 5"].id), message=last)
    assert subtitle(after) == "1 to 5 of 5"
    assert [b.label for b in after.buttons()].count("Next page") == 0


@pytest.mark.parametrize("kind", FORMATS)
def test_paused_and_switched_off_reminders_show_their_state(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    tasks = with_tasks(session, 3)
    store = session.services.reminders()
    assert store.save(replace(tasks["task 0"], state=ReminderState.PAUSED))
    assert store.save(posting.disabled(tasks["task 1"], why="403 from the Chat API in spaces/X"))
    answer = session.say("/reminders")
    text = answer.card_text()
    assert "Paused: Nudge was removed from its space" in text
    assert "Switched off: 403 from the Chat API in spaces/X" in text
    for paused in (tasks["task 0"], tasks["task 1"]):
        labels = [b.label for b in answer.buttons() if b.params.get("id") == paused.id]
        assert labels == ["Delete"]
    assert next(b.label for b in answer.buttons() if b.params.get("id") == tasks["task 2"].id) == (
        "Done"
    )


@pytest.mark.parametrize("kind", FORMATS)
def test_only_the_owner_may_use_the_list_buttons(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    tasks = with_tasks(session, 1)
    answer = session.say("/reminders")
    target = tasks["task 0"].id
    for label in ("Done", "Snooze 20 minutes", "Delete"):
        refused = session.press(answer.button(label, id=target), BOB, message=answer)
        assert (refused.kind, refused.private) == ("new", True)
        assert "Only the person who set this reminder" in refused.text
    assert by_text(session)["task 0"] == tasks["task 0"]


@pytest.mark.parametrize("kind", FORMATS)
def test_a_click_on_a_reminder_deleted_meanwhile_redraws_the_list(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    tasks = with_tasks(session, 2)
    answer = session.say("/reminders", ADA_DM)
    session.services.reminders().delete(tasks["task 0"].id)
    redrawn = session.press(answer.button("Done", id=tasks["task 0"].id), ADA_DM, message=answer)
    assert redrawn.kind == "update"
    assert f"Reminder {tasks['task 0'].id} no longer exists." in redrawn.card_text()
    assert subtitle(redrawn) == "1 to 1 of 1"


@pytest.mark.parametrize("kind", FORMATS)
def test_an_empty_list_says_how_to_start(chat_session: Session, kind: str) -> None:
    answer = chat_session(kind).say("list my reminders", ADA_DM)
    assert answer.card_ids == ["reminder-list"]
    assert "You have no reminders" in answer.card_text()
