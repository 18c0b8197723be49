"""The slash commands the compose box offers: configured IDs, described by the app's ``/help``.

Google Chat knows an app's commands from its Chat API configuration (names and IDs,
here ``NUDGE_COMMAND_IDS``); what each does comes from the app itself. The simulator
asks as Chat would let a person ask: a signed ``/help`` command event, whose answer
is read (its card's rows) and not posted anywhere.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devkit.web.events import Actor, Interaction, build_event, command_annotation
from devkit.web.exchanges import ExchangeLog
from devkit.web.jsonish import arr, obj
from devkit.web.replies import read_answer
from devkit.web.upstream import AppClient

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command as the Chat API console configures it, described by ``/help``."""

    name: str
    id: int
    usage: str = ""
    description: str = ""


def help_rows(message: Json) -> dict[str, tuple[str, str]]:
    """``{"/remind": (usage, description)}`` from the ``/help`` card's rows."""
    rows: dict[str, tuple[str, str]] = {}
    for item in arr(message.get("cardsV2")):
        for section in arr(obj(item, "card").get("sections")):
            for widget in arr(obj(section).get("widgets")):
                row = obj(widget, "decoratedText")
                plain = html.unescape(re.sub(r"<[^>]*>", "", str(row.get("text") or ""))).strip()
                name, _, usage = plain.partition(" ")
                if name.startswith("/"):
                    rows[name] = (usage.strip(), str(row.get("bottomLabel") or ""))
    return rows


def ask_help(
    app: AppClient,
    log: ExchangeLog,
    actor: Actor,
    space: Json,
    ids: Mapping[str, int],
    redirect: str,
) -> dict[str, tuple[str, str]]:
    """Send ``/help`` (as ``actor``, in ``space``) and read the rows of its answer."""
    help_id = ids["/help"]
    message = {
        "name": f"{space['name']}/messages/help-probe-{uuid.uuid4().hex[:8]}",
        "sender": actor.person.json(),
        "text": "/help",
        "argumentText": "",
        "slashCommand": {"commandId": str(help_id)},
        "annotations": [command_annotation("/help", help_id)],
    }
    what = Interaction("APP_COMMAND", space, message, command_id=help_id, redirect=redirect)
    delivery = app.deliver(build_event(actor, what))
    delivery.notes.append("the command list for the compose box; the answer is not posted")
    log.record("APP_COMMAND /help (command list)", actor.person.name, actor.format, delivery)
    if delivery.body is None:
        return {}
    return help_rows(read_answer(delivery.body).message or {})
