"""The options of ``python -m devkit.web`` and ``nudge web`` (nothing heavy is imported)."""

from __future__ import annotations

import argparse

DEFAULT_PORT = 8094
PORT_VARIABLE = "NUDGE_LOCAL_WEB_PORT"
DESCRIPTION = (
    "Open the local web Chat simulator against the stack `make run` started: see and click "
    "Nudge's messages, cards and dialogs; every action is a signed Chat event."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options both entry points take."""
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument(
        "--port", type=int, default=None, help=f"default {PORT_VARIABLE} or {DEFAULT_PORT}"
    )
    parser.add_argument("--app-url", help="chat_app URL (default: the local stack's)")
    parser.add_argument("--emulator-url", help="Chat API emulator URL (default: the local stack's)")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
