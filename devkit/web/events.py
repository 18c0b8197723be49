"""Interaction events as Google Chat sends them, in the legacy or the add-on format.

The simulator builds every event here from what happened in the page: who acted
(``Actor``: the person, their locale and time zone), where (the space JSON from the
emulator), on which stored message, and what they did. Typed ``@Name`` of a known
person (or ``@Nudge``) becomes a real ``USER_MENTION`` annotation
(``devkit.mentions``, shared with ``nudge chat``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from devkit.mentions import APP_USER as APP_USER
from devkit.mentions import Person as Person
from devkit.mentions import annotate_mentions as annotate_mentions

Json = dict[str, Any]
Format = Literal["legacy", "addon"]
#: Where an event points the browser after a configuration flow (Chat's own page; the
#: simulator serves one at ``/config-complete`` and uses it once it knows its address).
CONFIG_COMPLETE = "http://127.0.0.1/chat/config-complete"
#: Event types that carry the user's time zone in Chat (REFERENCE.md §1.2).
ZONE_EVENTS = frozenset({"CARD_CLICKED", "WIDGET_UPDATED"})
#: Space JSON keys that are the simulator's or the emulator's, not Chat's.
_SPACE_EXTRAS = ("webhookPath", "membershipCount", "spaceUri", "createTime")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts in the page and how their Chat client is set up."""

    person: Person
    format: Format = "legacy"
    locale: str = "en"
    zone: str = "UTC"
    #: Also send the time zone on messages and commands (Chat sends it only with clicks).
    zone_everywhere: bool = False

    def time_zone(self, now: datetime | None = None) -> Json:
        """``{id, offset}`` with the offset (ms) the zone has now."""
        moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(self.zone))
        offset = moment.utcoffset()
        return {"id": self.zone, "offset": int(offset.total_seconds() * 1000) if offset else 0}


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def space_json(space: Mapping[str, Any]) -> Json:
    """The emulator's space as an event carries it."""
    return {k: v for k, v in space.items() if k not in _SPACE_EXTRAS}


def command_annotation(name: str, command_id: int) -> Json:
    return {
        "type": "SLASH_COMMAND",
        "startIndex": 0,
        "length": len(name),
        "slashCommand": {
            "bot": APP_USER,
            "type": "INVOKE",
            "commandName": name,
            "commandId": str(command_id),
            "triggersDialog": False,
        },
    }


# --- events ------------------------------------------------------------------------------


@dataclass
class Interaction:
    """What happened: the pieces every event type is built from."""

    kind: str  # MESSAGE, APP_COMMAND, CARD_CLICKED, WIDGET_UPDATED, ADDED_TO_SPACE
    space: Json
    message: Json | None = None
    function: str = ""
    parameters: Mapping[str, str] | None = None
    form_inputs: Mapping[str, Json] | None = None
    dialog: str = ""  # REQUEST_DIALOG, SUBMIT_DIALOG, CANCEL_DIALOG or ""
    command_id: int | None = None
    #: ``configCompleteRedirectUrl`` (``…Uri`` for add-ons) on messages, commands, additions.
    redirect: str = CONFIG_COMPLETE


def build_event(actor: Actor, what: Interaction) -> Json:
    """The event JSON in ``actor.format`` (the token is added when it is sent)."""
    common: Json = {"hostApp": "CHAT", "userLocale": actor.locale}
    if what.kind in ZONE_EVENTS or what.dialog or actor.zone_everywhere:
        common["timeZone"] = actor.time_zone()
    if what.form_inputs:
        common["formInputs"] = dict(what.form_inputs)
    parameters = dict(what.parameters or {})
    if actor.format == "addon":
        return _addon(actor, what, common, parameters)
    return _legacy(actor, what, common, parameters)


def _thread(message: Json | None) -> Json | None:
    thread = (message or {}).get("thread")
    return {"name": thread["name"]} if isinstance(thread, dict) and thread.get("name") else None


def _legacy(actor: Actor, what: Interaction, common: Json, parameters: Json) -> Json:
    event: Json = {
        "type": what.kind,
        "eventTime": now_rfc3339(),
        "space": what.space,
        "user": actor.person.json(),
    }
    if what.message is not None:
        event["message"] = what.message
    thread = _thread(what.message)
    if thread is not None:
        event["thread"] = thread
    if what.kind in ("MESSAGE", "APP_COMMAND", "ADDED_TO_SPACE"):
        event["configCompleteRedirectUrl"] = what.redirect
    if what.kind == "APP_COMMAND":
        event["appCommandMetadata"] = {
            "appCommandId": what.command_id or 0,
            "appCommandType": "SLASH_COMMAND",
        }
    if what.function:
        event["action"] = {
            "actionMethodName": what.function,
            "parameters": [{"key": k, "value": v} for k, v in parameters.items()],
        }
        common["invokedFunction"] = what.function
        common["parameters"] = parameters
    if what.dialog:
        event["isDialogEvent"] = True
        event["dialogEventType"] = what.dialog
    event["common"] = common
    return event


_PAYLOADS = {
    "MESSAGE": "messagePayload",
    "APP_COMMAND": "appCommandPayload",
    "CARD_CLICKED": "buttonClickedPayload",
    "WIDGET_UPDATED": "widgetUpdatedPayload",
    "ADDED_TO_SPACE": "addedToSpacePayload",
}


def _addon(actor: Actor, what: Interaction, common: Json, parameters: Json) -> Json:
    payload: Json = {"space": what.space}
    if what.message is not None:
        payload["message"] = what.message
    if what.kind in ("MESSAGE", "APP_COMMAND", "ADDED_TO_SPACE"):
        payload["configCompleteRedirectUri"] = what.redirect
    if what.kind == "APP_COMMAND":
        payload["appCommandMetadata"] = {
            "appCommandId": what.command_id or 0,
            "appCommandType": "SLASH_COMMAND",
        }
        thread = _thread(what.message)
        if thread is not None:
            payload["thread"] = thread
    if what.kind in ("CARD_CLICKED", "APP_COMMAND"):
        payload["isDialogEvent"] = bool(what.dialog)
        if what.dialog:
            payload["dialogEventType"] = what.dialog
    if what.function:
        if what.function.startswith(("http://", "https://")):
            pass  # an add-on action: the handler's name travels in the actionName parameter
        else:
            common["invokedFunction"] = what.function
        common["parameters"] = parameters
    elif parameters:
        common["parameters"] = parameters
    return {
        "commonEventObject": common,
        "authorizationEventObject": {},
        "chat": {
            "user": actor.person.json(),
            "eventTime": now_rfc3339(),
            _PAYLOADS[what.kind]: payload,
        },
    }
