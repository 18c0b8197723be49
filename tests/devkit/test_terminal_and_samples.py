"""What ``nudge chat`` shows for each reply shape, and the events it sends."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest

from devkit.mentions import Person
from devkit.oauth_server import OAuthServer
from devkit.sample_events import Persona, addon_message_event, legacy_message_event
from devkit.stack import LocalStack
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


# --- typed @mentions and where consent sends the browser -------------------------------------

IVY = Person("users/100000000000000000003", "Ivy Invitee")
ALEX = Person("users/100000000000000000002", "Alex Example")


@pytest.mark.parametrize("build", [legacy_message_event, addon_message_event])
def test_a_typed_mention_of_a_local_person_is_a_user_mention(build: object) -> None:
    assert callable(build)
    event = build("/invite @ivy please", Persona(), {"/invite": 4}, people=[IVY, ALEX])
    command = parse_event(event)
    assert isinstance(command, CommandEvent)
    assert command.message is not None
    assert command.message.text == "/invite @Ivy Invitee please"
    assert [u.name for u in command.message.mentions] == [IVY.name]
    assert command.message.mentions[0].display_name == "Ivy Invitee"
    message = (
        event["message"] if "message" in event else event["chat"]["appCommandPayload"]["message"]
    )
    [slash, mention] = message["annotations"]
    assert slash["type"] == "SLASH_COMMAND"
    assert mention == {
        "type": "USER_MENTION",
        "startIndex": len("/invite "),
        "length": len("@Ivy Invitee"),
        "userMention": {"user": {**IVY.json()}, "type": "MENTION"},
    }
    assert mention["userMention"]["user"]["type"] == "HUMAN"
    assert message["argumentText"] == " @Ivy Invitee please"


def test_in_a_space_the_app_mention_comes_first_and_stays_out_of_argument_text() -> None:
    event = legacy_message_event("remind @alex to stretch", Persona(), {}, people=[ALEX])
    message = event["message"]
    assert message["text"] == "@Nudge remind @Alex Example to stretch"
    assert message["argumentText"] == " remind @Alex Example to stretch"
    bot, alex = message["annotations"]
    assert (bot["startIndex"], bot["length"]) == (0, len("@Nudge"))
    assert bot["userMention"]["user"]["type"] == "BOT"
    start = message["text"].index("@Alex")
    assert (alex["startIndex"], alex["length"]) == (start, len("@Alex Example"))
    parsed = parse_event(event)
    assert isinstance(parsed, MessageEvent)
    assert [u.name for u in parsed.message.mentions if not u.is_bot] == [ALEX.name]
    unknown = legacy_message_event("hi @nobody", Persona(), {}, people=[ALEX])["message"]
    assert unknown["text"] == "@Nudge hi @nobody"
    assert len(unknown["annotations"]) == 1


def test_the_web_simulator_shares_the_mention_helper() -> None:
    from devkit import mentions
    from devkit.web import events

    assert events.annotate_mentions is mentions.annotate_mentions
    assert events.Person is mentions.Person


@pytest.mark.parametrize("build", [legacy_message_event, addon_message_event])
def test_config_complete_redirect_points_at_a_served_port(build: object) -> None:
    assert callable(build)
    stack = LocalStack.from_env({"NUDGE_LOCAL_OAUTH_PORT": "18192"})
    event = build("/connect", Persona(), {"/connect": 2}, redirect=stack.config_complete_url)
    parsed = parse_event(event)
    assert parsed.config_complete_redirect_url == "http://127.0.0.1:18192/chat/config-complete"
    default = parse_event(build("/connect", Persona(), {"/connect": 2}))
    assert default.config_complete_redirect_url == LocalStack().config_complete_url
    assert urllib.parse.urlsplit(default.config_complete_redirect_url).port == 8092


def test_the_oauth_server_serves_the_config_complete_page() -> None:
    with (
        OAuthServer() as google,
        urllib.request.urlopen(google.config_complete_url, timeout=5) as response,
    ):
        page = response.read().decode()
    assert response.status == 200
    assert "You can return to the chat" in page
