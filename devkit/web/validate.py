"""Card preview: what a pasted card or message is, and what Chat (and Nudge) would say of it.

Two checks, the same ones the rest of the kit applies. The schema check is the
emulator's own discovery-based validation (``chat.v1.json``, Google's error texts).
The limits are Nudge's card builder's (``shared.chat.cards``: 100 widgets, 32 KB a
card, 2 columns, 100 selection items, fixed footers only in dialogs) and renderer's
(32,000 bytes a message), worded as they word them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from devkit.emulator import discovery
from devkit.emulator.errors import ApiError
from devkit.web.jsonish import arr, obj
from devkit.web.parts import widget_type
from shared.chat.cards import (
    MAX_CARD_BYTES,
    MAX_COLUMNS,
    MAX_SELECTION_ITEMS,
    MAX_WIDGETS,
    json_size,
)
from shared.chat.render import MAX_MESSAGE_BYTES

Json = dict[str, Any]


@dataclass
class Preview:
    """A pasted document, understood: the message to draw (or the dialog card) and errors."""

    kind: str = ""  # "message", "card", "cardsV2 item", "dialog"
    message: Json | None = None
    dialog: Json | None = None
    errors: list[str] = field(default_factory=list)


def count_widgets(widgets: Any) -> int:
    """Widgets as Nudge's builder counts them: each once, a ``columns`` plus its contents."""
    total = 0
    for widget in arr(widgets):
        total += 1
        for column in arr(obj(widget, "columns").get("columnItems")):
            total += len(arr(obj(column).get("widgets")))
    return total


def card_limits(card: Any, label: str, *, dialog: bool) -> list[str]:
    """The builder's limit errors for one card body."""
    if not isinstance(card, dict):
        return []
    errors: list[str] = []
    sections = arr(card.get("sections"))
    count = sum(count_widgets(obj(s).get("widgets")) for s in sections)
    if count > MAX_WIDGETS:
        errors.append(
            f"Card {label} has {count} widgets; Chat allows at most {MAX_WIDGETS} and drops "
            "the overflowing sections"
        )
    size = json_size(card)
    if size > MAX_CARD_BYTES:
        errors.append(f"Card {label} is {size} bytes of JSON; Chat allows at most {MAX_CARD_BYTES}")
    if card.get("fixedFooter") and not dialog:
        errors.append(f"Card {label} has a fixed_footer, which Chat supports only in dialogs")
    for widget in _all_widgets(sections):
        kind = widget_type(widget)
        body = obj(widget, kind)
        if kind == "columns":
            columns = len(arr(body.get("columnItems")))
            if columns > MAX_COLUMNS:
                errors.append(f"Columns has {columns} columns; Chat allows at most {MAX_COLUMNS}")
        if kind == "selectionInput":
            items = len(arr(body.get("items")))
            if items > MAX_SELECTION_ITEMS:
                errors.append(
                    f"SelectionInput {body.get('name', '')!r} has {items} items; "
                    f"Chat allows at most {MAX_SELECTION_ITEMS}"
                )
    return errors


def _all_widgets(sections: list[Any]) -> list[Json]:
    found: list[Json] = []
    for section in sections:
        for widget in arr(obj(section).get("widgets")):
            if not isinstance(widget, dict):
                continue
            found.append(widget)
            for column in arr(obj(widget, "columns").get("columnItems")):
                found.extend(w for w in arr(obj(column).get("widgets")) if isinstance(w, dict))
    return found


def _schema(ref: str, value: Any, path: str) -> list[str]:
    try:
        discovery.load().validate_schema(ref, value, path)
    except ApiError as error:
        return error.message.splitlines()
    return []


def _dialog_card(document: Json) -> Json | None:
    body = obj(document, "actionResponse", "dialogAction", "dialog", "body")
    if body:
        return body
    for navigation in arr(obj(document, "action").get("navigations")):
        card = obj(navigation, "pushCard") or obj(navigation, "updateCard")
        if card:
            return card
    return None


def preview(text: str) -> Preview:
    """Understand ``text``: a message, a ``cardsV2`` item, a bare card, or a dialog answer."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        return Preview(errors=[f"Not JSON: {exc}"])
    if isinstance(document, list):
        document = {"cardsV2": document}
    if not isinstance(document, dict):
        return Preview(errors=["Paste a JSON object: a card, a cardsV2 item or a message."])
    dialog = _dialog_card(document)
    if dialog is not None:
        errors = _schema("GoogleAppsCardV1Card", dialog, "dialog.body")
        errors += card_limits(dialog, "(dialog)", dialog=True)
        return Preview("dialog", dialog=dialog, errors=errors)
    if "card" in document and "cardId" in document:
        document = {"cardsV2": [document]}
        kind = "cardsV2 item"
    elif "sections" in document or "header" in document:
        document = {"cardsV2": [{"cardId": "preview", "card": document}]}
        kind = "card"
    else:
        kind = "message"
    errors = _schema("Message", document, "message")
    cards = arr(document.get("cardsV2"))
    ids = [str(obj(c).get("cardId") or f"card-{i}") for i, c in enumerate(cards)]
    if len(set(ids)) != len(ids):
        errors.append(f"Cards in one message need distinct card_id values, got {ids}")
    for card_id, item in zip(ids, cards, strict=True):
        errors += card_limits(obj(item).get("card"), card_id, dialog=False)
    size = json_size(document)
    if size > MAX_MESSAGE_BYTES:
        errors.append(
            f"The message is {size} bytes of JSON; Chat allows at most {MAX_MESSAGE_BYTES}. "
            "Split it into several messages."
        )
    return Preview(kind, message=document, errors=errors)
