"""``/_emulator/*`` controls for Workspace Events, and people acting in Chat without the API.

=======  ========================================  =========================================
GET      /_emulator/subscriptions                  every subscription (``owner`` included)
POST     /_emulator/subscriptions/{ID}:suspend     ``{"reason": "USER_SCOPE_REVOKED"}``
POST     /_emulator/subscriptions/{ID}:expire      expire it now (deleted, ``expired`` sent)
GET      /_emulator/workspace/events               published events (``?clear=true`` empties)
DELETE   /_emulator/workspace/events               forget published events
GET/POST /_emulator/workspace/sink                 ``{"pubsubHost": "127.0.0.1:8085",
                                                   "topic": "projects/P/topics/T"|null}``
GET/POST /_emulator/workspace/time                 ``{"advanceSeconds": 3600}``
GET/POST /_emulator/workspace/operations           ``{"pendingPolls": 2}``
POST     /_emulator/workspace/meet                 ``{"space": "spaces/M", "type": "google.
                                                   workspace.meet.…", "data": {…}}``
POST     /_emulator/spaces/{S}/messages            ``{"sender": "users/…", "text": "…"}``
POST     /_emulator/spaces/{S}/members             ``{"name": "users/…"}`` joins
POST     /_emulator/reactions                      ``{"message", "user", "emoji"}``
=======  ========================================  =========================================

The last three stand in for people using Chat (which has no API for "a person
types"): each changes the emulator's state and publishes the Workspace event
a subscription would receive, exactly as the matching API write does.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from devkit.emulator.auth import Principal
from devkit.emulator.core import Core
from devkit.emulator.errors import invalid, not_found
from devkit.emulator.messages import MessageService
from devkit.emulator.reactions import ReactionService
from devkit.emulator.responses import json_response, read_json

Json = dict[str, Any]


def _person(core: Core, name: Any) -> Principal:
    if not isinstance(name, str) or not name.startswith("users/") or name == "users/app":
        raise invalid("expected a person: users/{id}")
    with core.state.lock:
        user = core.state.find_user(name)
        if user is None:
            raise not_found(f"No user {name}; add it with POST /_emulator/users first.")
        return Principal("user", user.name, frozenset(), user.display_name, user.email)


def post_as(core: Core, space: str, sender: str, text: str) -> Json:
    """``sender`` posts ``text`` in ``space`` as in the Chat UI; its event is published."""
    if not text:
        raise invalid("text is required")
    principal = _person(core, sender)
    message = MessageService(core.state).create(principal, space, {}, {"text": text})
    core.workspace.observe("chat.spaces.messages.create", principal, {"parent": space}, message)
    return message


def join_as(core: Core, space: str, member: str) -> Json:
    """``member`` joins ``space`` (a ``membership.v1.created`` event is published)."""
    principal = _person(core, member)
    with core.state.lock:
        core.state.require_space(space)
        existing = core.state.membership_of(space, principal.user)
        if existing is not None and existing.state == "JOINED":
            raise invalid(f"{member} has already joined {space}.")
        membership = core.state.add_membership(space, principal.user)
        result = membership.to_json(core.state.users.get(principal.user))
    core.workspace.observe("chat.spaces.members.create", principal, {"parent": space}, result)
    return result


def react_as(core: Core, message: str, user: str, emoji: str) -> Json:
    """``user`` reacts to ``message`` with the Unicode ``emoji``; the event is published."""
    principal = _person(core, user)
    reaction = ReactionService(core.state).create(principal, message, {"emoji": {"unicode": emoji}})
    core.workspace.observe(
        "chat.spaces.messages.reactions.create", principal, {"parent": message}, reaction
    )
    return reaction


def _number(body: Any, key: str) -> float:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise invalid(f'expected {{"{key}": a number >= 0}}')
    return float(value)


def route(core: Core, request: Request, parts: list[str]) -> Response | None:
    """Serve a Workspace control, or ``None`` when ``parts`` is none of them."""
    method = request.method
    events = core.workspace
    if parts == ["subscriptions"] and method == "GET":
        return json_response({"subscriptions": events.all_subscriptions()})
    if len(parts) == 2 and parts[0] == "subscriptions" and method == "POST":
        ident, _, verb = parts[1].partition(":")
        name = f"subscriptions/{ident}"
        if verb == "suspend":
            body = read_json(request)
            reason = body.get("reason", "USER_SCOPE_REVOKED") if isinstance(body, dict) else ""
            return json_response(events.suspend(name, str(reason)))
        if verb == "expire":
            return json_response(events.expire(name))
        return None
    if parts == ["workspace", "events"]:
        if method == "DELETE":
            events.publisher.clear()
            return json_response({"cleared": True})
        if method == "GET":
            clear = request.args.get("clear", "").lower() == "true"
            return json_response({"events": events.publisher.events(clear=clear)})
    if parts == ["workspace", "sink"]:
        if method == "POST":
            body = read_json(request)
            if not isinstance(body, dict):
                raise invalid('expected {"pubsubHost": "host:port", "topic": …}')
            try:
                events.publisher.configure(body.get("pubsubHost"), body.get("topic"))
            except ValueError as exc:
                raise invalid(str(exc)) from None
        return json_response(events.publisher.config.to_json())
    if parts == ["workspace", "time"]:
        if method == "POST":
            return json_response(events.advance(_number(read_json(request), "advanceSeconds")))
        return json_response(events.advance(0))
    if parts == ["workspace", "operations"]:
        if method == "POST":
            events.pending_polls = int(_number(read_json(request), "pendingPolls"))
        return json_response({"pendingPolls": events.pending_polls})
    if parts == ["workspace", "meet"] and method == "POST":
        body = read_json(request)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(data, dict):
            raise invalid(
                'expected {"space": "spaces/M", "type": "google.workspace.meet.…", "data": {…}}'
            )
        sent = events.publish_meet_event(
            str(body.get("space") or ""), str(body.get("type") or ""), data
        )
        return json_response({"published": sent})
    if len(parts) == 3 and parts[0] == "spaces" and method == "POST":
        space = f"spaces/{parts[1]}"
        body = read_json(request)
        if not isinstance(body, dict):
            raise invalid("expected a JSON object")
        if parts[2] == "messages":
            return json_response(
                post_as(core, space, str(body.get("sender") or ""), str(body.get("text") or ""))
            )
        if parts[2] == "members":
            return json_response(join_as(core, space, str(body.get("name") or "")))
    if parts == ["reactions"] and method == "POST":
        body = read_json(request)
        if not isinstance(body, dict):
            raise invalid("expected {message, user, emoji}")
        return json_response(
            react_as(
                core,
                str(body.get("message") or ""),
                str(body.get("user") or ""),
                str(body.get("emoji") or ""),
            )
        )
    return None
