"""The app's answers, as Nudge renders them, are understood; the preview reports as the kit does."""

from __future__ import annotations

import json

import pytest

from devkit.web.events import Actor, Interaction, build_event
from devkit.web.replies import read_answer
from devkit.web.validate import preview
from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardLimitError,
    Column,
    Columns,
    FixedFooter,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    TextParagraph,
)
from shared.chat.events.parse import parse_event
from shared.chat.render import MessageTooLarge, render, render_message
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
from tests.devkit.web.conftest import DEV

CARD = Card(card_id="c", sections=[Section([ButtonList([Button("Go", Action("go"))])])])
SPACE = {"name": "spaces/AAAA", "type": "ROOM", "spaceType": "SPACE"}
MESSAGE = {"name": "spaces/AAAA/messages/T.M", "sender": {"name": "users/app", "type": "BOT"}}


def answered(response: Response, fmt: str) -> dict[str, object]:
    person = Actor(DEV, "addon" if fmt == "addon" else "legacy")
    what = Interaction("CARD_CLICKED", SPACE, message=MESSAGE, function="go")
    event = parse_event(build_event(person, what))
    return render(response, event, endpoint_url="http://127.0.0.1:8080")


@pytest.mark.parametrize("fmt", ["legacy", "addon"])
@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (Reply("hi", cards=(CARD,), private=True), "message"),
        (UpdateMessage(cards=(CARD,)), "update"),
        (OpenDialog(CARD), "dialog"),
        (CloseDialog(DialogStatus.OK, "Saved"), "close"),
        (RequestConfig("https://example.com/auth"), "config"),
        (UpdateWidget((Suggestion("Ada", "users/1"),)), "suggestions"),
        (Ack(), "none"),
    ],
)
def test_every_response_nudge_renders_is_understood(
    fmt: str, response: Response, kind: str
) -> None:
    answer = read_answer(answered(response, fmt))
    assert answer.kind == kind
    if kind == "message":
        assert answer.message is not None
        assert answer.message["privateMessageViewer"] == {"name": DEV.name}
        assert "actionResponse" not in answer.message
    if kind == "update":
        assert answer.message is not None
        assert answer.message["cardsV2"][0]["cardId"] == "c"
    if kind == "dialog":
        assert answer.dialog is not None
        assert answer.dialog["sections"]
    if kind == "close" and fmt == "legacy":
        assert (answer.status, answer.toast) == ("OK", "Saved")
    if kind == "close":
        assert answer.toast == "Saved"
    if kind == "config":
        assert answer.url == "https://example.com/auth"
    if kind == "suggestions":
        assert answer.suggestions == [{"text": "Ada", "value": "users/1"}]


def test_answers_nudge_does_not_send_still_read_sensibly() -> None:
    assert read_answer({"action": {"notification": {"text": "Hi"}}}).kind == "toast"
    assert read_answer({"actionResponse": {"type": "UPDATE_USER_MESSAGE_CARDS"}}).kind == "update"
    assert read_answer({"actionResponse": {"type": "SOMETHING_NEW"}}).kind == "unknown"
    older = {"renderActions": {"action": {"navigations": [{"pushCard": {"sections": []}}]}}}
    assert read_answer(older).kind == "dialog"
    assert read_answer({"whatever": 1}).kind == "none"


# --- the card preview ----------------------------------------------------------------------


def error_of(build: object) -> str:
    with pytest.raises(CardLimitError) as raised:
        build()  # type: ignore[operator]
    return str(raised.value)


def test_limits_are_worded_as_nudges_card_builder_words_them() -> None:
    many = [TextParagraph("x")] * 101
    expected = error_of(lambda: Card(card_id="big", sections=[Section(many)]))
    paragraphs = [{"textParagraph": {"text": "x"}}] * 101
    document = {"cardId": "big", "card": {"sections": [{"widgets": paragraphs}]}}
    assert expected in preview(json.dumps(document)).errors

    three = [Column([TextParagraph("x")])] * 3
    expected = error_of(lambda: Columns(three))
    card = {"sections": [{"widgets": [{"columns": {"columnItems": [{"widgets": []}] * 3}}]}]}
    assert expected in preview(json.dumps(card)).errors

    options = [SelectionItem(str(i), str(i)) for i in range(101)]
    expected = error_of(lambda: SelectionInput("pick", type=SelectionType.DROPDOWN, items=options))
    items = [{"text": "1", "value": "1"}] * 101
    widget = {"selectionInput": {"name": "pick", "type": "DROPDOWN", "items": items}}
    assert expected in preview(json.dumps({"sections": [{"widgets": [widget]}]})).errors

    footer = FixedFooter(Button("Save", Action("save")))
    expected = error_of(lambda: Card(card_id="f", fixed_footer=footer).to_dict())
    card = {"sections": [], "fixedFooter": {"primaryButton": {"text": "Save"}}}
    assert expected in preview(json.dumps({"cardId": "f", "card": card})).errors
    dialog = {"actionResponse": {"type": "DIALOG", "dialogAction": {"dialog": {"body": card}}}}
    assert preview(json.dumps(dialog)).errors == []  # a footer belongs in a dialog

    with pytest.raises(MessageTooLarge) as raised:
        render_message(Reply("x" * 33_000))
    assert preview(json.dumps({"text": "x" * 33_000})).errors == [str(raised.value)]


def test_schema_errors_are_the_emulators() -> None:
    widgets = [{"textParagraph": {"text": 5}}]
    cards = [{"cardId": "a", "card": {"sections": [{"widgets": widgets}]}}]
    result = preview(json.dumps({"text": "hi", "cardsV2": cards, "bogus": 1}))
    unknown = (
        "Invalid JSON payload received. Unknown name \"bogus\" at 'message': Cannot find field."
    )
    assert unknown in result.errors
    assert any("text_paragraph.text" in e and "TYPE_STRING" in e for e in result.errors)
    result = preview(json.dumps({"header": {"title": "t", "imageType": "OVAL"}, "sections": []}))
    assert any("TYPE_ENUM" in e for e in result.errors)


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        ({"sections": [], "header": {"title": "t"}}, "card"),
        ({"cardId": "a", "card": {"sections": []}}, "cardsV2 item"),
        ([{"cardId": "a", "card": {"sections": []}}], "message"),
        ({"text": "hi"}, "message"),
        ({"action": {"navigations": [{"pushCard": {"sections": []}}]}}, "dialog"),
    ],
)
def test_what_was_pasted_is_recognised(document: object, kind: str) -> None:
    result = preview(json.dumps(document))
    assert (result.kind, result.errors) == (kind, [])


def test_not_json_and_duplicate_card_ids() -> None:
    assert preview("{nope").errors[0].startswith("Not JSON")
    assert preview("3").errors == ["Paste a JSON object: a card, a cardsV2 item or a message."]
    two = [{"cardId": "a", "card": {"sections": []}}] * 2
    assert any("distinct card_id" in e for e in preview(json.dumps({"cardsV2": two})).errors)
