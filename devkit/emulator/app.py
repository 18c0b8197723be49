"""The WSGI app: the Chat REST API and Workspace Events surfaces plus ``/_emulator/*`` inspection.

Order of work for an API request: route (discovery paths) -> latency fault ->
auth (bearer token, or webhook ``key``/``token``) -> scope check (the
method's discovery ``scopes``) -> system parameters (``system_params``), query
and body validation (enums by name or number) -> pre-commit
faults -> quotas -> the operation -> Workspace events for a committed Chat
write -> post-commit fault -> the response (enums as numbers on
``enum-encoding=int``). Every API request is logged (path only, never the
query string). Workspace Events routes (``workspaceevents.v1.json``) are served
by ``workspace_events.WorkspaceEvents`` the same way.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from devkit.emulator import discovery, enums, system_params
from devkit.emulator.auth import Principal, webhook_principal
from devkit.emulator.core import Core
from devkit.emulator.discovery import Method, full_scope
from devkit.emulator.errors import (
    INSUFFICIENT_SCOPES,
    INVALID_CREDENTIALS,
    MISSING_CREDENTIALS,
    ApiError,
    denied,
    not_found,
    status_error,
)
from devkit.emulator.faults import Decision
from devkit.emulator.inspection import Inspector
from devkit.emulator.members import MemberService
from devkit.emulator.messages import MessageService
from devkit.emulator.reactions import ReactionService
from devkit.emulator.responses import error_response, json_response, read_json
from devkit.emulator.spaces import SpaceService

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Json = dict[str, Any]
Handler = Callable[[Principal, dict[str, str], Json, Json], Json]

CREATE = "chat.spaces.messages.create"
MESSAGE_WRITES = frozenset(
    {
        CREATE,
        "chat.spaces.messages.patch",
        "chat.spaces.messages.update",
        "chat.spaces.messages.delete",
    }
)
MEMBERSHIP_WRITES = frozenset({"chat.spaces.members.create"})
REACTION_WRITES = frozenset(
    {"chat.spaces.messages.reactions.create", "chat.spaces.messages.reactions.delete"}
)
SUBSCRIPTION_WRITES = frozenset(
    {
        "workspaceevents.subscriptions.create",
        "workspaceevents.subscriptions.patch",
        "workspaceevents.subscriptions.delete",
        "workspaceevents.subscriptions.reactivate",
    }
)
#: Chat writes that Workspace subscriptions may be told about.
OBSERVED = MESSAGE_WRITES | MEMBERSHIP_WRITES | REACTION_WRITES
NO_APP_AUTH = (
    "This method doesn't support app authentication with a service account. "
    "Authenticate with a user account."
)


class EmulatorApp:
    """WSGI callable serving the emulated Chat API over a ``Core``."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.discovery = discovery.load()
        self.events_discovery = discovery.load_workspace_events()
        self.inspector = Inspector(core)
        messages = MessageService(core.state)
        members = MemberService(core.state)
        spaces = SpaceService(core.state)
        reactions = ReactionService(core.state)
        events = core.workspace
        self.handlers: dict[str, Handler] = {
            "chat.spaces.get": lambda p, path, q, b: spaces.get(p, path["name"]),
            "chat.spaces.list": lambda p, path, q, b: spaces.list_spaces(p, q),
            "chat.spaces.findDirectMessage": lambda p, path, q, b: spaces.find_direct_message(p, q),
            CREATE: lambda p, path, q, b: messages.create(p, path["parent"], q, b),
            "chat.spaces.messages.get": lambda p, path, q, b: messages.get(p, path["name"]),
            "chat.spaces.messages.patch": lambda p, path, q, b: messages.update(
                p, path["name"], q, b
            ),
            "chat.spaces.messages.update": lambda p, path, q, b: messages.update(
                p, path["name"], q, b
            ),
            "chat.spaces.messages.delete": lambda p, path, q, b: messages.delete(
                p, path["name"], q
            ),
            "chat.spaces.messages.list": lambda p, path, q, b: messages.list_messages(
                p, path["parent"], q
            ),
            "chat.spaces.members.create": lambda p, path, q, b: members.create(
                p, path["parent"], q, b
            ),
            "chat.spaces.members.get": lambda p, path, q, b: members.get(p, path["name"]),
            "chat.spaces.members.list": lambda p, path, q, b: members.list_members(
                p, path["parent"], q
            ),
            "chat.spaces.messages.reactions.create": lambda p, path, q, b: reactions.create(
                p, path["parent"], b
            ),
            "chat.spaces.messages.reactions.list": lambda p, path, q, b: reactions.list_reactions(
                p, path["parent"], q
            ),
            "chat.spaces.messages.reactions.delete": lambda p, path, q, b: reactions.delete(
                p, path["name"]
            ),
            "workspaceevents.subscriptions.create": lambda p, path, q, b: events.create(p, q, b),
            "workspaceevents.subscriptions.get": lambda p, path, q, b: events.get(p, path["name"]),
            "workspaceevents.subscriptions.list": lambda p, path, q, b: events.list_subscriptions(
                p, q
            ),
            "workspaceevents.subscriptions.patch": lambda p, path, q, b: events.patch(
                p, path["name"], q, b
            ),
            "workspaceevents.subscriptions.reactivate": lambda p, path, q, b: events.reactivate(
                p, path["name"]
            ),
            "workspaceevents.subscriptions.delete": lambda p, path, q, b: events.delete(
                p, path["name"], q
            ),
            "workspaceevents.operations.get": lambda p, path, q, b: events.get_operation(
                p, path["name"]
            ),
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/_emulator" or request.path.startswith("/_emulator/"):
            response = self.inspector.handle(request)
        else:
            response = self._api(request)
        return response(environ, start_response)

    # --- the API ---------------------------------------------------------------------

    def _api(self, request: Request) -> Response:
        started = time.monotonic()
        entry: Json = {
            "time": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "method": request.method,
            "path": request.path,
        }
        try:
            response = self._serve(request, entry)
        except ApiError as error:
            response = error_response(error)
        entry["status"] = response.status_code
        entry["ms"] = round((time.monotonic() - started) * 1000, 1)
        self.core.journal.record(entry)
        return response

    def _serve(self, request: Request, entry: Json) -> Response:
        document = self.discovery
        found = document.match(request.method, request.path)
        if found is None:
            document = self.events_discovery
            found = document.match(request.method, request.path)
        if found is None:
            raise not_found(f"The requested URL {request.path} was not found on this server.")
        method, path = found
        entry["api"] = method.id
        target = path.get("name") or path.get("parent") or ""
        if target.startswith("spaces/"):
            entry["space"] = "/".join(target.split("/")[:2])
        handler = self.handlers.get(method.id)
        if handler is None:
            raise ApiError(
                501, f"Method {method.id} is not implemented by the Nudge Chat API emulator."
            )
        self.core.journal.count("api_requests")
        latency = self.core.faults.config.latency_ms / 1000.0
        if latency:
            self.core.hang(latency)
        principal = self._principal(request, method, path)
        entry["principal"] = principal.key
        if principal.kind == "webhook":
            entry["webhook"] = True
        else:
            self._check_scopes(principal, method)
        extra = ("token",) if principal.kind == "webhook" else ()
        system, pairs = system_params.extract(request.args.items(multi=True))
        query = document.parse_query(method, pairs, extra=extra)
        body = document.validate_body(method, read_json(request)) if method.request_ref else {}
        is_message_write = method.id in MESSAGE_WRITES
        is_write = is_message_write or method.id in MEMBERSHIP_WRITES | REACTION_WRITES
        is_write = is_write or method.id in SUBSCRIPTION_WRITES
        self._apply(self.core.faults.before(is_write=is_write))
        self._admit(method, entry.get("space", ""), is_message_write)
        result = handler(principal, path, query, body)
        if method.id in OBSERVED:
            self.core.workspace.observe(method.id, principal, path, result)
        self._count(method, principal, is_write)
        if is_write:
            after = self.core.faults.after_commit()
            if after.error is not None or after.timeout:
                self.core.journal.count("faults_after_commit")
                self._apply(after)
        if system.enum_ints and method.response_ref:
            result = enums.to_numbers(document.schemas, method.response_ref, result)
        return json_response(result, pretty=system.pretty)

    def _apply(self, decision: Decision) -> None:
        """Carry out a fault decision: hang then 504, or raise its error."""
        if decision.timeout:
            self.core.journal.count("timeouts")
            self.core.journal.count("faults")
            self.core.hang(self.core.faults.timeout_s)
            raise status_error(504)
        if decision.error is not None:
            self.core.journal.count("faults")
            raise decision.error

    def _admit(self, method: Method, space: str, is_message_write: bool) -> None:
        try:
            if is_message_write:
                self.core.quotas.admit_message_write(space)
            elif method.id in MEMBERSHIP_WRITES:
                self.core.quotas.admit_membership_write()
        except ApiError as error:
            self.core.journal.count("rate_limited")
            error.headers.update(self.core.faults.retry_headers(429))
            raise

    def _count(self, method: Method, principal: Principal, is_write: bool) -> None:
        journal = self.core.journal
        if not is_write:
            journal.count("reads")
            return
        journal.count("writes")
        if method.id in MESSAGE_WRITES:
            journal.count("message_writes")
            verb = method.id.rsplit(".", 1)[1]
            journal.count({"create": "creates", "delete": "deletes"}.get(verb, "updates"))
            if principal.kind == "webhook":
                journal.count("webhook_posts")
        elif method.id in SUBSCRIPTION_WRITES:
            journal.count("subscription_writes")
        elif method.id in REACTION_WRITES:
            journal.count("reaction_writes")
        else:
            journal.count("membership_writes")

    # --- auth ---------------------------------------------------------------------------

    def _principal(self, request: Request, method: Method, path: dict[str, str]) -> Principal:
        header = request.headers.get("Authorization", "")
        args = request.args
        if method.id == CREATE and ("token" in args or ("key" in args and not header)):
            return self._webhook(path["parent"], args.get("key"), args.get("token"))
        scheme, _, token = header.partition(" ")
        if not header:
            token = args.get("access_token") or args.get("oauth_token") or ""
        elif scheme.lower() != "bearer":
            raise ApiError(401, INVALID_CREDENTIALS, "UNAUTHENTICATED")
        token = token.strip()
        if not token:
            raise ApiError(401, MISSING_CREDENTIALS, "UNAUTHENTICATED")
        return self.core.tokens.resolve(token)

    def _webhook(self, parent: str, key: str | None, token: str | None) -> Principal:
        """Incoming webhooks: wrong ``key`` -> 403, wrong or missing ``token`` -> 401."""
        with self.core.state.lock:
            space = self.core.state.spaces.get(parent)
            if space is None or space.webhook_key is None or key != space.webhook_key:
                raise denied()
            if not token or token != space.webhook_token:
                raise ApiError(401, INVALID_CREDENTIALS, "UNAUTHENTICATED")
        return webhook_principal(parent)

    @staticmethod
    def _check_scopes(principal: Principal, method: Method) -> None:
        if principal.effective_scopes() & method.scopes:
            return
        app_scopes = {s for s in method.scopes if s.rsplit("/", 1)[1].startswith("chat.app.")}
        if principal.is_app and full_scope("chat.bot") not in method.scopes and not app_scopes:
            raise denied(NO_APP_AUTH)
        raise denied(INSUFFICIENT_SCOPES)
