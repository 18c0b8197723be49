"""Cards of the reminders feature: the delivered post, words, and Chat's size limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.chat.cards import RenderContext
from shared.chat.events.models import Space, SpaceType
from shared.chat.render import render_message
from shared.features.reminders import cards, listing, model
from shared.features.reminders.dialog import dialog_card
from shared.store.reminders import Reminder, ReminderPage
from tests.features.reminders.conftest import BERLIN, NOW, parse

ADDON = RenderContext(addon=True, endpoint_url="https://example.com/" + "x" * 100)
SPACE = Space("spaces/S", SpaceType.SPACE, "Team")


def made(text: str, who: str = "here", when: str = "every day at 9am") -> Reminder:
    parsed = parse(f"{who} “{text}” {when}", BERLIN)
    return model.create(parsed, owner="users/1", space="spaces/S", space_is_dm=False, now=NOW)


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0.2, "in less than a minute"),
        (1, "in 1 minute"),
        (10, "in 10 minutes"),
        (60, "in 1 hour"),
        (125, "in 2 hours 5 minutes"),
        (60 * 24 * 3 + 61, "in 3 days 1 hour"),
    ],
)
def test_from_now(minutes: float, words: str) -> None:
    assert cards.from_now(timedelta(minutes=minutes)) == words


def test_the_delivered_post_mentions_the_person_and_carries_the_buttons() -> None:
    reminder = made("ship *it* <users/all>", who="<users/42>", when="tomorrow at 9am")
    reply = cards.delivered_reply(reminder, now=NOW, late=False, skipped=0)
    assert reply.text == "<users/42> ⏰ ship \u2217it\u2217 \u2039users/all\u203a"
    assert not reply.private
    key = model.key_of(model.occurrence_of(reminder))
    (card,) = reply.cards
    assert card.card_id == f"reminder-{reminder.id}"
    body = render_message(reply)
    buttons = body["cardsV2"][0]["card"]["sections"][0]["widgets"][1]["buttonList"]["buttons"]
    actions = [b["onClick"]["action"] for b in buttons]
    assert [a["function"] for a in actions] == ["reminders.done"] + ["reminders.snooze"] * 5
    for action in actions:
        params = {p["key"]: p["value"] for p in action["parameters"]}
        assert (params["id"], params["key"]) == (reminder.id, key)
    choices = [a["parameters"][2]["value"] for a in actions[1:]]
    assert choices == ["20m", "1h", "3h", "tomorrow", "next-monday"]


def test_a_stored_mention_that_is_not_a_person_is_left_out() -> None:
    reminder = replace(made("x"), mention="users/all")
    assert cards.delivered_reply(reminder, now=NOW, late=False, skipped=0).text == "⏰ x"


def test_late_skipped_and_nag_notes() -> None:
    reminder = made("water")
    fired = model.occurrence_of(reminder)
    nagging = model.delivered(reminder, message="m", now=fired)
    nagging = replace(nagging, nag_every=1800, nag_cap=24, due_key=nagging.due_key + "#nag3")
    text = cards.delivered_reply(nagging, now=fired, late=True, skipped=1).text
    lines = text.splitlines()
    assert lines[0] == "⏰ water"
    assert lines[1].startswith("_Late: this was due ")
    assert lines[1].endswith("CEST._")
    assert lines[2] == "_1 earlier reminder was skipped while Nudge was down._"
    assert lines[3] == "_Nudge 3 of 24: click Done to stop._"


def test_worst_case_cards_stay_within_chats_limits() -> None:
    """1,000 characters that escape to six bytes each, in every card, rendered as an add-on."""
    text = '"' * 1000
    reminder = made(text, who="<users/42>")
    render = [
        cards.confirmation_card(reminder, now=NOW, zone=None, space=SPACE, who_name=text),
        cards.needs_zone_card("me " + text + " at 9am", who="users/42", who_name=text),
        cards.help_card(),
        dialog_card(in_space=True, now=NOW, what=text, errors=("An error to show.",) * 5),
        listing.list_card(
            ReminderPage(tuple(replace(reminder, id=f"r{n:08d}") for n in range(5)), 9, 5),
            offset=5,
            now=NOW,
            zone=BERLIN,
            space=SPACE,
            note="x" * 500,
        ),
    ]
    for card in render:
        card.to_dict(RenderContext(addon=True, endpoint_url=ADDON.endpoint_url, dialog=True))
    post = cards.delivered_reply(reminder, now=NOW, late=True, skipped=3)
    render_message(post, addon=True, endpoint_url=ADDON.endpoint_url)


def test_the_help_examples_mean_what_they_say() -> None:
    found = []
    for example in cards.EXAMPLES:
        parsed = parse(example.replace("@Ada", "<users/1>"), BERLIN)
        assert parsed.schedule is not None
        found.append((parsed.what, parsed.schedule.describe(), parsed.nag is not None))
    assert found == [
        ("stretch", "once", False),
        ("stand-up", "every weekday at 9:30 AM", False),
        ("send the report", "once", False),
        ("pay rent", "every month on the 1st at 9:00 AM", False),
        ("water the plants", "once", True),
    ]
