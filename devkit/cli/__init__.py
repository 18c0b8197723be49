"""``nudge``: post as the app, manage members, run the emulator, and chat with Nudge locally.

Exit codes: 0 success; 1 the Chat API (or the local app) refused the request;
2 bad usage; 3 configuration is missing or wrong; 4 something could not be reached.
"""

from __future__ import annotations

from devkit.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
