"""A stand-in ``chat_app`` for the simulator's tests: it records events and answers as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from devkit.loopback import LoopbackServer

Answer = Callable[[dict[str, Any]], Any]


class ScriptedApp(LoopbackServer):
    """A stand-in chat_app: records each event (and its token) and answers with ``answer``."""

    thread_name = "scripted-chat-app"

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []
        self.tokens: list[str] = []
        self.answer: Answer = lambda event: {}
        self.status = 200
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    owner: ScriptedApp

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        event = json.loads(self.rfile.read(length))
        with self.owner.lock:
            self.owner.events.append(event)
            self.owner.tokens.append(self.headers.get("Authorization", ""))
        body = json.dumps(self.owner.answer(event)).encode()
        self.send_response(self.owner.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


ScriptedApp.handler = _Handler
