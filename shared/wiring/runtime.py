"""The runtime: what one process keeps between requests, and the apps it assembles.

Doors and the devkit call ``runtime()`` (or build a ``Runtime`` themselves). A
``Runtime`` owns every cache a process keeps between requests (settings, services,
the built app, Google's certs, the write pacer), so a test resets all of it with
``reset_runtime()`` and installs its own with ``use_runtime(...)``.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.config import ConfigError, Settings
from shared.core.app import ChatApp
from shared.core.certs import CertsCaches
from shared.core.defer import Deferrer
from shared.core.feature import Feature, job_names
from shared.core.posting import JOB_NAME as POSTING_JOB
from shared.core.posting import PostKind, deliver_due
from shared.core.router import RouteConflict
from shared.core.ticks import Tick, TickJob, TickReport, run_tick
from shared.core.verify import ChatVerifier
from shared.core.workspace import WorkspaceDispatcher
from shared.log import configure
from shared.services import Lazy, Services
from shared.wiring.services import build_services, database_path

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from shared.workspace.jobs import JobPublisher


def load_features(names: Sequence[str] | None = None) -> list[Feature]:
    """The installed features (``shared.features.INSTALLED``), imported by module name."""
    from shared.features import INSTALLED

    features = []
    for name in INSTALLED if names is None else names:
        module = importlib.import_module(f"shared.features.{name}")
        feature = getattr(module, "feature", None)
        if not isinstance(feature, Feature):
            raise TypeError(f"shared.features.{name} defines no `feature = Feature(...)`")
        features.append(feature)
    return features


def build_app(
    settings: Settings,
    *,
    services: Services | None = None,
    features: Sequence[Feature] | None = None,
    certs: CertsCaches | None = None,
    jobs: Deferrer | None = None,
) -> ChatApp:
    """The Chat interaction app with the installed features (or ``features``).

    ``jobs`` is what ``ctx.defer`` publishes with; without it handlers cannot defer
    work (``Runtime`` passes one built from the settings).
    """
    verifier = ChatVerifier.from_settings(settings, caches=certs or CertsCaches())
    return ChatApp(
        settings,
        services or build_services(settings),
        load_features() if features is None else features,
        verifier=verifier,
        jobs=jobs,
    )


def check_jobs(settings: Settings) -> None:
    """Refuse job settings that cannot work (``ConfigError`` saying what to set)."""
    backend = settings.jobs_backend
    if backend == "pubsub" and not settings.jobs_topic:
        raise ConfigError(
            "NUDGE_JOBS_MODE=pubsub needs NUDGE_JOBS_TOPIC=projects/PROJECT/topics/TOPIC: "
            "the topic deferred jobs are published to (its push subscription delivers them "
            "to workspace_events)."
        )
    if backend == "inline" and settings.on_cloud_functions:
        raise ConfigError(
            "NUDGE_JOBS_MODE=inline cannot work on Cloud Functions: the CPU is throttled once "
            "the response is sent, so a job left running in the background may never finish. "
            "Set NUDGE_JOBS_TOPIC (and unset NUDGE_JOBS_MODE) to run jobs from Pub/Sub."
        )


def build_jobs(
    settings: Settings, deliver: Callable[[Mapping[str, object]], object]
) -> JobPublisher | None:
    """Where deferred jobs go: the Pub/Sub topic, this process (``deliver`` runs each, as
    ``workspace_events`` would), or nowhere (``None``) when none is configured."""
    backend = settings.jobs_backend
    if backend == "pubsub" and settings.jobs_topic:
        from shared.workspace.jobs import PubSubJobs

        return PubSubJobs(settings.jobs_topic)
    if backend == "inline":
        from shared.workspace.jobs import InlineJobs

        return InlineJobs(deliver)
    return None


class Runtime:
    """Everything one process keeps between requests, built on first use.

    Creating one checks the settings that can be checked without the network
    (the store's location, for one), so a misconfigured deployment fails at
    start-up with a message that says what to set.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        features: Sequence[Feature] | None = None,
        services: Services | None = None,
        certs: CertsCaches | None = None,
        jobs: JobPublisher | None = None,
    ) -> None:
        if services is None:
            database_path(settings)  # raises ConfigError where no store can work
        check_jobs(settings)
        self.settings = settings
        self.certs = certs or CertsCaches()
        self._features = Lazy(lambda: tuple(load_features() if features is None else features))
        self._services = Lazy(lambda: services or build_services(settings))
        self._app = Lazy(self._build_app)
        self._workspace = Lazy(lambda: WorkspaceDispatcher(self.services, self.features))
        self._jobs = Lazy(lambda: jobs if jobs is not None else build_jobs(settings, self.deliver))
        self._has_jobs = jobs is not None or settings.jobs_backend != "off"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Runtime:
        """A runtime for the environment (``os.environ`` by default), with logging set up."""
        settings = Settings.from_env(os.environ if env is None else env)
        configure(settings.log_level, settings.project_id, structured=settings.structured_logs)
        return cls(settings)

    @property
    def features(self) -> tuple[Feature, ...]:
        return self._features()

    @property
    def services(self) -> Services:
        return self._services()

    @property
    def app(self) -> ChatApp:
        """The Chat interaction app."""
        return self._app()

    @property
    def workspace(self) -> WorkspaceDispatcher:
        """Routes Workspace events (and deferred jobs) to the features' handlers."""
        return self._workspace()

    @property
    def jobs(self) -> JobPublisher | None:
        """Where ``ctx.defer`` hands jobs (``None``: deferred work is not configured)."""
        return self._jobs()

    def deferrer(self) -> Deferrer:
        """What the app's handlers defer work with; refuses where no jobs are configured."""

        def publisher() -> JobPublisher:
            found = self.jobs
            if found is None:  # pragma: no cover - ``available`` is False then
                raise ConfigError("deferred jobs are not configured")
            return found

        return Deferrer(
            publisher if self._has_jobs else None,
            job_names(self.features),
            unavailable="deferred work is off here: set NUDGE_JOBS_TOPIC to a Pub/Sub topic "
            "whose push subscription delivers to workspace_events",
        )

    def deliver(self, data: Mapping[str, object]) -> None:
        """Handle one Pub/Sub message's data here, as ``workspace_events`` would: how
        ``NUDGE_JOBS_MODE=inline`` runs jobs. Raises for a transient failure (retry)."""
        message = data.get("message")
        outer = message.get("messageId", "") if isinstance(message, Mapping) else ""
        self.workspace.handle(data, outer_id=str(outer))

    def tick(self, scheduled: str | None = None) -> list[TickReport]:
        """Run every feature's tick jobs for the tick scheduled at ``scheduled`` (RFC 3339)."""
        # A tick delivered late (a retry) still delivers what is due by now.
        now = datetime.now(UTC)
        if scheduled:
            try:
                now = max(now, datetime.fromisoformat(scheduled).astimezone(UTC))
            except ValueError:
                log.warning("tick time %r is not RFC 3339; using the clock", scheduled[:64])
        deadline = time.monotonic() + self.settings.tick_deadline_seconds
        return run_tick(Tick(now, deadline), self.tick_jobs(), self.services)

    def tick_jobs(self) -> list[tuple[str, TickJob]]:
        """The posting engine (when any feature declares a kind of post), then every
        feature's own tick jobs, in ``INSTALLED`` order."""
        kinds: dict[str, PostKind] = {}
        for feature in self.features:
            for kind, post_kind in feature.post_kinds.items():
                if kind in kinds:
                    raise RouteConflict(f"two features declare the post kind {kind!r}")
                kinds[kind] = post_kind
        jobs: list[tuple[str, TickJob]] = []
        if kinds:
            jobs.append((POSTING_JOB, functools.partial(deliver_due, kinds=kinds)))
        jobs.extend(job for feature in self.features for job in feature.tick_jobs)
        return jobs

    def _build_app(self) -> ChatApp:
        return build_app(
            self.settings,
            services=self.services,
            features=self.features,
            certs=self.certs,
            jobs=self.deferrer(),
        )


_current: Runtime | None = None
_lock = threading.Lock()


def runtime(factory: Callable[[], Runtime] = Runtime.from_env) -> Runtime:
    """The process's runtime, built (by ``factory``) on first use."""
    global _current
    current = _current
    if current is None:
        with _lock:
            if _current is None:
                _current = factory()
            current = _current
    return current


def use_runtime(new: Runtime | None) -> None:
    """Replace the process's runtime (``None``: build it afresh from the environment next time)."""
    global _current
    with _lock:
        _current = new


def reset_runtime() -> None:
    """Forget the runtime and every cache it owns, as a fresh instance would."""
    use_runtime(None)
