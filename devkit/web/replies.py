"""What the app answered, in either format, as one ``Answer`` the simulator can act on.

Legacy apps answer with a ``Message`` (plus ``actionResponse``); Workspace add-ons
with render actions (REFERENCE.md §1.4, §1.7). Both come down to: post a message,
update the clicked one, open or close a dialog, ask for configuration, offer
autocomplete suggestions, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from devkit.web.jsonish import arr, obj

Json = dict[str, Any]
Kind = Literal[
    "none", "message", "update", "dialog", "close", "toast", "config", "suggestions", "unknown"
]
#: Message fields the app may set in a reply (the rest is Chat's to fill in).
_MESSAGE_FIELDS = (
    "text",
    "cardsV2",
    "cards",
    "accessoryWidgets",
    "privateMessageViewer",
    "fallbackText",
    "attachment",
    "quotedMessageMetadata",
)


@dataclass
class Answer:
    kind: Kind
    message: Json | None = None
    dialog: Json | None = None
    status: str = ""
    toast: str = ""
    url: str = ""
    suggestions: list[Json] = field(default_factory=list)
    detail: str = ""


def message_fields(body: Any) -> Json:
    """The reply's message fields, without ``actionResponse`` and output-only ones."""
    if not isinstance(body, dict):
        return {}
    return {k: body[k] for k in _MESSAGE_FIELDS if k in body}


def _has_content(message: Json) -> bool:
    return any(message.get(k) for k in ("text", "cardsV2", "cards", "accessoryWidgets"))


def read_answer(body: Json) -> Answer:
    """Classify ``body`` (an HTTP 200 JSON object from the app)."""
    if not body:
        return Answer("none")
    if any(k in body for k in ("hostAppDataAction", "action", "renderActions")) or (
        "basicAuthorizationPrompt" in body
    ):
        return _addon(body)
    return _legacy(body)


def _legacy(body: Json) -> Answer:
    action = obj(body, "actionResponse")
    kind = action.get("type") or "NEW_MESSAGE"
    if kind == "DIALOG":
        card = obj(action, "dialogAction", "dialog", "body")
        if card:
            return Answer("dialog", dialog=card)
        status = obj(action, "dialogAction", "actionStatus")
        return Answer(
            "close",
            status=str(status.get("statusCode") or "OK"),
            toast=str(status.get("userFacingMessage") or ""),
        )
    if kind == "REQUEST_CONFIG":
        return Answer("config", url=str(action.get("url") or ""))
    if kind == "UPDATE_WIDGET":
        items = arr(obj(action, "updatedWidget", "suggestions").get("items"))
        return Answer("suggestions", suggestions=[i for i in items if isinstance(i, dict)])
    message = message_fields(body)
    if kind in ("UPDATE_MESSAGE", "UPDATE_USER_MESSAGE_CARDS"):
        return Answer("update", message=message, detail=kind)
    if kind != "NEW_MESSAGE":
        return Answer("unknown", detail=f"actionResponse.type {kind!r}")
    return Answer("message", message=message) if _has_content(message) else Answer("none")


def _addon(body: Json) -> Answer:
    prompt = body.get("basicAuthorizationPrompt")
    if isinstance(prompt, dict):
        return Answer("config", url=str(prompt.get("authorizationUrl") or ""))
    data = obj(body, "hostAppDataAction", "chatDataAction")
    if "createMessageAction" in data:
        message = message_fields(obj(data, "createMessageAction", "message"))
        return Answer("message", message=message)
    if "updateMessageAction" in data:
        message = message_fields(obj(data, "updateMessageAction", "message"))
        return Answer("update", message=message, detail="updateMessageAction")
    if "updateInlinePreviewAction" in data:
        cards = arr(obj(data, "updateInlinePreviewAction").get("cardsV2"))
        return Answer("update", message={"cardsV2": cards}, detail="updateInlinePreviewAction")
    action = obj(body, "action") or obj(body, "renderActions", "action")
    toast = str(obj(action, "notification").get("text") or "")
    for navigation in arr(action.get("navigations")):
        card = obj(navigation, "pushCard") or obj(navigation, "updateCard")
        if card:
            return Answer("dialog", dialog=card, toast=toast)
        if isinstance(navigation, dict) and "endNavigation" in navigation:
            return Answer("close", status="OK", toast=toast)
    for operation in arr(action.get("modifyOperations")):
        update = obj(operation, "updateWidget")
        found = obj(update, "selectionInputWidgetSuggestions") or obj(update, "suggestions")
        if found:
            items = arr(found.get("suggestions")) or arr(found.get("items"))
            return Answer("suggestions", suggestions=[i for i in items if isinstance(i, dict)])
    if toast:
        return Answer("toast", toast=toast)
    return Answer("unknown", detail="keys " + ", ".join(sorted(body)))
