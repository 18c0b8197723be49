"""What a handler gets besides its event: settings, services, the router, a logger, ``defer``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from shared.config import Settings
from shared.core.defer import Deferrer, JobsUnavailable
from shared.core.router import Router
from shared.services import Services


@dataclass(frozen=True, slots=True)
class Context:
    """Per-request context. ``services`` builds API clients and stores lazily."""

    settings: Settings
    correlation_id: str
    router: Router
    services: Services
    log: logging.Logger
    #: Publishes deferred jobs (``None``: this app has none configured).
    jobs: Deferrer | None = None

    @property
    def can_defer(self) -> bool:
        """Whether ``defer`` can hand work over here (a handler may do it inline otherwise)."""
        return self.jobs is not None and self.jobs.available

    def defer(self, job: str, /, *, key: str | None = None, **args: Any) -> str:
        """Run job ``job`` later, from Pub/Sub, with JSON ``args``; returns the job's ID.

        Answer Chat at once ("working on it…"): the job's handler
        (``@feature.job(job)``) posts the result. ``key`` makes the job
        deterministic (the same key is one job, run once); by default every call
        is a new job. See ``shared.core.defer``.
        """
        if self.jobs is None:
            raise JobsUnavailable("this app was built without deferred jobs")
        return self.jobs.defer(job, args, key=key)
