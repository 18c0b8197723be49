"""What a handler gets besides its event: settings, services, the router and a logger."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.config import Settings
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
