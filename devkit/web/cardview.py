"""Cards v2 JSON -> plain view dictionaries the templates lay out, every value made safe.

Each widget becomes ``{"type": ..., ...}`` with its text already turned into safe
HTML (:mod:`devkit.web.textfmt`), links and images kept only for ``http(s)``
(images: ``https``), and button actions serialised for the page's script. A widget
the simulator does not draw becomes ``{"type": "unknown", "name": "carousel"}``,
which the template shows as a placeholder naming the type: never a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from devkit.web.parts import (
    WIDGET_EXTRAS,
    action_json,
    as_list,
    as_map,
    as_text,
    button_view,
    click_view,
    icon_view,
    widget_type,
)
from devkit.web.textfmt import card_html, chat_text, safe_url

View = dict[str, Any]
_RENDERED = frozenset(
    {
        "textParagraph",
        "decoratedText",
        "buttonList",
        "image",
        "divider",
        "columns",
        "grid",
        "chipList",
        "textInput",
        "selectionInput",
        "dateTimePicker",
    }
)


# --- widgets ------------------------------------------------------------------------------


class Renderer:
    """Builds views in one time zone (date pickers show and read times in it)."""

    def __init__(self, zone: tzinfo = UTC, people: Mapping[str, str] | None = None) -> None:
        self.zone = zone
        self.people = dict(people or {})

    def widget(self, widget: Any) -> View:
        data = as_map(widget)
        kind = widget_type(data)
        if kind not in _RENDERED:
            others = [k for k in data if k not in WIDGET_EXTRAS]
            return {"type": "unknown", "name": ", ".join(others) or "empty widget"}
        body = as_map(data[kind])
        view: View = getattr(self, f"_{kind}")(body)
        view["type"] = kind
        view["align"] = as_text(data.get("horizontalAlignment")).lower()
        return view

    def widgets(self, widgets: Any) -> list[View]:
        return [self.widget(w) for w in as_list(widgets)]

    def _textParagraph(self, body: Mapping[str, Any]) -> View:
        text = as_text(body.get("text"))
        markdown = body.get("textSyntax") == "MARKDOWN"
        html = chat_text(text, self.people) if markdown else card_html(text)
        return {"html": html, "max_lines": body.get("maxLines")}

    def _decoratedText(self, body: Mapping[str, Any]) -> View:
        switch = as_map(body.get("switchControl"))
        return {
            "icon": icon_view(body.get("startIcon") or body.get("icon")),
            "end_icon": icon_view(body.get("endIcon")),
            "top": card_html(as_text(body.get("topLabel"))),
            "html": card_html(as_text(body.get("text"))),
            "bottom": card_html(as_text(body.get("bottomLabel"))),
            "wrap": bool(body.get("wrapText")),
            "button": button_view(body["button"]) if "button" in body else None,
            "switch": (
                {
                    "name": as_text(switch.get("name")),
                    "value": as_text(switch.get("value")) or "on",
                    "selected": bool(switch.get("selected")),
                    "checkbox": "CHECK" in as_text(switch.get("controlType")),
                    "on_change": action_json(switch.get("onChangeAction")),
                }
                if switch
                else None
            ),
            "click": click_view(body.get("onClick")) if "onClick" in body else None,
        }

    def _buttonList(self, body: Mapping[str, Any]) -> View:
        return {"buttons": [button_view(b) for b in as_list(body.get("buttons"))]}

    def _chipList(self, body: Mapping[str, Any]) -> View:
        chips = []
        for chip in as_list(body.get("chips")):
            data = as_map(chip)
            chips.append(
                {
                    "text": as_text(data.get("label")),
                    "alt": as_text(data.get("altText")),
                    "icon": icon_view(data.get("icon")),
                    "kind": "chip",
                    "color": None,
                    "disabled": bool(data.get("disabled")) or data.get("enabled") is False,
                    **click_view(data.get("onClick")),
                }
            )
        return {"buttons": chips}

    def _image(self, body: Mapping[str, Any]) -> View:
        raw = as_text(body.get("imageUrl"))
        return {
            "url": safe_url(raw, schemes=("https",)),
            "raw": raw,
            "alt": as_text(body.get("altText")),
            "click": click_view(body.get("onClick")) if "onClick" in body else None,
        }

    def _divider(self, body: Mapping[str, Any]) -> View:
        return {}

    def _columns(self, body: Mapping[str, Any]) -> View:
        columns = []
        for column in as_list(body.get("columnItems")):
            data = as_map(column)
            columns.append(
                {
                    "widgets": self.widgets(data.get("widgets")),
                    "halign": as_text(data.get("horizontalAlignment")).lower(),
                    "valign": as_text(data.get("verticalAlignment")).lower(),
                    "fill": data.get("horizontalSizeStyle") != "FILL_MINIMUM_SPACE",
                }
            )
        return {"columns": columns}

    def _grid(self, body: Mapping[str, Any]) -> View:
        items = []
        for item in as_list(body.get("items")):
            data = as_map(item)
            image = as_map(data.get("image"))
            raw = as_text(image.get("imageUri"))
            items.append(
                {
                    "id": as_text(data.get("id")),
                    "title": as_text(data.get("title")),
                    "subtitle": as_text(data.get("subtitle")),
                    "url": safe_url(raw, schemes=("https",)),
                    "raw": raw,
                    "alt": as_text(image.get("altText")),
                    "above": data.get("layout") == "TEXT_ABOVE",
                }
            )
        count = body.get("columnCount")
        columns = count if isinstance(count, int) and 1 <= count <= 6 else 3
        return {
            "title": as_text(body.get("title")),
            "columns": columns,
            "cells": items,
            "click": click_view(body.get("onClick")) if "onClick" in body else None,
        }

    def _textInput(self, body: Mapping[str, Any]) -> View:
        validation = as_map(body.get("validation"))
        limit = validation.get("characterLimit")
        input_type = {"INTEGER": "number", "FLOAT": "number", "EMAIL": "email"}.get(
            as_text(validation.get("inputType")), "text"
        )
        initial = as_list(as_map(body.get("initialSuggestions")).get("items"))
        suggestions = [as_text(as_map(i).get("text")) for i in initial]
        return {
            "name": as_text(body.get("name")),
            "label": as_text(body.get("label")),
            "hint": as_text(body.get("hintText")),
            "value": as_text(body.get("value")),
            "placeholder": as_text(body.get("placeholderText")),
            "multiline": body.get("type") == "MULTIPLE_LINE",
            "input_type": input_type,
            "maxlength": limit if isinstance(limit, int) and limit > 0 else None,
            "suggestions": [s for s in suggestions if s],
            "autocomplete": action_json(body.get("autoCompleteAction")),
            "on_change": action_json(body.get("onChangeAction")),
        }

    def _selectionInput(self, body: Mapping[str, Any]) -> View:
        items = []
        for item in as_list(body.get("items")):
            data = as_map(item)
            items.append(
                {
                    "text": as_text(data.get("text")),
                    "value": as_text(data.get("value")),
                    "selected": bool(data.get("selected")),
                    "icon_url": safe_url(data.get("startIconUri"), schemes=("https",)),
                    "bottom": as_text(data.get("bottomText")),
                }
            )
        platform = as_map(body.get("platformDataSource"))
        source = as_text(platform.get("commonDataSource")) or (
            "host app data source" if platform.get("hostAppDataSource") else ""
        )
        maximum = body.get("multiSelectMaxSelectedItems")
        return {
            "name": as_text(body.get("name")),
            "label": as_text(body.get("label")),
            "hint": as_text(body.get("hintText")),
            "kind": as_text(body.get("type")) or "CHECK_BOX",
            "options": items,
            "on_change": action_json(body.get("onChangeAction")),
            "external": action_json(body.get("externalDataSource")),
            "platform": source,
            "max_selected": maximum if isinstance(maximum, int) and maximum > 0 else None,
        }

    def _dateTimePicker(self, body: Mapping[str, Any]) -> View:
        kind = as_text(body.get("type")) or "DATE_AND_TIME"
        offset = body.get("timezoneOffsetDate")
        zone: tzinfo = self.zone
        if isinstance(offset, int) and abs(offset) < 24 * 60:
            zone = timezone(timedelta(minutes=offset))
        else:
            offset = None
        value = ""
        raw = body.get("valueMsEpoch")
        try:
            ms = int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            ms = None
        if ms is not None:
            try:
                moment = datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)
            except (OverflowError, OSError, ValueError):
                moment = None
            if moment is not None:
                value = {
                    "DATE_ONLY": moment.strftime("%Y-%m-%d"),
                    "TIME_ONLY": moment.strftime("%H:%M"),
                }.get(kind, moment.strftime("%Y-%m-%dT%H:%M"))
        return {
            "name": as_text(body.get("name")),
            "label": as_text(body.get("label")),
            "kind": kind,
            "input_type": {"DATE_ONLY": "date", "TIME_ONLY": "time"}.get(kind, "datetime-local"),
            "value": value,
            "offset": offset,
            "zone_label": str(zone),
            "on_change": action_json(body.get("onChangeAction")),
        }

    # --- cards ----------------------------------------------------------------------------

    def card(self, card: Any, *, card_id: str = "", dialog: bool = False) -> View:
        """A ``google.apps.card.v1.Card`` as a view (``dialog``: its fixed footer too)."""
        data = as_map(card)
        header = as_map(data.get("header"))
        sections = []
        for section in as_list(data.get("sections")):
            body = as_map(section)
            widgets = self.widgets(body.get("widgets"))
            collapsible = bool(body.get("collapsible"))
            count = body.get("uncollapsibleWidgetsCount")
            shown = count if isinstance(count, int) and count >= 0 else 0
            sections.append(
                {
                    "header": card_html(as_text(body.get("header"))),
                    "collapsible": collapsible and shown < len(widgets),
                    "visible": widgets[:shown] if collapsible else widgets,
                    "hidden": widgets[shown:] if collapsible else [],
                }
            )
        footer = as_map(data.get("fixedFooter"))
        return {
            "id": card_id or as_text(data.get("name")),
            "header": {
                "title": card_html(as_text(header.get("title"))),
                "subtitle": card_html(as_text(header.get("subtitle"))),
                "image": safe_url(header.get("imageUrl"), schemes=("https",)),
                "alt": as_text(header.get("imageAltText")),
                "circle": header.get("imageType") == "CIRCLE",
            }
            if header
            else None,
            "sections": sections,
            "footer": [
                button_view(footer[k])
                for k in ("secondaryButton", "primaryButton")
                if k in footer and dialog
            ],
            "footer_dropped": bool(footer) and not dialog,
            "unsupported": [k for k in ("cardActions", "peekCardHeader") if k in data],
        }

    def message(self, message: Mapping[str, Any]) -> View:
        """A ``Message``'s text, cards (v2) and accessory widgets as a view."""
        cards = []
        for item in as_list(message.get("cardsV2")):
            entry = as_map(item)
            cards.append(self.card(entry.get("card"), card_id=as_text(entry.get("cardId"))))
        from_app = as_map(message.get("sender")).get("type") != "HUMAN"
        return {
            "text": chat_text(as_text(message.get("text")), self.people, from_app=from_app),
            "cards": cards,
            "accessory": self.widgets(message.get("accessoryWidgets")),
            "cards_v1": bool(message.get("cards")),
        }
