"""The composition root: the one place that builds services, picks the store and assembles apps.

Doors and the devkit call ``runtime()`` (or build a ``Runtime`` themselves);
nothing else constructs clients, stores or the app. ``services`` builds the
store and the clients; ``runtime`` keeps them, with every other cache a process
keeps between requests, and assembles the Chat app, the tick and the Workspace
dispatcher from the installed features.
"""

from __future__ import annotations

from shared.wiring.runtime import (
    Runtime,
    build_app,
    build_jobs,
    check_jobs,
    load_features,
    reset_runtime,
    runtime,
    use_runtime,
)
from shared.wiring.services import (
    build_backend,
    build_services,
    database_path,
    per_credentials,
)

__all__ = [
    "Runtime",
    "build_app",
    "build_backend",
    "build_jobs",
    "build_services",
    "check_jobs",
    "database_path",
    "load_features",
    "per_credentials",
    "reset_runtime",
    "runtime",
    "use_runtime",
]
