"""The Chat interaction core: ``dispatch(HttpRequest) -> HttpResponse``.

A request walks one way: size check, verification, JSON, typed event,
router, handler, renderer. It knows no web framework; ``functions/chat_app``
adapts Flask to it, and tests call ``dispatch`` directly.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from shared.auth.errors import AuthorizationRequired
from shared.cards import CardLimitError
from shared.config import Settings
from shared.context import Context
from shared.events.models import (
    DialogCancelEvent,
    DialogRequestEvent,
    DialogSubmitEvent,
    Event,
    RemovedFromSpaceEvent,
    WidgetUpdateEvent,
)
from shared.events.parse import BadEvent, UnsupportedEvent, load_body, parse_event
from shared.hints import handler_hint
from shared.http import HttpRequest, HttpResponse
from shared.log import RequestContext, parse_trace_header, request_context
from shared.render import render
from shared.responses import Ack, CloseDialog, DialogStatus, Reply, Response, UpdateWidget
from shared.router import Router
from shared.services import Services
from shared.verify import CertsUnavailable, ChatVerifier, VerificationError

log = logging.getLogger(__name__)

#: Extra HTTP routes (path -> handler) that features serve beside Chat events,
#: such as the OAuth callback.
Route = Callable[[HttpRequest, "ChatApp"], HttpResponse]


class ChatApp:
    """Verifies, parses, routes and answers Chat interaction requests."""

    def __init__(
        self,
        router: Router,
        settings: Settings,
        *,
        services: Services | None = None,
        verifier: ChatVerifier | None = None,
        routes: dict[str, Route] | None = None,
    ) -> None:
        self.router = router
        self.settings = settings
        self.services = services or Services(settings)
        self._verifier = verifier
        self.routes: dict[str, Route] = dict(routes or {})
        self._command_ids = dict(settings.command_ids)
        if not settings.verify_requests:
            log.warning(
                "Request verification is OFF (NUDGE_VERIFY_REQUESTS=false): anyone who can "
                "reach this endpoint can impersonate Google Chat. Never deploy like this."
            )

    @property
    def verifier(self) -> ChatVerifier:
        if self._verifier is None:
            self._verifier = ChatVerifier.from_settings(self.settings)
        return self._verifier

    # --- HTTP -----------------------------------------------------------------

    def dispatch(self, request: HttpRequest) -> HttpResponse:
        """Answer one HTTP request; never raises."""
        trace_id, span_id = parse_trace_header(request.header("X-Cloud-Trace-Context"))
        correlation_id = trace_id or uuid.uuid4().hex
        with request_context(RequestContext(correlation_id, trace_id, span_id)):
            try:
                return self._dispatch(request, correlation_id)
            except Exception:
                log.exception("Unexpected failure while answering a request")
                return HttpResponse.error(
                    500, "internal", f"Nudge failed unexpectedly (ref {correlation_id})."
                )

    def _dispatch(self, request: HttpRequest, correlation_id: str) -> HttpResponse:
        route = self.routes.get(request.path.rstrip("/") or "/")
        if route is not None:
            return route(request, self)
        if request.method != "POST":
            return HttpResponse.error(
                405, "method_not_allowed", "Chat events must be POSTed.", Allow="POST"
            )
        if len(request.body) > self.settings.max_body_bytes:
            return self._bad_request("body_too_large", "The request body is larger than 1 MB.")

        denied = self._verify(request)
        if denied is not None:
            return denied

        try:
            payload = load_body(request.body, max_bytes=self.settings.max_body_bytes)
            event = parse_event(payload)
        except UnsupportedEvent as exc:
            log.info(
                "Ignoring an event Nudge does not model", extra={"fields": {"reason": str(exc)}}
            )
            return HttpResponse.json(200, {})
        except BadEvent as exc:
            return self._bad_request("bad_event", exc.message, field=exc.field)

        started = time.perf_counter()
        response = self.handle(event, correlation_id)
        try:
            body = render(
                response,
                event,
                endpoint_url=self.settings.endpoint_url,
                app_name=self.settings.app_name,
            )
        except CardLimitError as exc:
            log.exception("A handler built a message Chat would reject")
            body = render(self._failure(event, correlation_id, str(exc)), event)
        log.info(
            "Answered %s event",
            event.kind,
            extra={
                "fields": {
                    "event": event.kind,
                    "space": event.space.name,
                    "format": event.format.value,
                    "handler_ms": round((time.perf_counter() - started) * 1000, 3),
                }
            },
        )
        return HttpResponse.json(200, body)

    def _verify(self, request: HttpRequest) -> HttpResponse | None:
        if not self.settings.verify_requests:
            return None
        try:
            caller = self.verifier.verify(request.header("Authorization"))
        except VerificationError as exc:
            log.warning("Rejected a request that failed verification: %s", exc.reason)
            return HttpResponse.error(
                401, "unauthenticated", exc.reason, **{"WWW-Authenticate": "Bearer"}
            )
        except CertsUnavailable:
            log.exception("Cannot fetch Google's signing certificates")
            return HttpResponse.error(
                503, "unavailable", "Cannot verify requests right now.", **{"Retry-After": "5"}
            )
        log.debug("Verified caller", extra={"fields": {"mode": caller.mode}})
        return None

    @staticmethod
    def _bad_request(code: str, message: str, field: str | None = None) -> HttpResponse:
        log.warning("Rejected a malformed request: %s", message, extra={"fields": {"field": field}})
        error: dict[str, Any] = {"code": code, "message": message}
        if field:
            error["field"] = field
        return HttpResponse.json(400, {"error": error})

    # --- events ---------------------------------------------------------------

    def context(self, correlation_id: str) -> Context:
        return Context(
            settings=self.settings,
            correlation_id=correlation_id,
            router=self.router,
            services=self.services,
            log=logging.getLogger("shared.handlers"),
        )

    def handle(self, event: Event, correlation_id: str = "") -> Response:
        """Route ``event`` to its handler and return what it answered."""
        correlation_id = correlation_id or uuid.uuid4().hex
        handler = self.router.resolve(event, self._command_ids)
        if handler is None:
            return self._unhandled(event)
        context = self.context(correlation_id)
        try:
            result = handler(event, context)
        except AuthorizationRequired as needed:
            log.info(
                "Asking the user for access", extra={"fields": {"scopes": list(needed.scopes)}}
            )
            return self.services.user_auth.authorization_response(needed, event)
        except Exception as exc:
            log.exception(
                "Handler %s failed",
                getattr(handler, "__qualname__", repr(handler)),
                extra={"fields": {"event": event.kind, "error": type(exc).__name__}},
            )
            return self._failure(event, correlation_id)
        if result is None:
            return Ack()
        if isinstance(result, str):
            return Reply(result)
        response: Response = result
        return response

    def _unhandled(self, event: Event) -> Response:
        log.info(
            "No handler for this %s event. Add one:\n\n%s",
            event.kind,
            handler_hint(event),
            extra={"fields": {"event": event.kind, "unhandled": True}},
        )
        if isinstance(event, RemovedFromSpaceEvent):
            return Ack()
        if isinstance(event, DialogSubmitEvent | DialogCancelEvent):
            return CloseDialog(DialogStatus.OK, "Nothing to do here yet.")
        if isinstance(event, WidgetUpdateEvent):
            return UpdateWidget(())
        if isinstance(event, DialogRequestEvent):
            return Reply("Sorry, that dialog isn't available yet.", private=True)
        return Reply(
            f"Sorry, I don't know how to do that yet. Try /help to see what "
            f"{self.settings.app_name} can do.",
            private=not event.space.is_dm,
        )

    @staticmethod
    def _failure(event: Event, correlation_id: str, detail: str = "") -> Response:
        ref = correlation_id[:12]
        text = f"Sorry, something went wrong on our side. Please try again. (ref {ref})"
        if isinstance(event, DialogSubmitEvent | DialogCancelEvent):
            return CloseDialog(DialogStatus.INTERNAL, text)
        if isinstance(event, WidgetUpdateEvent):
            return UpdateWidget(())
        if isinstance(event, RemovedFromSpaceEvent):
            return Ack()
        return Reply(text, private=not event.space.is_dm)
