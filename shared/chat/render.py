"""Turn a handler's ``Response`` into the JSON body for the request's format.

Legacy Chat apps answer with a ``google.chat.v1.Message`` (plus an
``actionResponse`` for dialogs, updates, config requests and autocomplete).
Workspace add-ons answer with render actions: ``hostAppDataAction`` for
messages and ``action`` for dialogs and autocomplete. Messages are checked
against Chat's 32,000-byte limit (measured as compact UTF-8 JSON of the
message, actionResponse included), cards against 32 KB each.
"""

from __future__ import annotations

from typing import Any

from shared.chat.cards import Card, CardLimitError, JsonDict, RenderContext, json_size
from shared.chat.events.models import Event, EventFormat
from shared.chat.responses import (
    Ack,
    CloseDialog,
    OpenDialog,
    Reply,
    RequestConfig,
    Response,
    Suggestion,
    UpdateMessage,
    UpdateWidget,
)

MAX_MESSAGE_BYTES = 32_000
DEFAULT_APP_NAME = "Nudge"


class MessageTooLarge(CardLimitError):
    """The rendered message exceeds Chat's 32,000-byte limit; split it."""


def render(
    response: Response | str,
    event: Event,
    *,
    endpoint_url: str | None = None,
    app_name: str = DEFAULT_APP_NAME,
) -> dict[str, Any]:
    """The HTTP 200 body answering ``event`` with ``response``.

    ``endpoint_url`` is the app's HTTPS URL, required for add-on events whose
    cards carry actions. ``app_name`` names the app in add-on authorization
    prompts. A ``str`` means ``Reply(str)``; an empty ``Reply`` means ``Ack``.
    Raises ``CardLimitError`` (or ``MessageTooLarge``) for what Chat would reject.
    """
    if isinstance(response, str):
        response = Reply(response)
    if event.format is EventFormat.ADDON:
        return _addon(response, event, endpoint_url or None, app_name)
    return _legacy(response, event)


# --- legacy ---------------------------------------------------------------------


def _legacy(response: Response, event: Event) -> JsonDict:
    ctx = RenderContext()
    match response:
        case Reply() if _is_empty(response):
            return {}
        case Reply():
            return _checked(_message(response, event.user.name, ctx))
        case UpdateMessage():
            body = {"actionResponse": {"type": "UPDATE_MESSAGE"}}
            return _checked(body | _message(response, event.user.name, ctx))
        case OpenDialog(card=card):
            dialog = {"body": card.to_dict(RenderContext(dialog=True))}
            return {"actionResponse": {"type": "DIALOG", "dialogAction": {"dialog": dialog}}}
        case CloseDialog(status=status, message=text):
            action_status: JsonDict = {"statusCode": status.value}
            if text:
                action_status["userFacingMessage"] = text
            return {
                "actionResponse": {
                    "type": "DIALOG",
                    "dialogAction": {"actionStatus": action_status},
                }
            }
        case RequestConfig(url=url):
            return {"actionResponse": {"type": "REQUEST_CONFIG", "url": url}}
        case UpdateWidget(suggestions=suggestions):
            items = [_selection_item(s) for s in suggestions]
            return {
                "actionResponse": {
                    "type": "UPDATE_WIDGET",
                    "updatedWidget": {"suggestions": {"items": items}},
                }
            }
        case Ack():
            return {}
    raise TypeError(f"Not a Response: {response!r}")


# --- add-on -----------------------------------------------------------------------


def _addon(response: Response, event: Event, endpoint_url: str | None, app_name: str) -> JsonDict:
    ctx = RenderContext(addon=True, endpoint_url=endpoint_url)
    match response:
        case Reply() if _is_empty(response):
            return {}
        case Reply():
            message = _checked(_message(response, event.user.name, ctx))
            return _chat_data_action({"createMessageAction": {"message": message}})
        case UpdateMessage():
            message = _checked(_message(response, event.user.name, ctx))
            return _chat_data_action({"updateMessageAction": {"message": message}})
        case OpenDialog(card=card):
            dialog_ctx = RenderContext(addon=True, endpoint_url=endpoint_url, dialog=True)
            return {"action": {"navigations": [{"pushCard": card.to_dict(dialog_ctx)}]}}
        case CloseDialog(message=text):
            action: JsonDict = {"navigations": [{"endNavigation": {"action": "CLOSE_DIALOG"}}]}
            if text:
                action["notification"] = {"text": text}
            return {"action": action}
        case RequestConfig(url=url):
            return {"basicAuthorizationPrompt": {"authorizationUrl": url, "resource": app_name}}
        case UpdateWidget(suggestions=suggestions):
            items = [_selection_item(s) for s in suggestions]
            update = {"selectionInputWidgetSuggestions": {"suggestions": items}}
            return {"action": {"modifyOperations": [{"updateWidget": update}]}}
        case Ack():
            return {}
    raise TypeError(f"Not a Response: {response!r}")


def _chat_data_action(action: JsonDict) -> JsonDict:
    return {"hostAppDataAction": {"chatDataAction": action}}


# --- shared parts -----------------------------------------------------------------


def _is_empty(reply: Reply | UpdateMessage) -> bool:
    return not (reply.text or reply.cards)


def render_message(
    response: Reply | UpdateMessage | str,
    *,
    private_to: str | None = None,
    addon: bool = False,
    endpoint_url: str | None = None,
) -> JsonDict:
    """A ``Message`` body for ``spaces.messages.create`` or ``patch``, with no incoming event.

    What the tick and the events function post. Buttons are rendered for the
    app's event format (``addon`` needs ``endpoint_url``); a private ``Reply``
    needs ``private_to`` (``users/{id}``). Raises ``CardLimitError`` (or
    ``MessageTooLarge``) for what Chat would reject, as ``render`` does.
    """
    if isinstance(response, str):
        response = Reply(response)
    if _is_empty(response):
        raise ValueError("a posted message needs text or cards")
    if isinstance(response, Reply) and response.private and not private_to:
        raise ValueError("a private message needs private_to (the viewer's users/{id})")
    ctx = RenderContext(addon=addon, endpoint_url=endpoint_url)
    return _checked(_message(response, private_to, ctx))


def _message(response: Reply | UpdateMessage, viewer: str | None, ctx: RenderContext) -> JsonDict:
    """The ``Message`` fields both formats share; ``viewer`` sees a private reply."""
    out: JsonDict = {}
    if response.text:
        out["text"] = response.text
    if response.cards:
        out["cardsV2"] = _cards_v2(response.cards, ctx)
    if isinstance(response, Reply):
        if response.fallback_text:
            out["fallbackText"] = response.fallback_text
        if response.private and viewer:
            out["privateMessageViewer"] = {"name": viewer}
    return out


def _cards_v2(cards: tuple[Card, ...], ctx: RenderContext) -> list[JsonDict]:
    """``cardsV2`` entries; a card without ``card_id`` gets ``card-{index}``."""
    ids = [card.card_id or f"card-{i}" for i, card in enumerate(cards)]
    if len(set(ids)) != len(ids):
        raise CardLimitError(f"Cards in one message need distinct card_id values, got {ids}")
    return [
        {"cardId": cid, "card": card.to_dict(ctx)} for cid, card in zip(ids, cards, strict=True)
    ]


def _checked(message: JsonDict) -> JsonDict:
    size = json_size(message)
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLarge(
            f"The message is {size} bytes of JSON; Chat allows at most {MAX_MESSAGE_BYTES}. "
            "Split it into several messages."
        )
    return message


def _selection_item(suggestion: Suggestion) -> JsonDict:
    """A ``SelectionInput.SelectionItem``; ``value`` defaults to the text."""
    item: JsonDict = {"text": suggestion.text, "value": suggestion.value or suggestion.text}
    if suggestion.start_icon_uri:
        item["startIconUri"] = suggestion.start_icon_uri
    return item
