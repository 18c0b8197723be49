"""The wire contract: rendered bodies parse STRICTLY as Google's own protos.

proto-plus ``from_json(..., ignore_unknown_fields=False)`` uses protobuf's
``json_format.Parse``, which rejects unknown keys and unknown enum names but
accepts both camelCase and snake_case keys. So each check also asserts that
every key we emit is the camelCase JSON name, which is what Chat documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from google.apps import card_v1, chat_v1
from google.protobuf.json_format import MessageToDict, ParseError  # type: ignore[import-untyped]
from google.rpc import code_pb2  # type: ignore[import-untyped]

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    FixedFooter,
    Section,
    TextParagraph,
)
from shared.chat.events.models import MessageEvent
from shared.chat.render import render
from shared.chat.responses import (
    Ack,
    CloseDialog,
    DialogStatus,
    OpenDialog,
    Reply,
    RequestConfig,
    Response,
    Suggestion,
    UpdateMessage,
    UpdateWidget,
)

ENDPOINT = "https://nudge.example.com/chat"
CAMEL = re.compile(r"[a-z][a-zA-Z0-9]*")


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield key
            yield from keys(child)
    elif isinstance(value, list):
        for child in value:
            yield from keys(child)


def strict(proto_type: Any, payload: Any) -> Any:
    """Parse ``payload`` as ``proto_type`` rejecting unknown fields; demand camelCase."""
    snake = [k for k in keys(payload) if not CAMEL.fullmatch(k)]
    assert snake == [], f"not camelCase JSON names: {snake}"
    return proto_type.from_json(json.dumps(payload), ignore_unknown_fields=False)


def contained(parsed: Any, sent: Any, path: str = "$") -> None:
    """Every value protobuf kept (``parsed``) is exactly what we ``sent``.

    Keys only in ``sent`` are proto defaults (``false``, zero enums) that the
    round trip drops; int64 fields come back as strings.
    """
    if isinstance(parsed, dict):
        assert isinstance(sent, dict), path
        for key, value in parsed.items():
            assert key in sent, f"{path}.{key} appeared from nowhere"
            contained(value, sent[key], f"{path}.{key}")
    elif isinstance(parsed, list):
        assert isinstance(sent, list), path
        assert len(parsed) == len(sent), path
        for i, (a, b) in enumerate(zip(parsed, sent, strict=True)):
            contained(a, b, f"{path}[{i}]")
    else:
        assert parsed == sent or (isinstance(sent, int) and parsed == str(sent)), path


def round_trip(proto_type: Any, payload: Any) -> None:
    parsed = strict(proto_type, payload)
    contained(MessageToDict(proto_type.pb(parsed)), payload)


def responses(big_card: Card, dialog_card: Card) -> list[Response]:
    return [
        Reply("plain"),
        Reply("private", cards=(big_card,), private=True, fallback_text="fb"),
        UpdateMessage("updated", cards=(big_card,)),
        OpenDialog(dialog_card),
        OpenDialog(big_card),
        CloseDialog(),
        CloseDialog(DialogStatus.INVALID_ARGUMENT, "Bad time"),
        RequestConfig("https://auth.example/start"),
        UpdateWidget((Suggestion("Ada", "users/1", "https://e/a.png"), Suggestion("Bob"))),
        UpdateWidget(),
        Ack(),
    ]


# --- legacy: the whole body is a chat.v1.Message --------------------------------


def test_every_legacy_response_is_a_strict_chat_message(
    legacy_event: MessageEvent, big_card: Card, dialog_card: Card
) -> None:
    for response in responses(big_card, dialog_card):
        body = render(response, legacy_event)
        strict(chat_v1.Message, body)


@pytest.mark.parametrize("status", list(DialogStatus))
def test_every_dialog_status_is_a_google_rpc_code(
    legacy_event: MessageEvent, status: DialogStatus
) -> None:
    message = strict(chat_v1.Message, render(CloseDialog(status, "x"), legacy_event))
    code = message.action_response.dialog_action.action_status.status_code
    assert code_pb2.Code.Name(code) == status.value  # a raw protobuf enum: an int here


def test_legacy_card_survives_the_round_trip(legacy_event: MessageEvent, big_card: Card) -> None:
    body = render(Reply(cards=(big_card,)), legacy_event)
    message = strict(chat_v1.Message, body)
    card = message.cards_v2[0].card
    assert message.cards_v2[0].card_id == "everything"
    assert len(card.sections) == 2
    kinds = {card_v1.Widget.pb(w).WhichOneof("data") for s in card.sections for w in s.widgets}
    assert kinds == {
        "text_paragraph",
        "decorated_text",
        "button_list",
        "divider",
        "image",
        "columns",
        "text_input",
        "selection_input",
        "date_time_picker",
    }


def test_legacy_bodies_round_trip_without_loss(
    legacy_event: MessageEvent, big_card: Card, dialog_card: Card
) -> None:
    for response in responses(big_card, dialog_card):
        round_trip(chat_v1.Message, render(response, legacy_event))


def test_legacy_dialog_body_is_a_strict_card(legacy_event: MessageEvent, dialog_card: Card) -> None:
    body = render(OpenDialog(dialog_card), legacy_event)
    card = body["actionResponse"]["dialogAction"]["dialog"]["body"]
    parsed = strict(card_v1.Card, card)
    assert parsed.fixed_footer.primary_button.text == "Save"


def test_update_widget_items_are_selection_items(legacy_event: MessageEvent) -> None:
    body = render(UpdateWidget((Suggestion("Ada", "1", "https://e/a.png"),)), legacy_event)
    for item in body["actionResponse"]["updatedWidget"]["suggestions"]["items"]:
        strict(card_v1.SelectionInput.SelectionItem, item)


# --- negative controls: the strict parse really is strict ---------------------


def test_strict_parse_rejects_unknown_keys() -> None:
    with pytest.raises(ParseError, match="bogus"):
        chat_v1.Message.from_json(
            json.dumps({"text": "x", "bogus": 1}), ignore_unknown_fields=False
        )
    with pytest.raises(ParseError):
        strict(chat_v1.Message, {"cardsV2": [{"cardId": "c", "card": {"sections": [{"wat": 1}]}}]})


def test_strict_parse_rejects_unknown_enum_names() -> None:
    with pytest.raises(ParseError):
        strict(chat_v1.Message, {"actionResponse": {"type": "OPEN_DIALOG"}})


def test_camel_case_check_rejects_snake_case() -> None:
    chat_v1.Message.from_json(json.dumps({"fallback_text": "x"}))  # protobuf accepts it...
    with pytest.raises(AssertionError, match="camelCase"):
        strict(chat_v1.Message, {"fallback_text": "x"})  # ...our contract does not


def test_addon_envelope_is_not_a_chat_message(addon_event: MessageEvent) -> None:
    """Sanity: the add-on wrapper keys are unknown to chat.v1.Message."""
    with pytest.raises(ParseError):
        strict(chat_v1.Message, render("hi", addon_event))


# --- add-on: the inner message and cards are strict protos -------------------


def _addon_parts(body: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """(proto type, payload) pairs for the proto-typed parts of an add-on body."""
    data = body.get("hostAppDataAction", {}).get("chatDataAction", {})
    for key in ("createMessageAction", "updateMessageAction"):
        if key in data:
            yield chat_v1.Message, data[key]["message"]
    action = body.get("action", {})
    for navigation in action.get("navigations", []):
        if "pushCard" in navigation:
            yield card_v1.Card, navigation["pushCard"]
    for operation in action.get("modifyOperations", []):
        suggestions = operation["updateWidget"]["selectionInputWidgetSuggestions"]["suggestions"]
        for item in suggestions:
            yield card_v1.SelectionInput.SelectionItem, item


def test_every_addon_response_has_strict_inner_protos(
    addon_event: MessageEvent, big_card: Card, dialog_card: Card
) -> None:
    checked = 0
    for response in responses(big_card, dialog_card):
        body = render(response, addon_event, endpoint_url=ENDPOINT)
        for proto_type, payload in _addon_parts(body):
            round_trip(proto_type, payload)
            checked += 1
    assert checked == 7  # 3 messages, 2 dialogs, 2 suggestions


def test_addon_rewritten_actions_parse_as_card_actions(
    addon_event: MessageEvent, dialog_card: Card
) -> None:
    card = render(OpenDialog(dialog_card), addon_event, endpoint_url=ENDPOINT)["action"][
        "navigations"
    ][0]["pushCard"]
    parsed = strict(card_v1.Card, card)
    action = parsed.fixed_footer.primary_button.on_click.action
    assert action.function == ENDPOINT
    assert [(p.key, p.value) for p in action.parameters] == [("actionName", "save")]


def test_minimal_footer_card_is_strict(legacy_event: MessageEvent) -> None:
    card = Card(
        [Section([ButtonList([Button("x", Action("x"))]), TextParagraph("y")])],
        fixed_footer=FixedFooter(Button("Save", Action("save"))),
    )
    strict(chat_v1.Message, render(OpenDialog(card), legacy_event))
