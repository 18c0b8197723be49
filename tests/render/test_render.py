"""render(): every Response kind in both wire formats, and the message size limit."""

from __future__ import annotations

import pytest

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardLimitError,
    Section,
    TextParagraph,
)
from shared.chat.events.models import MessageEvent
from shared.chat.render import MAX_MESSAGE_BYTES, MessageTooLarge, render
from shared.chat.responses import (
    Ack,
    CloseDialog,
    DialogStatus,
    OpenDialog,
    Reply,
    RequestConfig,
    Suggestion,
    UpdateMessage,
    UpdateWidget,
)

ENDPOINT = "https://nudge.example.com/chat"
CARD = Card([Section([TextParagraph("hi")])], card_id="c1")
CARD_JSON = {"sections": [{"widgets": [{"textParagraph": {"text": "hi"}}]}]}
BUTTON_CARD = Card([Section([ButtonList([Button("Snooze", Action("snooze", {"id": "7"}))])])])

# --- legacy ---------------------------------------------------------------------


def test_legacy_str_is_a_reply(legacy_event: MessageEvent) -> None:
    assert render("hello", legacy_event) == {"text": "hello"}


def test_legacy_reply_with_everything(legacy_event: MessageEvent) -> None:
    reply = Reply("t", cards=(CARD,), private=True, fallback_text="fb")
    assert render(reply, legacy_event) == {
        "text": "t",
        "cardsV2": [{"cardId": "c1", "card": CARD_JSON}],
        "fallbackText": "fb",
        "privateMessageViewer": {"name": "users/112233"},
    }


def test_cards_without_id_get_positional_ids(legacy_event: MessageEvent) -> None:
    plain = Card([Section([TextParagraph("hi")])])
    body = render(Reply(cards=(plain, plain)), legacy_event)
    assert [c["cardId"] for c in body["cardsV2"]] == ["card-0", "card-1"]


def test_duplicate_card_ids_are_refused(legacy_event: MessageEvent) -> None:
    with pytest.raises(CardLimitError, match="distinct card_id"):
        render(Reply(cards=(CARD, CARD)), legacy_event)


def test_empty_reply_is_an_ack(legacy_event: MessageEvent) -> None:
    assert render(Reply(), legacy_event) == {}
    assert render("", legacy_event) == {}


def test_legacy_update_message(legacy_event: MessageEvent) -> None:
    assert render(UpdateMessage("new", cards=(CARD,)), legacy_event) == {
        "actionResponse": {"type": "UPDATE_MESSAGE"},
        "text": "new",
        "cardsV2": [{"cardId": "c1", "card": CARD_JSON}],
    }


def test_legacy_open_dialog(legacy_event: MessageEvent) -> None:
    assert render(OpenDialog(CARD), legacy_event) == {
        "actionResponse": {"type": "DIALOG", "dialogAction": {"dialog": {"body": CARD_JSON}}}
    }


def test_legacy_close_dialog(legacy_event: MessageEvent) -> None:
    assert render(CloseDialog(DialogStatus.INVALID_ARGUMENT, "Bad time"), legacy_event) == {
        "actionResponse": {
            "type": "DIALOG",
            "dialogAction": {
                "actionStatus": {"statusCode": "INVALID_ARGUMENT", "userFacingMessage": "Bad time"}
            },
        }
    }
    assert render(CloseDialog(), legacy_event) == {
        "actionResponse": {"type": "DIALOG", "dialogAction": {"actionStatus": {"statusCode": "OK"}}}
    }


def test_legacy_request_config(legacy_event: MessageEvent) -> None:
    assert render(RequestConfig("https://auth.example/start"), legacy_event) == {
        "actionResponse": {"type": "REQUEST_CONFIG", "url": "https://auth.example/start"}
    }


def test_legacy_update_widget(legacy_event: MessageEvent) -> None:
    response = UpdateWidget((Suggestion("Ada", "users/1", "https://e/a.png"), Suggestion("Bob")))
    assert render(response, legacy_event) == {
        "actionResponse": {
            "type": "UPDATE_WIDGET",
            "updatedWidget": {
                "suggestions": {
                    "items": [
                        {"text": "Ada", "value": "users/1", "startIconUri": "https://e/a.png"},
                        {"text": "Bob", "value": "Bob"},
                    ]
                }
            },
        }
    }


def test_legacy_ack(legacy_event: MessageEvent) -> None:
    assert render(Ack(), legacy_event) == {}


def test_legacy_buttons_keep_function_names(legacy_event: MessageEvent) -> None:
    body = render(Reply(cards=(BUTTON_CARD,)), legacy_event, endpoint_url=ENDPOINT)
    button = body["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["buttonList"]["buttons"][0]
    assert button["onClick"]["action"] == {
        "function": "snooze",
        "parameters": [{"key": "id", "value": "7"}],
    }


# --- add-on -----------------------------------------------------------------------


def test_addon_reply(addon_event: MessageEvent) -> None:
    reply = Reply("t", cards=(CARD,), private=True)
    assert render(reply, addon_event, endpoint_url=ENDPOINT) == {
        "hostAppDataAction": {
            "chatDataAction": {
                "createMessageAction": {
                    "message": {
                        "text": "t",
                        "cardsV2": [{"cardId": "c1", "card": CARD_JSON}],
                        "privateMessageViewer": {"name": "users/112233"},
                    }
                }
            }
        }
    }


def test_addon_update_message(addon_event: MessageEvent) -> None:
    assert render(UpdateMessage("new"), addon_event) == {
        "hostAppDataAction": {
            "chatDataAction": {"updateMessageAction": {"message": {"text": "new"}}}
        }
    }


def test_addon_open_dialog(addon_event: MessageEvent) -> None:
    assert render(OpenDialog(CARD), addon_event) == {
        "action": {"navigations": [{"pushCard": CARD_JSON}]}
    }


def test_addon_close_dialog(addon_event: MessageEvent) -> None:
    assert render(CloseDialog(DialogStatus.OK, "Saved"), addon_event) == {
        "action": {
            "navigations": [{"endNavigation": {"action": "CLOSE_DIALOG"}}],
            "notification": {"text": "Saved"},
        }
    }
    assert render(CloseDialog(), addon_event) == {
        "action": {"navigations": [{"endNavigation": {"action": "CLOSE_DIALOG"}}]}
    }


def test_addon_request_config(addon_event: MessageEvent) -> None:
    url = "https://auth.example/start"
    assert render(RequestConfig(url), addon_event) == {
        "basicAuthorizationPrompt": {"authorizationUrl": url, "resource": "Nudge"}
    }
    assert render(RequestConfig(url), addon_event, app_name="Nudge Dev") == {
        "basicAuthorizationPrompt": {"authorizationUrl": url, "resource": "Nudge Dev"}
    }


def test_addon_update_widget(addon_event: MessageEvent) -> None:
    assert render(UpdateWidget((Suggestion("Ada", "1"),)), addon_event) == {
        "action": {
            "modifyOperations": [
                {
                    "updateWidget": {
                        "selectionInputWidgetSuggestions": {
                            "suggestions": [{"text": "Ada", "value": "1"}]
                        }
                    }
                }
            ]
        }
    }


def test_addon_ack_and_empty_reply(addon_event: MessageEvent) -> None:
    assert render(Ack(), addon_event) == {}
    assert render("", addon_event) == {}


def test_addon_buttons_call_the_endpoint(addon_event: MessageEvent) -> None:
    body = render(Reply(cards=(BUTTON_CARD,)), addon_event, endpoint_url=ENDPOINT)
    message = body["hostAppDataAction"]["chatDataAction"]["createMessageAction"]["message"]
    card = message["cardsV2"][0]["card"]
    button = card["sections"][0]["widgets"][0]["buttonList"]["buttons"][0]
    assert button["onClick"]["action"] == {
        "function": ENDPOINT,
        "parameters": [{"key": "actionName", "value": "snooze"}, {"key": "id", "value": "7"}],
    }


def test_addon_dialog_buttons_call_the_endpoint(addon_event: MessageEvent) -> None:
    body = render(OpenDialog(BUTTON_CARD), addon_event, endpoint_url=ENDPOINT)
    card = body["action"]["navigations"][0]["pushCard"]
    action = card["sections"][0]["widgets"][0]["buttonList"]["buttons"][0]["onClick"]["action"]
    assert action["function"] == ENDPOINT


def test_addon_buttons_without_endpoint_are_refused(addon_event: MessageEvent) -> None:
    with pytest.raises(CardLimitError, match="endpoint URL"):
        render(Reply(cards=(BUTTON_CARD,)), addon_event)


# --- limits ----------------------------------------------------------------------


def test_fixed_footer_renders_only_in_dialogs(
    legacy_event: MessageEvent, addon_event: MessageEvent, dialog_card: Card
) -> None:
    assert (
        "fixedFooter"
        in render(OpenDialog(dialog_card), legacy_event)["actionResponse"]["dialogAction"][
            "dialog"
        ]["body"]
    )
    assert (
        "fixedFooter"
        in render(OpenDialog(dialog_card), addon_event, endpoint_url=ENDPOINT)["action"][
            "navigations"
        ][0]["pushCard"]
    )
    with pytest.raises(CardLimitError, match="only in dialogs"):
        render(Reply(cards=(dialog_card,)), legacy_event)
    with pytest.raises(CardLimitError, match="only in dialogs"):
        render(UpdateMessage(cards=(dialog_card,)), addon_event, endpoint_url=ENDPOINT)


def test_32001_byte_text_is_too_large(
    legacy_event: MessageEvent, addon_event: MessageEvent
) -> None:
    text = "x" * (MAX_MESSAGE_BYTES + 1)
    with pytest.raises(MessageTooLarge, match="at most 32000"):
        render(text, legacy_event)
    with pytest.raises(MessageTooLarge):
        render(Reply(text), addon_event)
    with pytest.raises(MessageTooLarge):
        render(UpdateMessage(text), legacy_event)


def test_limit_counts_bytes_not_characters(legacy_event: MessageEvent) -> None:
    with pytest.raises(MessageTooLarge):
        render("\u00e9" * 16_500, legacy_event)  # 16,500 chars, 33,000 bytes


def test_text_just_under_the_limit_is_fine(legacy_event: MessageEvent) -> None:
    overhead = len('{"text":""}')
    assert render("x" * (MAX_MESSAGE_BYTES - overhead), legacy_event)
    with pytest.raises(MessageTooLarge):
        render("x" * (MAX_MESSAGE_BYTES - overhead + 1), legacy_event)


def test_message_too_large_is_a_card_limit_error() -> None:
    assert issubclass(MessageTooLarge, CardLimitError)
    assert issubclass(CardLimitError, ValueError)


def test_cards_together_can_exceed_the_message_limit(legacy_event: MessageEvent) -> None:
    card = Card([Section([TextParagraph("x" * 20_000)])])
    assert render(Reply(cards=(card,)), legacy_event)
    with pytest.raises(MessageTooLarge):
        render(Reply(cards=(card, card)), legacy_event)
