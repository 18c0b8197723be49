"""The WSGI app: Calendar v3 at ``/calendar/v3/…``, Meet v2 at ``/v2/…``, People v1 at ``/v1/…``.

Control is at ``/_emulator/``.

Order of work for an API request, as in the Chat emulator: route (the
discovery document's paths) -> latency fault -> auth (a bearer token naming a
user) -> scope check (the method's discovery ``scopes``) -> query and body
validation -> pre-commit fault -> the operation -> post-commit fault (writes).
Calendar errors have Calendar's ``errors[]`` shape, Meet's and People's the newer one.
Every API request is logged, path only.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from devkit.emulator.auth import Principal
from devkit.emulator.calendar import handlers
from devkit.emulator.calendar.core import CalendarCore
from devkit.emulator.calendar.discovery import (
    calendar_discovery,
    meet_discovery,
    people_discovery,
)
from devkit.emulator.calendar.errors import (
    CalendarError,
    as_calendar_error,
    insufficient_scopes,
    invalid,
)
from devkit.emulator.calendar.inspection import Inspector
from devkit.emulator.calendar.times import from_epoch, rfc3339
from devkit.emulator.discovery import Method
from devkit.emulator.errors import (
    INSUFFICIENT_SCOPES,
    INVALID_CREDENTIALS,
    ApiError,
    status_error,
)
from devkit.emulator.faults import Decision
from devkit.emulator.responses import error_response, json_response, read_json

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Json = dict[str, Any]
CALENDAR_PREFIX = "/calendar/v3"
#: Scopes that never reach a user's primary calendar (§5.1): app-made and public calendars.
NOT_FOR_PRIMARY = frozenset(
    "https://www.googleapis.com/auth/" + s
    for s in ("calendar.app.created", "calendar.events.public.readonly")
)
FREEBUSY = "https://www.googleapis.com/auth/calendar.events.freebusy"


class CalendarApp:
    """WSGI callable serving the emulated Calendar and Meet APIs over a ``CalendarCore``."""

    def __init__(self, core: CalendarCore) -> None:
        self.core = core
        self.calendar = calendar_discovery()
        self.meet = meet_discovery()
        self.people = people_discovery()
        self.routes = handlers.Handlers(core)
        self.inspector = Inspector(core, self.routes)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path == "/_emulator" or path.startswith("/_emulator/"):
            response = self.inspector.handle(request)
        elif path.startswith(CALENDAR_PREFIX + "/"):
            response = self._api(request, api="calendar")
        elif path.startswith("/v2/"):
            response = self._api(request, api="meet")
        elif path.startswith("/v1/"):
            response = self._api(request, api="people")
        else:
            response = error_response(
                as_calendar_error(ApiError(404, f"The requested URL {path} was not found."))
            )
        return response(environ, start_response)

    def _api(self, request: Request, *, api: str) -> Response:
        calendar = api == "calendar"
        started = time.monotonic()
        entry: Json = {
            "time": rfc3339(from_epoch(self.core.clock())),
            "method": request.method,
            "path": request.path,
        }
        try:
            response = self._serve(request, entry, api=api)
        except ApiError as error:
            if calendar:
                error = as_calendar_error(error)
            elif isinstance(error, CalendarError):
                error = ApiError(error.code, error.message, headers=error.headers)
            response = error_response(error)
        entry["status"] = response.status_code
        entry["ms"] = round((time.monotonic() - started) * 1000, 1)
        self.core.journal.record(entry)
        return response

    def _serve(self, request: Request, entry: Json, *, api: str) -> Response:
        calendar = api == "calendar"
        http_method, args = _override(request)
        discovery = {"calendar": self.calendar, "meet": self.meet, "people": self.people}[api]
        path = request.path.removeprefix(CALENDAR_PREFIX) if calendar else request.path
        found = discovery.match(http_method, path)
        if found is None:
            raise ApiError(404, f"The requested URL {request.path} was not found on this server.")
        method, params = found
        entry["api"] = method.id
        handler = self.routes.table.get(method.id)
        if handler is None:
            raise ApiError(
                501, f"Method {method.id} is not implemented by the Nudge Calendar emulator."
            )
        journal = self.core.journal
        journal.count("api_requests")
        if self.core.faults.latency_s:
            self.core.hang(self.core.faults.latency_s)
        principal = self._principal(request, args)
        entry["principal"] = principal.email
        busy = self._check_scopes(principal, method, calendar=calendar)
        query = discovery.parse_query(method, args, extra=("access_token",))
        query.pop("access_token", None)
        _check_bounds(method, query)
        body = discovery.validate_body(method, read_json(request)) if method.request_ref else {}
        is_write = http_method != "GET"
        self._apply(self.core.faults.before(is_write=is_write))
        result = handler(principal, params, query, body, busy)
        journal.count("writes" if is_write else "reads")
        if is_write:
            after = self.core.faults.after_commit()
            if after.error is not None or after.timeout:
                journal.count("faults_after_commit")
                self._apply(after)
        if result is None:
            return Response(status=204)
        return json_response(result)

    def _apply(self, decision: Decision) -> None:
        if decision.timeout:
            self.core.journal.count("timeouts")
            self.core.journal.count("faults")
            self.core.hang(self.core.faults.timeout_s)
            raise status_error(504)
        if decision.error is not None:
            self.core.journal.count("faults")
            raise decision.error

    def _principal(self, request: Request, args: list[tuple[str, str]]) -> Principal:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            token = dict(args).get("access_token") or dict(args).get("oauth_token") or ""
        elif scheme.lower() != "bearer":
            raise ApiError(401, INVALID_CREDENTIALS, "UNAUTHENTICATED")
        token = token.strip()
        if not token:
            raise CalendarError(
                401,
                "Login Required.",
                "required",
                location="Authorization",
                location_type="header",
                item_message="Login Required.",
            )
        principal = self.core.tokens.resolve(token)
        email = str(principal.email)
        with self.core.store.lock:
            if email not in self.core.store.users:
                self.core.store.add_user(
                    email, name=principal.user, display_name=principal.display_name
                )
        return principal

    @staticmethod
    def _check_scopes(principal: Principal, method: Method, *, calendar: bool) -> bool:
        """403 without one of the method's scopes; ``True`` if only free/busy is granted."""
        granted = principal.effective_scopes() & method.scopes
        if calendar and method.id != "calendar.channels.stop":
            granted -= NOT_FOR_PRIMARY
        if not granted:
            if calendar:
                raise insufficient_scopes(method.id, method.scopes)
            raise ApiError(403, INSUFFICIENT_SCOPES, "PERMISSION_DENIED")
        return calendar and granted == {FREEBUSY}


def _override(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """Method and query; the client sends long GETs as POST + ``X-HTTP-Method-Override: GET``."""
    args = list(request.args.items(multi=True))
    if (
        request.method == "POST"
        and request.headers.get("X-HTTP-Method-Override", "").upper() == "GET"
    ):
        form = request.get_data(cache=True).decode("utf-8", "replace")
        return "GET", args + parse_qsl(form, keep_blank_values=True)
    return request.method, args


def _check_bounds(method: Method, query: Json) -> None:
    """The ``minimum``/``maximum`` of integer parameters, which the shared parser leaves alone."""
    for name, value in query.items():
        spec = method.parameters.get(name) or {}
        if spec.get("type") != "integer" or not isinstance(value, int):
            continue
        low, high = spec.get("minimum"), spec.get("maximum")
        if (low is not None and value < int(low)) or (high is not None and value > int(high)):
            bounds = f"[{low if low is not None else ''}, {high if high is not None else ''}]"
            raise invalid(
                f"Invalid value '{value}'. Values must be within the range: {bounds}", name
            )
