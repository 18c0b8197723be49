"""What ``nudge chat`` shows for each reply shape, and the events it sends."""

from __future__ import annotations

import pytest

from devkit.sample_events import Persona, addon_message_event, legacy_message_event
from devkit.terminal import plain, response_lines
from shared.chat.events.models import CommandEvent, MessageEvent
from shared.chat.events.parse import parse_event

CARD = {
    "header": {"title": "Reminder", "subtitle": "in 5 min"},
    "sections": [
        {
            "header": "Details",
            "widgets": [
                {"decoratedText": {"topLabel": "When", "text": "<b>10:00</b>"}},
                {
                    "buttonList": {
                        "buttons": [
                            {"text": "Open", "onClick": {"openLink": {"url": "https://x.test"}}},
                            {"text": "Snooze", "onClick": {"action": {"function": "snooze"}}},
                        ]
                    }
                },
            ],
        }
    ],
}


def test_plain_text_from_card_html() -> None:
    assert plain("a &amp; <b>b</b><br>c") == "a & b\nc"
    assert plain('<a href="https://x.test/p">docs</a>') == "docs (https://x.test/p)"


def test_reply_shapes() -> None:
    legacy = list(response_lines({"text": "hi", "cardsV2": [{"cardId": "c", "card": CARD}]}))
    assert legacy[:3] == ["hi", "+ Reminder - in 5 min", "| Details"]
    assert "|   When: 10:00" in legacy
    assert "|   [Open -> https://x.test] [Snooze: snooze]" in legacy
    private = {"text": "psst", "privateMessageViewer": {"name": "users/1"}}
    assert list(response_lines(private)) == ["(only visible to you)", "psst"]
    addon = {"hostAppDataAction": {"chatDataAction": {"createMessageAction": {"message": private}}}}
    assert list(response_lines(addon)) == ["(only visible to you)", "psst"]
    dialog = {"actionResponse": {"type": "DIALOG", "dialogAction": {"dialog": {"body": CARD}}}}
    assert list(response_lines(dialog))[:2] == ["[dialog]", "+ Reminder - in 5 min"]
    closed = {
        "actionResponse": {
            "type": "DIALOG",
            "dialogAction": {"actionStatus": {"userFacingMessage": "Saved"}},
        }
    }
    assert list(response_lines(closed)) == ["[dialog closed] Saved"]
    config = {"actionResponse": {"type": "REQUEST_CONFIG", "url": "https://consent.test"}}
    assert "open https://consent.test" in next(iter(response_lines(config)))
    prompt = {"basicAuthorizationPrompt": {"authorizationUrl": "https://consent.test"}}
    assert "open https://consent.test" in next(iter(response_lines(prompt)))
    assert list(response_lines({})) == ["(no reply)"]


@pytest.mark.parametrize("build", [legacy_message_event, addon_message_event])
def test_sample_events_parse_as_chat_would_send_them(build: object) -> None:
    assert callable(build)
    persona = Persona(space="spaces/DM1", space_type="DIRECT_MESSAGE")
    command = parse_event(build("/help now", persona, {"/help": 1}))
    assert isinstance(command, CommandEvent)
    assert command.command_id == 1
    assert command.space.is_dm
    message = parse_event(build("remind me", Persona(), {}))
    assert isinstance(message, MessageEvent)
    assert message.argument_text.strip() == "remind me"
    assert message.user.name == "users/100000000000000000001"
