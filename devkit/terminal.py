"""Show Chat replies, cards and dialogs readably in a terminal."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from typing import Any

_TAGS = re.compile(r"<(/?)(b|i|u|s|strike|font|br|a)\b[^>]*>", re.IGNORECASE)


_LINK = re.compile(
    r"""<a\b[^>]*\bhref=["']([^"']*)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL
)


def plain(text: str) -> str:
    """Card text (a little HTML) as plain terminal text; links keep their URL."""
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = _LINK.sub(
        lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} ({m.group(1)})", text
    )
    return html.unescape(_TAGS.sub("", text))


def _button_label(button: Mapping[str, Any]) -> str:
    on_click = button.get("onClick", {})
    if "openLink" in on_click:
        return f"[{button.get('text', 'link')} -> {on_click['openLink'].get('url', '')}]"
    action = on_click.get("action", {})
    params = {p.get("key"): p.get("value") for p in action.get("parameters", [])}
    name = params.pop("actionName", None) or action.get("function", "")
    return f"[{button.get('text', '?')}: {name}]"


def _widget(widget: Mapping[str, Any]) -> Iterator[str]:
    if "textParagraph" in widget:
        yield plain(widget["textParagraph"].get("text", ""))
    elif "decoratedText" in widget:
        item = widget["decoratedText"]
        label = item.get("topLabel")
        line = plain(item.get("text", ""))
        yield f"{label}: {line}" if label else line
        if item.get("bottomLabel"):
            yield f"  {item['bottomLabel']}"
    elif "buttonList" in widget:
        yield " ".join(_button_label(b) for b in widget["buttonList"].get("buttons", []))
    elif "divider" in widget:
        yield "-" * 24
    elif "image" in widget:
        yield f"(image {widget['image'].get('imageUrl', '')})"
    elif "columns" in widget:
        for column in widget["columns"].get("columnItems", []):
            for inner in column.get("widgets", []):
                yield from _widget(inner)
    elif "textInput" in widget:
        field = widget["textInput"]
        yield f"{field.get('label', field.get('name'))}: [{field.get('value', '')}____]"
    elif "selectionInput" in widget:
        field = widget["selectionInput"]
        items = ", ".join(i.get("text", "") for i in field.get("items", []))
        yield f"{field.get('label', field.get('name'))}: ({items})"
    elif "dateTimePicker" in widget:
        field = widget["dateTimePicker"]
        yield f"{field.get('label', field.get('name'))}: [date/time]"
    else:
        yield f"({next(iter(widget), 'widget')})"


def card_lines(card: Mapping[str, Any]) -> Iterator[str]:
    header = card.get("header") or {}
    if header.get("title"):
        subtitle = f" - {header['subtitle']}" if header.get("subtitle") else ""
        yield f"+ {header['title']}{subtitle}"
    for section in card.get("sections", []):
        if section.get("header"):
            yield f"| {plain(section['header'])}"
        for widget in section.get("widgets", []):
            for line in _widget(widget):
                yield f"|   {line}"
    footer = card.get("fixedFooter")
    if footer:
        buttons = [footer[k] for k in ("primaryButton", "secondaryButton") if k in footer]
        yield "|   " + " ".join(_button_label(b) for b in buttons)


def message_lines(message: Mapping[str, Any]) -> Iterator[str]:
    """A Chat ``Message`` JSON as lines of text."""
    if message.get("privateMessageViewer"):
        yield "(only visible to you)"
    if message.get("text"):
        yield from str(message["text"]).splitlines()
    for item in message.get("cardsV2", []):
        yield from card_lines(item.get("card", {}))


def response_lines(body: Mapping[str, Any]) -> Iterator[str]:
    """Whatever chat_app answered (either wire format) as lines of text."""
    if not body:
        yield "(no reply)"
        return
    data_action = body.get("hostAppDataAction", {}).get("chatDataAction", {})
    for key in ("createMessageAction", "updateMessageAction"):
        if key in data_action:
            yield from message_lines(data_action[key].get("message", {}))
            return
    action_response = body.get("actionResponse") or {}
    kind = action_response.get("type", "NEW_MESSAGE")
    navigations = body.get("action", {}).get("navigations", [])
    if kind == "DIALOG" or navigations:
        dialog = action_response.get("dialogAction", {})
        card = dialog.get("dialog", {}).get("body")
        for nav in navigations:
            card = card or nav.get("pushCard") or nav.get("updateCard")
        if card:
            yield "[dialog]"
            yield from card_lines(card)
        else:
            status = dialog.get("actionStatus", {})
            note = status.get("userFacingMessage") or body.get("action", {}).get(
                "notification", {}
            ).get("text", "")
            yield f"[dialog closed] {note}".rstrip()
        return
    if kind == "REQUEST_CONFIG" or "basicAuthorizationPrompt" in body:
        prompt = body.get("basicAuthorizationPrompt") or {}
        url = action_response.get("url") or prompt.get("authorizationUrl") or "(no URL given)"
        yield f"(only visible to you) Nudge needs your permission: open {url}"
        return
    if kind == "UPDATE_WIDGET":
        items = action_response.get("updatedWidget", {}).get("suggestions", {}).get("items", [])
        yield "suggestions: " + ", ".join(i.get("text", "") for i in items)
        return
    if kind == "UPDATE_MESSAGE":
        yield "(updated the message)"
    yield from message_lines(body)
