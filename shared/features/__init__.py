"""Nudge's features, assembled into one app.

Each feature is a module with its own ``Router``; ``build_app`` includes them.
Add yours here.
"""

from __future__ import annotations

from shared.app import ChatApp
from shared.config import Settings
from shared.router import Router
from shared.services import Services


def build_router() -> Router:
    """Every feature's routes in one router."""
    from shared.features import account, basics

    router = Router()
    router.include(basics.router)
    router.include(account.router)
    return router


def build_app(settings: Settings, *, services: Services | None = None) -> ChatApp:
    """The Chat interaction app with every built-in feature and its HTTP routes."""
    from shared.auth.oauth import oauth_routes

    return ChatApp(build_router(), settings, services=services, routes=oauth_routes())
