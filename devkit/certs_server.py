"""A loopback HTTP server that publishes dev signing keys like Google does.

``GET /certs`` answers ``{kid: PEM cert}`` (the x509 endpoints' shape) and
``GET /jwks`` answers ``{"keys": [...]}``, both with ``Cache-Control: max-age``.
Point ``NUDGE_CHAT_CERTS_URL`` / ``NUDGE_OIDC_CERTS_URL`` at :attr:`CertsServer.certs_url`.

    with CertsServer(load_or_create()) as server:
        ...  # server.certs_url, server.hits
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from devkit.devkey import DevKey
from devkit.loopback import LoopbackServer


class CertsServer(LoopbackServer):
    """Serves the given keys on ``host:port`` (port 0 picks a free one) in a thread."""

    thread_name = "nudge-certs-server"

    def __init__(
        self,
        keys: DevKey | Iterable[DevKey] = (),
        *,
        max_age: int | None = 300,
        age: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.max_age = max_age
        self.age = age
        self.fail_status: int | None = None
        """When set, every request gets this status and no body (simulates an outage)."""
        self.hits = 0
        self.paths: list[str] = []
        super().__init__(host, port)
        self._keys: tuple[DevKey, ...] = (keys,) if isinstance(keys, DevKey) else tuple(keys)
        self._lock = threading.Lock()

    # -- keys

    def set_keys(self, *keys: DevKey) -> None:
        """Serve exactly these keys from now on (simulates rotation)."""
        with self._lock:
            self._keys = keys

    def add_key(self, key: DevKey) -> None:
        """Serve ``key`` as well as the current ones."""
        with self._lock:
            self._keys = (*self._keys, key)

    @property
    def keys(self) -> tuple[DevKey, ...]:
        """The keys served now."""
        return self._keys

    def certs_document(self) -> dict[str, str]:
        """What ``/certs`` answers."""
        document: dict[str, str] = {}
        for key in self._keys:
            document.update(key.certs_json())
        return document

    def jwks_document(self) -> dict[str, list[dict[str, str]]]:
        """What ``/jwks`` answers."""
        return {"keys": [key.jwk() for key in self._keys]}

    # -- lifecycle

    @property
    def certs_url(self) -> str:
        """The ``{kid: PEM}`` endpoint."""
        return self.url + "/certs"

    @property
    def jwks_url(self) -> str:
        """The JWKS endpoint."""
        return self.url + "/jwks"

    def _record(self, path: str) -> None:
        with self._lock:
            self.hits += 1
            self.paths.append(path)


class _Handler(BaseHTTPRequestHandler):
    owner: CertsServer
    server_version = "nudge-certs/1"

    def do_GET(self) -> None:
        owner = self.owner
        path = self.path.split("?", 1)[0]
        owner._record(path)
        if owner.fail_status is not None:
            self._send(owner.fail_status, b"")
            return
        document: Any
        if path == "/certs":
            document = owner.certs_document()
        elif path == "/jwks":
            document = owner.jwks_document()
        else:
            self._send(HTTPStatus.NOT_FOUND, b"")
            return
        self._send(HTTPStatus.OK, json.dumps(document).encode())

    def _send(self, status: int, body: bytes) -> None:
        owner = self.owner
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        if status == HTTPStatus.OK and owner.max_age is not None:
            self.send_header("Cache-Control", f"public, max-age={owner.max_age}")
            if owner.age is not None:
                self.send_header("Age", str(owner.age))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests don't want access logs on stderr."""


CertsServer.handler = _Handler
