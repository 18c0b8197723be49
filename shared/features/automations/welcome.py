"""Welcome: a new member of a space gets the managers' welcome card, in a thread of their own.

On ``membership.v1.created`` for a HUMAN who has joined (not one merely invited), when the
space's managers switched it on, Nudge posts "Welcome, @person!" with a card holding the
managers' text. The post replies in the thread ``nudge-welcome-<user id>`` (one per member)
under a message ID derived from the membership and when it was created, so a redelivered
or duplicated event posts nothing new, and someone who leaves and joins again later is
welcomed again. An event more than ``STALE_AFTER`` old (a retry long after the fact) is
not acted on.

**The managers' text is escaped**, then a small formatting subset is turned back on:
``*bold*``, ``_italic_``, line breaks, and bare ``https://`` links (shown as themselves).
Nothing else a manager types can become markup, a mention or a link with a hidden target.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.chat.cards import Card, Section, TextParagraph
from shared.chat.events.models import UserType
from shared.chat.render import render_message
from shared.chat.responses import Reply
from shared.chat.text import escape, escape_html, mention
from shared.chatapi.ids import client_message_id
from shared.features.automations import records
from shared.workspace.models import MembershipEvent

if TYPE_CHECKING:
    from shared.services import Services
    from shared.workspace.models import WorkspaceEvent

log = logging.getLogger(__name__)

MAX_WELCOME = 1000
STALE_AFTER = timedelta(hours=24)
#: Our own fixed patterns, run on at most ``MAX_WELCOME`` characters of escaped text.
_LINK = re.compile(r"https://[^\s<>\"'`]{1,500}")
_BOLD = re.compile(r"\*([^*\n]{1,300})\*")
_ITALIC = re.compile(r"(?<![\w&#])_([^_\n]{1,300})_(?!\w)")
_TRAILING = ".,;:!?)]}"


def format_welcome(text: str) -> str:
    """The managers' text as card HTML: escaped, then bold, italic, breaks and https links."""
    out: list[str] = []
    position = 0
    source = text[:MAX_WELCOME]
    for found in _LINK.finditer(source):
        url = found.group(0).rstrip(_TRAILING)
        end = found.start() + len(url)
        out.append(_inline(source[position : found.start()]))
        href = escape_html(url)
        out.append(f'<a href="{href}">{href}</a>')
        position = end
    out.append(_inline(source[position:]))
    return "".join(out)


def _inline(text: str) -> str:
    html = escape_html(text)
    html = _BOLD.sub(r"<b>\1</b>", html)
    html = _ITALIC.sub(r"<i>\1</i>", html)
    return html.replace("\r\n", "\n").replace("\n", "<br>")


def welcome_reply(member_name: str, text: str) -> Reply:
    try:
        greeting = f"Welcome, {mention(member_name)}!"
    except ValueError:
        greeting = "Welcome!"
    card = Card(card_id="welcome", sections=[Section([TextParagraph(format_welcome(text))])])
    return Reply(greeting, cards=(card,), fallback_text=escape(f"Welcome! {text}")[:200])


def welcome(event: WorkspaceEvent, services: Services) -> None:
    """The ``membership.v1.created`` handler."""
    if not isinstance(event, MembershipEvent) or event.action != "created":
        return
    member = event.member
    if member is None or member.type is not UserType.HUMAN or not member.name:
        return
    if event.state not in ("", "JOINED"):
        return  # invited, not (yet) in the space
    if event.time is not None and services.clock() - event.time > STALE_AFTER:
        log.info("not welcoming on a stale event", extra={"fields": {"ce_id": event.id}})
        return
    space = event.space
    settings = records.load(services, space)
    if not settings.welcome_on or not settings.welcome_text.strip():
        return
    joined = str(event.raw.get("membership", {}).get("createTime", "")) if event.raw else ""
    body = render_message(welcome_reply(member.name, settings.welcome_text))
    services.chat().create_message(
        space,
        body,
        thread_key=f"nudge-welcome-{member.id}",
        message_id=client_message_id("nudge-welcome", space, member.name, joined),
    )
    log.info("welcomed a new member", extra={"fields": {"space": space, "ce_id": event.id}})
