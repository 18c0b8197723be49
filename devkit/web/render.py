"""The Jinja2 templates (autoescaped) and the helpers that fill them."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from devkit.web.cardview import Renderer

_ids = itertools.count(1)


def _uid() -> str:
    return f"f{next(_ids)}"


@functools.cache
def environment() -> Environment:
    """One environment for the process: HTML autoescaped, nothing undefined made up."""
    env = Environment(
        loader=PackageLoader("devkit.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["uid"] = _uid
    return env


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def _macro(template: str, name: str) -> Any:
    return getattr(environment().get_template(template).module, name)


def card_html(
    card: Mapping[str, Any],
    *,
    card_id: str = "",
    zone: tzinfo | None = None,
    dialog: bool = False,
    people: Mapping[str, str] | None = None,
) -> Markup:
    """One card body (``google.apps.card.v1.Card``) as HTML, as the page draws it."""
    view = Renderer(zone or ZoneInfo("UTC"), people).card(card, card_id=card_id, dialog=dialog)
    if dialog:
        return Markup(_macro("cards.html", "dialog")(view))  # noqa: S704 - autoescaped
    return Markup(_macro("cards.html", "card")(view))  # noqa: S704 - autoescaped


def message_html(
    message: Mapping[str, Any],
    *,
    viewer: str = "",
    zone: tzinfo | None = None,
    people: Mapping[str, str] | None = None,
) -> Markup:
    """One message (text, cards, accessory widgets) as the timeline draws it."""
    from devkit.web.timeline import message_view

    renderer = Renderer(zone or ZoneInfo("UTC"), people)
    view = message_view(message, viewer, renderer)
    return Markup(_macro("messages.html", "message")(view, ""))  # noqa: S704 - autoescaped
