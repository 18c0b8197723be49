"""The Chat interaction core: ``dispatch(HttpRequest) -> HttpResponse``.

A request walks one way: feature routes first, then size check,
verification, JSON, typed event, router, handler, renderer. It knows no web
framework (``functions/chat_app`` adapts Flask to it) and no feature: features
plug in their routers, HTTP routes and exception handlers (``Feature``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from shared.chat.cards import CardLimitError
from shared.chat.events.models import Answer, Event
from shared.chat.events.parse import BadEvent, UnsupportedEvent, load_body, parse_event
from shared.chat.render import render
from shared.chat.responses import Ack, CloseDialog, DialogStatus, Reply, Response, UpdateWidget
from shared.config import Settings
from shared.core.certs import CertsUnavailable
from shared.core.context import Context
from shared.core.defer import Deferrer
from shared.core.feature import ErrorHandler, Feature, RouteHandler
from shared.core.hints import handler_hint
from shared.core.router import RouteConflict, Router
from shared.core.verify import ChatVerifier, VerificationError
from shared.http import HttpRequest, HttpResponse
from shared.log import RequestContext, parse_trace_header, request_context
from shared.services import Services

log = logging.getLogger(__name__)

#: An HTTP route as the app serves it: ``(request, correlation_id) -> response``.
Route = Callable[[HttpRequest, str], HttpResponse]


class ChatApp:
    """Verifies, parses, routes and answers Chat interaction requests."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        features: Sequence[Feature] = (),
        *,
        verifier: ChatVerifier | None = None,
        jobs: Deferrer | None = None,
    ) -> None:
        self.settings = settings
        self.services = services
        #: What ``ctx.defer`` publishes with (``None``: handlers cannot defer work).
        self.jobs = jobs
        self.features = tuple(features)
        self.router = Router()
        self.routes: dict[str, tuple[tuple[str, ...], Route]] = {}
        self.error_handlers: dict[type[BaseException], ErrorHandler] = {}
        for feature in self.features:
            self._install(feature)
        self.router.check_ids(settings.command_ids)
        self._command_ids = dict(settings.command_ids)
        self._verifier = verifier
        if not settings.verify_requests:
            log.warning(
                "Request verification is OFF (NUDGE_VERIFY_REQUESTS=false): anyone who can "
                "reach this endpoint can impersonate Google Chat. Never deploy like this."
            )

    def _install(self, feature: Feature) -> None:
        """Take in a feature's router, routes and exception handlers; conflicts raise."""
        self.router.include(feature.router)
        for path, spec in feature.routes.items():
            if path in self.routes:
                raise RouteConflict(f"route {path} is served by two features")
            self.routes[path] = (spec.methods, self._bind(spec.handler))
        for exc_type, handler in feature.error_handlers.items():
            if exc_type in self.error_handlers:
                raise RouteConflict(f"{exc_type.__name__} is handled by two features")
            self.error_handlers[exc_type] = handler

    def _bind(self, handler: RouteHandler) -> Route:
        """A feature's route, called with the request and a ``Context`` (so it can defer)."""

        def serve(request: HttpRequest, correlation_id: str) -> HttpResponse:
            return handler(request, self.context(correlation_id))

        return serve

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
            methods, serve = route
            if request.method not in methods:
                return HttpResponse.error(
                    405, "method_not_allowed", "Not allowed here.", Allow=", ".join(methods)
                )
            return serve(request, correlation_id)
        if request.method != "POST":
            return HttpResponse.error(
                405, "method_not_allowed", "Chat events must be POSTed.", Allow="POST"
            )
        limit = self.settings.max_body_bytes
        if len(request.body) > limit:
            return HttpResponse.error(
                413,
                "body_too_large",
                f"The request body is larger than the limit of {limit:,} bytes.",
            )

        denied = self._verify(request)
        if denied is not None:
            return denied

        try:
            event = parse_event(load_body(request.body, max_bytes=limit))
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
            jobs=self.jobs,
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
        except Exception as exc:  # noqa: BLE001 - the error boundary of every handler
            return self._handle_error(exc, event, context, handler)
        if result is None:
            return Ack()
        if isinstance(result, str):
            return Reply(result)
        response: Response = result
        return response

    def _handle_error(
        self, exc: Exception, event: Event, context: Context, handler: Any
    ) -> Response:
        """A feature's exception handler for ``exc``, or the friendly failure reply."""
        for exc_type in type(exc).__mro__:
            answer = self.error_handlers.get(exc_type)
            if answer is None:
                continue
            try:
                response: Response = answer(exc, event, context)
                return response
            except Exception:
                log.exception("The exception handler for %s failed", exc_type.__name__)
                break
        log.exception(
            "Handler %s failed",
            getattr(handler, "__qualname__", repr(handler)),
            exc_info=exc,
            extra={"fields": {"event": event.kind, "error": type(exc).__name__}},
        )
        return self._failure(event, context.correlation_id)

    def _unhandled(self, event: Event) -> Response:
        log.info(
            "No handler for this %s event. Add one:\n\n%s",
            event.kind,
            handler_hint(event),
            extra={"fields": {"event": event.kind, "unhandled": True}},
        )
        if event.answer is Answer.NOTHING:
            return Ack()
        if event.answer is Answer.DIALOG:
            return CloseDialog(DialogStatus.OK, "Nothing to do here yet.")
        if event.answer is Answer.WIDGET:
            return UpdateWidget(())
        if event.kind == "dialog_request":
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
        if event.answer is Answer.DIALOG:
            return CloseDialog(DialogStatus.INTERNAL, text)
        if event.answer is Answer.WIDGET:
            return UpdateWidget(())
        if event.answer is Answer.NOTHING:
            return Ack()
        return Reply(text, private=not event.space.is_dm)
