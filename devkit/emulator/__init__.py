"""A local emulator of the Google Chat REST API (v1), the surface Nudge uses, and of the
Workspace Events API's subscriptions on Chat spaces (``workspace_events``).

``ChatEmulator`` runs it on loopback for tests and ``make run``;
``main``/``serve`` run it in the foreground (``python -m devkit.emulator``).
Routes, parameters and body schemas come from google-api-python-client's
bundled ``chat.v1.json`` and ``workspaceevents.v1.json``. It serves that client
and google-apps-chat's REST transport alike (Google's system parameters,
``$alt=json;enum-encoding=int``, enums by name or number).
"""

from __future__ import annotations

from devkit.emulator.faults import FaultConfig
from devkit.emulator.server import ChatEmulator, main, serve

__all__ = ["ChatEmulator", "FaultConfig", "main", "serve"]
