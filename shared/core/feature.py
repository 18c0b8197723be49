"""A feature: one pluggable part of Nudge, in the spirit of a Flask blueprint.

A feature module builds a ``Router`` for its interaction handlers and bundles
it, with anything else it serves, into ``feature = Feature(...)``:

* HTTP routes (``@feature.route("/oauth/callback")``), called with the request
  and a ``Context`` (its services, its ``defer``);
* exception handlers (``@feature.errorhandler(AuthorizationRequired)``), which
  turn an exception a handler raised into a reply, as Flask's ``errorhandler``;
* tick jobs (``@feature.tick``), run on every ``reminders_tick``;
* Workspace event handlers (``@feature.on("google.workspace.chat.message.v1.created")``);
* deferred job handlers (``@feature.job("account.invite")``), run when a job that a
  handler deferred with ``ctx.defer("account.invite", ...)`` arrives through
  ``workspace_events`` (see ``shared.core.defer``).

The core knows ``Feature`` but no feature; ``shared.features`` lists the
installed ones and the composition root assembles them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from shared.core.posting import PostKind
from shared.core.router import RouteConflict, Router
from shared.core.ticks import TickJob
from shared.http import HttpRequest, HttpResponse
from shared.workspace.jobs import JOB_NAME

if TYPE_CHECKING:
    from shared.chat.events.models import Event
    from shared.chat.responses import Response
    from shared.core.context import Context
    from shared.services import Services
    from shared.workspace.models import JobEvent, WorkspaceEvent

F = TypeVar("F", bound=Callable[..., Any])

RouteHandler = Callable[[HttpRequest, "Context"], HttpResponse]
ErrorHandler = Callable[[Any, "Event", "Context"], "Response"]
EventHandler = Callable[["WorkspaceEvent", "Services"], None]
JobHandler = Callable[["JobEvent", "Services"], None]


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """An HTTP route a feature serves beside Chat events."""

    path: str
    methods: tuple[str, ...]
    handler: RouteHandler = field(compare=False)


class Feature:
    """A named bundle of a router, HTTP routes, exception handlers, tick jobs and event handlers."""

    def __init__(self, name: str, router: Router | None = None, *, description: str = "") -> None:
        if not name.isidentifier():
            raise ValueError(f"feature name {name!r} must be a Python identifier")
        self.name = name
        self.description = description
        self.router = router or Router()
        self.routes: dict[str, RouteSpec] = {}
        self.error_handlers: dict[type[BaseException], ErrorHandler] = {}
        self.tick_jobs: list[tuple[str, TickJob]] = []
        self.post_kinds: dict[str, PostKind] = {}
        self.event_handlers: dict[str, list[EventHandler]] = {}
        self.job_handlers: dict[str, JobHandler] = {}

    def __repr__(self) -> str:
        return f"Feature({self.name!r})"

    def route(self, path: str, *, methods: Sequence[str] = ("GET",)) -> Callable[[F], F]:
        """Serve ``path`` for ``methods`` (other methods, ``HEAD`` included, get 405)."""
        clean = "/" + path.strip("/")
        if clean in self.routes:
            raise RouteConflict(f"route {clean} is registered twice in {self.name}")
        wanted = tuple(m.upper() for m in methods)

        def register(handler: F) -> F:
            self.routes[clean] = RouteSpec(clean, wanted, handler)
            return handler

        return register

    def errorhandler(self, exc_type: type[BaseException]) -> Callable[[F], F]:
        """Answer ``exc_type`` (or a subclass) raised by a handler with ``fn(exc, event, ctx)``."""

        def register(handler: F) -> F:
            if exc_type in self.error_handlers:
                raise RouteConflict(f"{exc_type.__name__} has two handlers in {self.name}")
            self.error_handlers[exc_type] = handler
            return handler

        return register

    def posts(self, kind: str, post_kind: PostKind) -> None:
        """Declare a kind of scheduled post (stored as ``Reminder(kind=...)``); the core's
        posting engine delivers it on every tick, exactly once, with ``post_kind``."""
        if kind in self.post_kinds:
            raise RouteConflict(f"post kind {kind!r} is declared twice in {self.name}")
        self.post_kinds[kind] = post_kind

    def tick(self, job: F) -> F:
        """Run ``job(tick, services)`` on every scheduler tick."""
        self.tick_jobs.append((f"{self.name}.{job.__name__}", job))
        return job

    def on(self, *event_types: str) -> Callable[[F], F]:
        """Handle Workspace events of these CloudEvent types (``fn(event, services)``)."""
        if not event_types:
            raise ValueError("on() needs at least one event type")

        def register(handler: F) -> F:
            for event_type in event_types:
                self.event_handlers.setdefault(event_type, []).append(handler)
            return handler

        return register

    def job(self, name: str) -> Callable[[F], F]:
        """Run ``fn(job, services)`` for each job deferred as ``name`` (one handler per name).

        Name jobs ``feature.verb`` (``account.invite``); two features claiming one
        name fail at start-up. The handler runs at least once per job, so make it
        idempotent: post its result with ``shared.core.defer.post_result``.
        """
        if not JOB_NAME.fullmatch(name):
            raise ValueError(f"job name {name!r} must match {JOB_NAME.pattern}")

        def register(handler: F) -> F:
            if name in self.job_handlers:
                raise RouteConflict(f"job {name} is registered twice in {self.name}")
            self.job_handlers[name] = handler
            return handler

        return register


def job_names(features: Sequence[Feature]) -> frozenset[str]:
    """Every job the features handle; two features handling one name fail at start-up."""
    owners: dict[str, str] = {}
    for feature in features:
        for name in feature.job_handlers:
            if name in owners:
                raise RouteConflict(f"job {name} is handled by {owners[name]} and {feature.name}")
            owners[name] = feature.name
    return frozenset(owners)
