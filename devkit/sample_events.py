"""Build realistic Chat interaction events for local runs, in either wire format.

These are the events ``nudge chat`` and ``nudge event`` sign and send: a typed
line becomes a ``MESSAGE`` (or a slash command when it starts with ``/``),
shaped as Google Chat would send it, with ``@Name`` of a known local person as
a ``USER_MENTION``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devkit.mentions import (
    APP_USER,
    Person,
    annotate_mentions,
    mention_annotation,
    shifted,
    without_app_mentions,
)

#: Where ``configCompleteRedirectUrl`` points: the page the local OAuth server serves
#: (``LocalStack.config_complete_url`` gives it on the configured port).
CONFIG_COMPLETE_PATH = "/chat/config-complete"
CONFIG_COMPLETE = "http://127.0.0.1:8092" + CONFIG_COMPLETE_PATH


@dataclass(frozen=True, slots=True)
class Persona:
    """Who is typing, and where."""

    user_id: str = "100000000000000000001"
    display_name: str = "Local Developer"
    email: str = "dev@example.com"
    space: str = "spaces/AAAA"
    space_type: str = "SPACE"
    space_display_name: str = "Local team"

    @property
    def user(self) -> dict[str, Any]:
        return {
            "name": f"users/{self.user_id}",
            "displayName": self.display_name,
            "email": self.email,
            "type": "HUMAN",
            "domainId": "local",
        }

    @property
    def space_json(self) -> dict[str, Any]:
        dm = self.space_type == "DIRECT_MESSAGE"
        return {
            "name": self.space,
            "type": "DM" if dm else "ROOM",
            "spaceType": self.space_type,
            "displayName": "" if dm else self.space_display_name,
            "singleUserBotDm": dm,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _message(
    text: str,
    persona: Persona,
    command_ids: Mapping[str, int],
    people: Sequence[Person] = (),
) -> dict[str, Any]:
    spelled, mentions = annotate_mentions(text, people)
    thread = {"name": f"{persona.space}/threads/{uuid.uuid4().hex[:11]}"}
    message: dict[str, Any] = {
        "name": f"{persona.space}/messages/{uuid.uuid4().hex[:11]}.{uuid.uuid4().hex[:11]}",
        "sender": persona.user,
        "createTime": _now(),
        "text": spelled,
        "argumentText": without_app_mentions(spelled, mentions),
        "thread": thread,
        "space": {"name": persona.space},
        "annotations": mentions,
    }
    if spelled.startswith("/"):
        name = spelled.split(None, 1)[0]
        command_id = str(command_ids.get(name, 0))
        message["argumentText"] = spelled[len(name) :]
        message["slashCommand"] = {"commandId": command_id}
        command = {
            "type": "SLASH_COMMAND",
            "startIndex": 0,
            "length": len(name),
            "slashCommand": {
                "bot": APP_USER,
                "type": "INVOKE",
                "commandName": name,
                "commandId": command_id,
                "triggersDialog": False,
            },
        }
        message["annotations"] = [command, *mentions]
    elif persona.space_type != "DIRECT_MESSAGE" and not any(
        m["userMention"]["user"]["type"] == "BOT" for m in mentions
    ):
        # In a space the app hears only what @mentions it: mention it first, as Chat would.
        prefix = "@Nudge "
        message["text"] = prefix + spelled
        message["argumentText"] = " " + message["argumentText"]
        message["annotations"] = [
            mention_annotation(APP_USER, 0, len(prefix) - 1),
            *shifted(mentions, len(prefix)),
        ]
    return message


def legacy_message_event(
    text: str,
    persona: Persona = Persona(),
    command_ids: Mapping[str, int] | None = None,
    *,
    people: Sequence[Person] = (),
    redirect: str = CONFIG_COMPLETE,
) -> dict[str, Any]:
    """A legacy ``MESSAGE`` event (a slash command when ``text`` starts with ``/``).

    ``@name`` of one of ``people`` becomes a ``USER_MENTION``; ``redirect`` is the
    ``configCompleteRedirectUrl`` (a page the local stack serves).
    """
    message = _message(text, persona, command_ids or {}, people)
    return {
        "type": "MESSAGE",
        "eventTime": message["createTime"],
        "space": persona.space_json,
        "user": persona.user,
        "message": message,
        "thread": message["thread"],
        "configCompleteRedirectUrl": redirect,
        "common": {"hostApp": "CHAT", "userLocale": "en"},
    }


def addon_message_event(
    text: str,
    persona: Persona = Persona(),
    command_ids: Mapping[str, int] | None = None,
    *,
    people: Sequence[Person] = (),
    redirect: str = CONFIG_COMPLETE,
) -> dict[str, Any]:
    """The same line as a Workspace add-on event (a message or an app command payload)."""
    message = _message(text, persona, command_ids or {}, people)
    chat: dict[str, Any] = {"user": persona.user, "eventTime": message["createTime"]}
    if "slashCommand" in message:
        chat["appCommandPayload"] = {
            "appCommandMetadata": {
                "appCommandId": int(message["slashCommand"]["commandId"]),
                "appCommandType": "SLASH_COMMAND",
            },
            "space": persona.space_json,
            "thread": message["thread"],
            "message": message,
            "configCompleteRedirectUri": redirect,
        }
    else:
        chat["messagePayload"] = {
            "message": message,
            "space": persona.space_json,
            "configCompleteRedirectUri": redirect,
        }
    return {
        "commonEventObject": {"hostApp": "CHAT", "userLocale": "en"},
        "authorizationEventObject": {},
        "chat": chat,
    }


def card_click_event(
    function: str,
    parameters: Mapping[str, str],
    persona: Persona = Persona(),
    message_name: str = "",
) -> dict[str, Any]:
    """A legacy ``CARD_CLICKED`` event for a button on one of the app's messages."""
    return {
        "type": "CARD_CLICKED",
        "eventTime": _now(),
        "space": persona.space_json,
        "user": persona.user,
        "message": {"name": message_name, "sender": APP_USER},
        "action": {
            "actionMethodName": function,
            "parameters": [{"key": k, "value": v} for k, v in parameters.items()],
        },
        "common": {
            "hostApp": "CHAT",
            "invokedFunction": function,
            "parameters": dict(parameters),
            "userLocale": "en",
        },
    }
