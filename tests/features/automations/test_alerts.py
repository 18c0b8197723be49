"""Keyword alerts, through ``workspace_events`` and the local Chat API emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devkit.emulator import ChatEmulator
from shared.features.automations.alerts import message_link
from shared.wiring import Runtime, runtime
from tests.features.automations.kit import (
    ALERTS,
    CHAT,
    SPACE,
    bot,
    chat_message,
    configure,
    deliver,
    human,
    posted,
)

CREATED = CHAT + "message.v1.created"
UPDATED = CHAT + "message.v1.updated"


@pytest.fixture
def watching(start: Callable[..., Runtime]) -> Runtime:
    current = start()
    configure(
        current,
        watch_words=("outage", "release blocker"),
        watch_pattern=r"\bINC-\d{3,}\b",
        alert_space=ALERTS,
    )
    return current


def alert_of(message: dict[str, object]) -> str:
    cards = message["cardsV2"]
    assert isinstance(cards, list)
    return str(cards[0])


def test_a_matching_message_posts_one_alert_with_a_link(
    watching: Runtime, emu: ChatEmulator
) -> None:
    data = chat_message("Heads up: OUTAGE in eu-west, see INC-1234", name=f"{SPACE}/messages/T1.M1")
    data["message"]["thread"] = {"name": f"{SPACE}/threads/T1"}
    ce_id = deliver(CREATED, data)
    deliver(CREATED, data, ce_id=ce_id)  # redelivered by Pub/Sub: deduplicated by ce-id
    deliver(CREATED, data)  # published twice: the same client message ID posts nothing new
    (alert,) = posted(emu, ALERTS)
    card = alert["cardsV2"][0]
    assert card["cardId"] == "keyword-alert"
    text = alert_of(alert)
    assert "outage and the pattern" in text
    assert "Local team" in text
    assert "Dev User" in text
    assert "https://chat.google.com/room/AAAA/T1/T1.M1" in text
    assert posted(emu, SPACE) == []  # nothing in the watched space itself


def test_an_update_before_its_create_still_alerts_once(
    watching: Runtime, emu: ChatEmulator
) -> None:
    data = chat_message("the release blocker is back")
    deliver(UPDATED, data)  # out of order: the edit's event first
    deliver(CREATED, data)
    assert len(posted(emu, ALERTS)) == 1


def test_other_messages_and_bots_raise_no_alert(watching: Runtime, emu: ChatEmulator) -> None:
    deliver(CREATED, chat_message("releases block nothing; no outages"))  # not whole words
    deliver(CREATED, chat_message("OUTAGE!", sender=bot()))  # Nudge's own posts, other apps
    deliver(CHAT + "message.v1.deleted", {"message": {"name": f"{SPACE}/messages/gone"}})
    assert posted(emu, ALERTS) == []
    assert runtime().workspace.counts["ignored_bot"] == 1


def test_everything_quoted_is_escaped(watching: Runtime, emu: ChatEmulator) -> None:
    data = chat_message(
        "outage <b>now</b> <users/all>", sender=human(name='<a href="x">Mallory</a>')
    )
    deliver(CREATED, data)
    text = alert_of(posted(emu, ALERTS)[0])
    assert "&lt;b&gt;now&lt;/b&gt; &lt;users/all&gt;" in text
    assert "&lt;a href=&quot;x&quot;&gt;Mallory&lt;/a&gt;" in text
    assert "<b>now" not in text
    assert "<users/all>" not in text


def test_a_names_only_message_nudge_cannot_read_is_skipped(
    watching: Runtime, emu: ChatEmulator
) -> None:
    deliver(CREATED, {"message": {"name": f"{SPACE}/messages/unknown"}})
    assert posted(emu, ALERTS) == []
    assert runtime().workspace.counts["handled"] == 1


def test_no_alert_space_means_no_alerts(start: Callable[..., Runtime], emu: ChatEmulator) -> None:
    configure(start(), watch_words=("outage",))
    deliver(CREATED, chat_message("outage"))
    assert posted(emu, ALERTS) == []


def test_message_links() -> None:
    assert message_link("spaces/S/messages/T.M", "spaces/S/threads/T") == (
        "https://chat.google.com/room/S/T/T.M"
    )
    assert message_link("spaces/S/messages/M", dm=True) == "https://chat.google.com/dm/S/M/M"
    assert message_link("not a name") == ""


def test_an_alert_space_nudge_left_does_not_stop_the_webhook(
    start: Callable[..., Runtime], emu: ChatEmulator
) -> None:
    from shared.features.automations.webhooks import seal_secret
    from tests.features.automations.kit import Receiver

    current = start()
    with Receiver() as receiver:
        configure(
            current,
            watch_words=("outage",),
            alert_space="spaces/GONE",
            webhook_url=receiver.url + "/hook",
            webhook_mode="matches",
            webhook_secret=seal_secret(current.settings, SPACE, "whsec_x"),
        )
        deliver(CREATED, chat_message("outage"))
        assert len(receiver.received) == 1
