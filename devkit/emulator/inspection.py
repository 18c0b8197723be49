"""``/_emulator/*``: inspect and control the emulator over HTTP (no auth, loopback only).

=======  ====================================  ==========================================
GET      /_emulator/health                     ``{"ok": true, "discoveryRevision": …}``
GET      /_emulator/spaces                     seeded spaces (with webhook paths)
POST     /_emulator/spaces                     seed a space (see ``add_space``)
GET      /_emulator/spaces/{S}/messages        every message, ``deleted`` flag included
GET      /_emulator/spaces/{S}/members         every membership (invited and app ones too)
GET      /_emulator/spaces/{S}/transcript      text/plain transcript
GET      /_emulator/requests                   request log (last 1000 API requests)
GET      /_emulator/stats                      counters: writes, 429s, faults, statuses…
POST     /_emulator/reset                      back to the seeded defaults
GET/POST /_emulator/quotas                     ``{"enabled": true}``
GET/POST /_emulator/faults                     a ``FaultConfig`` as JSON (``{}`` clears)
POST     /_emulator/tokens                     ``{token, kind, user, scopes, displayName, email}``
POST     /_emulator/users                      ``{name, email, displayName, autoAccept}``
=======  ====================================  ==========================================

Workspace Events controls (subscriptions, published events, the Pub/Sub sink,
time, operations, and people posting, joining and reacting) are listed in
``workspace_inspection``.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from devkit.emulator import discovery, workspace_inspection
from devkit.emulator.core import Core
from devkit.emulator.errors import ApiError, invalid, not_found
from devkit.emulator.faults import FaultConfig
from devkit.emulator.responses import error_response, json_response, read_json
from devkit.emulator.state import State
from devkit.emulator.transcript import render

Json = dict[str, Any]


def space_messages(state: State, space: str) -> list[Json]:
    """All messages of ``space`` in creation order, each with a ``deleted`` flag."""
    with state.lock:
        state.require_space(space)
        rows = sorted(state.messages[space].values(), key=lambda m: m.seq)
        return [{**json.loads(json.dumps(m.data)), "deleted": m.deleted} for m in rows]


def space_transcript(state: State, space: str) -> str:
    with state.lock:
        found = state.require_space(space)
        rows = sorted(state.messages[space].values(), key=lambda m: m.seq)
        return render(state.space_json(found), [(m.data, m.deleted) for m in rows])


def seed_space(state: State, spec: Any) -> Json:
    """``POST /_emulator/spaces`` body -> ``State.add_space``; returns the space JSON."""
    if not isinstance(spec, dict) or not spec.get("name"):
        raise invalid("a space needs at least a name (spaces/ID)")
    webhook = spec.get("webhook") or {}
    name = str(spec["name"])
    try:
        space = state.add_space(
            name if name.startswith("spaces/") else f"spaces/{name}",
            display_name=str(spec.get("displayName") or spec.get("display_name") or ""),
            space_type=str(spec.get("spaceType") or spec.get("space_type") or "SPACE"),
            members=list(spec.get("members") or []),
            webhook_key=webhook.get("key") or spec.get("webhookKey") or spec.get("webhook_key"),
            webhook_token=webhook.get("token")
            or spec.get("webhookToken")
            or spec.get("webhook_token"),
            app_member=bool(spec.get("appMember", spec.get("app_member", True))),
            single_user_bot_dm=spec.get("singleUserBotDm", spec.get("single_user_bot_dm")),
        )
    except (ValueError, TypeError) as exc:
        raise invalid(str(exc)) from None
    return state.space_json(space)


class Inspector:
    """Serves ``/_emulator/*`` for a ``Core``."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def handle(self, request: Request) -> Response:
        try:
            return self._route(request)
        except ApiError as error:
            return error_response(error)

    def _route(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p][1:]
        method = request.method
        core = self.core
        if parts in ([], ["health"]) and method == "GET":
            return json_response({"ok": True, "discoveryRevision": discovery.load().revision})
        if parts == ["spaces"]:
            if method == "POST":
                return json_response(seed_space(core.state, read_json(request)))
            return json_response({"spaces": self._spaces()})
        if len(parts) == 3 and parts[0] == "spaces" and method == "GET":
            space = f"spaces/{parts[1]}"
            if parts[2] == "messages":
                return json_response({"messages": space_messages(core.state, space)})
            if parts[2] == "members":
                return json_response({"memberships": self._members(space)})
            if parts[2] == "transcript":
                text = space_transcript(core.state, space)
                return Response(text, content_type="text/plain; charset=utf-8")
        if parts == ["requests"] and method == "GET":
            return json_response({"requests": core.journal.requests()})
        if parts == ["stats"] and method == "GET":
            return json_response(core.journal.stats())
        if parts == ["reset"] and method == "POST":
            core.reset()
            return json_response({"reset": True})
        if parts == ["quotas"]:
            if method == "POST":
                body = read_json(request)
                if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
                    raise invalid('expected {"enabled": true|false}')
                core.quotas.enabled = body["enabled"]
                if not core.quotas.enabled:
                    core.quotas.reset()
            return json_response({"enabled": core.quotas.enabled})
        if parts == ["faults"]:
            if method == "POST":
                try:
                    core.faults.configure(FaultConfig.from_json(read_json(request)))
                except (ValueError, TypeError) as exc:
                    raise invalid(str(exc)) from None
            return json_response(core.faults.config.to_json())
        if parts == ["tokens"] and method == "POST":
            return json_response(self._register_token(read_json(request)))
        if parts == ["users"] and method == "POST":
            return json_response(self._add_user(read_json(request)))
        workspace = workspace_inspection.route(core, request, parts)
        if workspace is not None:
            return workspace
        raise not_found(f"No emulator endpoint {method} {request.path}.")

    def _spaces(self) -> list[Json]:
        state = self.core.state
        with state.lock:
            out = []
            for space in state.spaces.values():
                item = state.space_json(space)
                if space.webhook_key:
                    item["webhookPath"] = f"/v1/{space.name}/messages"
                out.append(item)
            return out

    def _members(self, space: str) -> list[Json]:
        state = self.core.state
        with state.lock:
            state.require_space(space)
            return [m.to_json(state.users.get(m.member)) for m in state.members[space].values()]

    def _register_token(self, body: Any) -> Json:
        if not isinstance(body, dict) or not body.get("token"):
            raise invalid("expected {token, kind, user, scopes}")
        try:
            principal = self.core.tokens.register(
                str(body["token"]),
                kind=body.get("kind", "user"),
                user=body.get("user"),
                scopes=list(body.get("scopes") or []),
                display_name=body.get("displayName") or body.get("display_name"),
                email=body.get("email"),
            )
        except (ValueError, TypeError) as exc:
            raise invalid(str(exc)) from None
        if principal.kind == "user":
            self._ensure_user(principal.user, principal.email, principal.display_name)
        return {"kind": principal.kind, "user": principal.user, "scopes": sorted(principal.scopes)}

    def _ensure_user(self, name: str, email: str | None, display_name: str) -> None:
        state = self.core.state
        with state.lock:
            if name not in state.users:
                state.add_user(name, email, display_name)

    def _add_user(self, body: Any) -> Json:
        if not isinstance(body, dict) or not body.get("name"):
            raise invalid("expected {name: users/ID, email, displayName, autoAccept}")
        try:
            user = self.core.state.add_user(
                str(body["name"]),
                body.get("email"),
                str(body.get("displayName") or ""),
                bool(body.get("autoAccept", body.get("auto_accept", True))),
            )
        except ValueError as exc:
            raise invalid(str(exc)) from None
        return {**user.to_json(), "email": user.email, "autoAccept": user.auto_accept}
