"""The local web Chat simulator: Nudge's messages, cards and dialogs in a browser.

``WebSimulator`` serves the page on loopback; every message, click and dialog in it
is sent to ``chat_app`` as a signed Chat event, and everything it shows comes from
the Chat API emulator. ``python -m devkit.web`` (``nudge web``) runs it on its own.
See docs/decisions/0018-web-simulator.md. Loaded lazily, so that ``nudge`` starts
fast: ``devkit.web.options`` alone is light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devkit.web.server import WebSimulator, main

__all__ = ["WebSimulator", "main"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from devkit.web import server

        return getattr(server, name)
    raise AttributeError(f"module 'devkit.web' has no attribute {name!r}")
