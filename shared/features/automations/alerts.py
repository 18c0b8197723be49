"""Keyword alerts: a message matching a space's watch words or pattern posts an alert card,
with a link to the message, into the alert space the managers chose.

The alert's message ID derives from the alert space and the watched message's name, so
however often the event is delivered (and whether ``created`` or an ``updated`` of the
same message comes first) the alert space gets one alert per message. Everything taken
from the message (text, sender, space name) is escaped for the card.

The link: the Chat API gives messages no URL. Chat's web client opens a message at
``https://chat.google.com/room/{space id}/{thread id}/{message id}`` (``dm`` instead of
``room`` in a DM); that form is what Chat's "Copy link" produces, but Google does not
document it, so the card also names the message resource (``spaces/…/messages/…``).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared.chat.cards import (
    Button,
    ButtonList,
    Card,
    CardHeader,
    DecoratedText,
    Icon,
    OpenLink,
    Section,
    TextParagraph,
    Widget,
)
from shared.chat.render import render_message
from shared.chat.responses import Reply
from shared.chat.text import escape, escape_html
from shared.chatapi.ids import client_message_id
from shared.google.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from shared.features.automations.matching import Match
    from shared.services import Services
    from shared.store.spaces import SpaceSettings
    from shared.workspace.models import ChatMessageEvent

log = logging.getLogger(__name__)

#: How much of the message the alert quotes.
QUOTE_CHARS = 500


def message_link(message_name: str, thread_name: str = "", *, dm: bool = False) -> str:
    """The Chat web link of a message (``""`` when its name is not ``spaces/S/messages/M``)."""
    parts = message_name.split("/")
    if len(parts) != 4 or parts[0] != "spaces" or parts[2] != "messages":
        return ""
    space_id, message_id = parts[1], parts[3]
    thread_parts = thread_name.split("/")
    thread_id = thread_parts[3] if len(thread_parts) == 4 else message_id.split(".", 1)[0]
    segments = "/".join(urllib.parse.quote(s, safe="") for s in (space_id, thread_id, message_id))
    return f"https://chat.google.com/{'dm' if dm else 'room'}/{segments}"


def _space_of_message(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    message = raw.get("message")
    space = message.get("space") if isinstance(message, Mapping) else None
    return space if isinstance(space, Mapping) else {}


def alert_reply(event: ChatMessageEvent, match: Match) -> Reply:
    """The alert: what matched, where, from whom, the message quoted, and a link to it."""
    message = event.message
    space_json = _space_of_message(event.raw)
    where = str(space_json.get("displayName") or event.space)
    dm = space_json.get("spaceType") == "DIRECT_MESSAGE"
    sender = message.sender
    who = (sender.display_name or sender.name) if sender is not None else "someone"
    quoted = message.text[:QUOTE_CHARS] + ("…" if len(message.text) > QUOTE_CHARS else "")
    widgets: list[Widget] = [
        DecoratedText(
            top_label="Matched",
            text=escape_html(match.describe()),
            start_icon=Icon(material="notifications_active"),
            wrap_text=True,
        ),
        DecoratedText(top_label="In", text=escape_html(where), wrap_text=True),
        DecoratedText(top_label="From", text=escape_html(who), wrap_text=True),
        TextParagraph(escape_html(quoted).replace("\n", "<br>") or "<i>(no text)</i>"),
    ]
    link = message_link(message.name, message.thread.name if message.thread else "", dm=dm)
    if link:
        widgets.append(ButtonList([Button("Open message", OpenLink(link))]))
    widgets.append(DecoratedText(top_label="Message", text=escape_html(message.name)))
    card = Card(
        card_id="keyword-alert",
        header=CardHeader(title="Keyword alert"),
        sections=[Section(widgets)],
    )
    return Reply(
        "",
        cards=(card,),
        fallback_text=escape(f"Keyword alert ({match.describe()}) in {where}")[:200],
    )


def post_alert(
    event: ChatMessageEvent, settings: SpaceSettings, match: Match, services: Services
) -> None:
    """Post the alert once per watched message (a repeat returns the existing alert).

    An alert space that refuses (Nudge was removed, the space is gone) is logged and
    skipped, so the space's other automations (the webhook) still run for the message;
    other failures raise, and the event is delivered again.
    """
    alert_space = settings.alert_space
    body = render_message(alert_reply(event, match))
    try:
        services.chat().create_message(
            alert_space,
            body,
            message_id=client_message_id("nudge-alert", alert_space, event.message.name),
        )
    except (NotFound, PermissionDenied) as exc:
        log.warning(
            "the alert space refused a keyword alert",
            extra={
                "fields": {
                    "space": event.space,
                    "alert_space": alert_space,
                    "error": str(exc)[:200],
                }
            },
        )
        return
    log.info(
        "keyword alert posted",
        extra={"fields": {"space": event.space, "alert_space": alert_space, "ce_id": event.id}},
    )
