"""The small parts of a card view: icons, button actions, links and colours, made safe."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from devkit.web.textfmt import safe_url

View = dict[str, Any]
_BUTTON_KINDS = {
    "FILLED": "filled",
    "OUTLINED": "outlined",
    "FILLED_TONAL": "tonal",
    "BORDERLESS": "borderless",
}
_RGB = ("red", "green", "blue")
#: Keys a widget may carry beside the one naming its type.
WIDGET_EXTRAS = frozenset({"horizontalAlignment", "id", "visibility", "eventActions"})

#: Chat's built-in icons and common Material Symbols as monochrome characters that
#: ordinary fonts (DejaVu, Liberation) carry: no icon font or emoji font is needed.
ICONS = {
    "AIRPLANE": "\u2708",  # airplane
    "BOOKMARK": "\u2691",  # black flag
    "BUS": "\u2388",  # helm symbol
    "CAR": "\u2388",
    "CLOCK": "\u25f7",  # circle with a quadrant: a clock face
    "CONFIRMATION_NUMBER_ICON": "\u2116",  # numero sign
    "DESCRIPTION": "\u2630",  # trigram: lines of text
    "DOLLAR": "$",
    "EMAIL": "\u2709",  # envelope
    "EVENT_SEAT": "\u2616",
    "FLIGHT_ARRIVAL": "\u2708",
    "FLIGHT_DEPARTURE": "\u2708",
    "HOTEL": "\u2302",  # house
    "HOTEL_ROOM_TYPE": "\u2302",
    "INVITE": "\u2709",
    "MAP_PIN": "\u26b2",  # neuter: a pin
    "MEMBERSHIP": "\u2687",
    "MULTIPLE_PEOPLE": "\u2687",  # two circles
    "PERSON": "\u263a",  # face
    "PHONE": "\u260e",  # telephone
    "RESTAURANT_ICON": "\u2615",  # hot beverage
    "SHOPPING_CART": "\u2302",
    "STAR": "\u2605",  # star
    "STORE": "\u2302",
    "TICKET": "\u2116",
    "TRAIN": "\u2388",
    "VIDEO_CAMERA": "\u25b6",
    "VIDEO_PLAY": "\u25b6",
    "alarm": "\u25d4",  # circle, upper right quadrant: an alarm clock face
    "schedule": "\u25f7",
    "notifications": "\u2691",
    "task_alt": "\u2714",  # heavy check mark
    "check": "\u2714",
    "check_circle": "\u2714",
    "terminal": "\u2328",  # keyboard
    "close": "\u2715",  # multiplication x
    "delete": "\u2715",
    "edit": "\u270e",  # pencil
    "event": "\u25a6",  # square with a grid: a calendar
    "calendar_today": "\u25a6",
    "info": "\u2139",
    "warning": "\u26a0",  # warning sign
    "error": "\u26a0",
    "person": "\u263a",
    "group": "\u2687",
    "link": "\u2197",  # north-east arrow
    "open_in_new": "\u2197",
    "mail": "\u2709",
    "search": "\u2315",  # telephone recorder: a magnifier
    "settings": "\u2699",  # gear
    "snooze": "\u263e",  # last quarter moon
    "star": "\u2605",
    "public": "\u25ce",  # bullseye: a globe
    "language": "\u25ce",
}


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def widget_type(widget: Mapping[str, Any]) -> str:
    """The widget's type key (``decoratedText``...), or ``""`` for an empty widget."""
    keys = [key for key in widget if key not in WIDGET_EXTRAS]
    return keys[0] if keys else ""


# --- small parts --------------------------------------------------------------------------


def icon_view(icon: Any) -> View | None:
    """``{glyph, url, alt, name, circle}`` for an ``Icon``, or ``None``."""
    data = as_map(icon)
    if not data:
        return None
    alt = as_text(data.get("altText"))
    url = safe_url(data.get("iconUrl"), schemes=("https",))
    if url:
        return {"url": url, "alt": alt, "circle": data.get("imageType") == "CIRCLE"}
    name = as_text(data.get("knownIcon")) or as_text(as_map(data.get("materialIcon")).get("name"))
    if not name:
        return {"glyph": "?", "name": "icon", "alt": alt or "an icon the simulator cannot show"}
    return {"glyph": ICONS.get(name, name[:1].upper()), "name": name, "alt": alt or name}


def action_json(action: Any) -> str | None:
    """The action as JSON for ``data-action`` (the page sends it back as it was)."""
    data = as_map(action)
    if not as_text(data.get("function")):
        return None
    keep = {k: data[k] for k in ("function", "parameters", "interaction") if k in data}
    return json.dumps(keep, separators=(",", ":"))


def click_view(on_click: Any) -> View:
    """What a click does: ``action``, ``link``, ``blocked``, ``menu`` or ``unsupported``."""
    data = as_map(on_click)
    if "openLink" in data:
        raw = as_text(as_map(data["openLink"]).get("url"))
        url = safe_url(raw)
        return {"link": url} if url else {"blocked": raw or "(no URL)"}
    for key in ("action", "openDynamicLinkAction"):
        if key in data:
            found = action_json(data[key])
            return {"action": found} if found else {"unsupported": f"{key} without a function"}
    if "overflowMenu" in data:
        items = []
        for item in as_list(as_map(data["overflowMenu"]).get("items")):
            entry = as_map(item)
            items.append(
                {
                    "text": as_text(entry.get("text")),
                    "disabled": bool(entry.get("disabled")),
                    **click_view(entry.get("onClick")),
                }
            )
        return {"menu": items}
    if "card" in data:
        return {"unsupported": "onClick.card (opens a card: Workspace add-ons only)"}
    return {}


def _color(value: Any) -> str | None:
    data = as_map(value)
    if not data:
        return None
    try:
        parts = [round(min(1.0, max(0.0, float(data.get(c) or 0))) * 255) for c in _RGB]
    except (TypeError, ValueError):
        return None
    return "#{:02x}{:02x}{:02x}".format(*parts)


def button_view(button: Any) -> View:
    data = as_map(button)
    kind = _BUTTON_KINDS.get(as_text(data.get("type")), "default")
    return {
        "text": as_text(data.get("text")),
        "alt": as_text(data.get("altText")),
        "icon": icon_view(data.get("icon")),
        "kind": kind,
        "color": _color(data.get("color")),
        "disabled": bool(data.get("disabled")),
        **click_view(data.get("onClick")),
    }
