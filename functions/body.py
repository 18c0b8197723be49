"""Read a request body within a size cap and a total deadline, or say why not.

Two things outside Nudge read bodies, and neither bounds them for us:

- functions-framework's ``read_request`` after-request hook calls
  ``request.get_data()`` after every response, so a body the door refused
  unread would be read into memory anyway. Werkzeug's ``max_content_length``,
  set on the request before anything reads it, caps every read, and a refused
  request gets an empty ``stream`` so the hook has nothing to read.
- gunicorn's gthread worker reads the body with blocking ``recv`` calls that
  have no timeout, so a client that dribbles its body holds a worker thread for
  as long as it likes. A watchdog thread shuts the read side of the connection
  when the deadline passes; the blocked read then ends at once, and the client
  gets 408.

See docs/decisions/0007-request-body-limits.md.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import flask
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from shared.config import ConfigError
from shared.http import HttpResponse

READ_TIMEOUT_ENV = "NUDGE_BODY_READ_TIMEOUT_SECONDS"
DEFAULT_READ_TIMEOUT_SECONDS = 10.0
#: Where WSGI servers expose the client socket: gunicorn, then Werkzeug's dev server.
_SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")


def read_timeout_seconds(env: Mapping[str, str] = os.environ) -> float:
    """``NUDGE_BODY_READ_TIMEOUT_SECONDS``: how long reading one body may take in total."""
    raw = env.get(READ_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_READ_TIMEOUT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"{READ_TIMEOUT_ENV} must be a positive number of seconds, not {raw!r}")
    return seconds


def read_body(request: flask.Request, max_bytes: int, timeout: float) -> bytes | HttpResponse:
    """The body, or 413 (over ``max_bytes``), 408 (slower than ``timeout``) or 400 (cut short).

    Never reads more than ``max_bytes + 1`` bytes, and never waits past the
    deadline when the server exposes its socket (gunicorn and Werkzeug do).
    """
    request.max_content_length = max_bytes
    with _deadline(request.environ, timeout) as guard:
        try:
            return _read_capped(request, max_bytes)
        except RequestEntityTooLarge:
            refusal = HttpResponse.error(
                413,
                "body_too_large",
                f"The request body is larger than the limit of {max_bytes:,} bytes.",
            )
        except ClientDisconnected:
            refusal = _cut_short(guard, timeout)
        except Exception:
            # A server may raise its own error when the deadline shuts the socket
            # mid-read (gunicorn does inside a chunked trailer); anything else is a bug.
            if not guard.fired:
                raise
            refusal = _cut_short(guard, timeout)
    _refuse_rest(request)
    return refusal


def _read_capped(request: flask.Request, max_bytes: int) -> bytes:
    """Werkzeug refuses a declared length over the cap unread and stops a chunked body at it."""
    body = request.get_data()  # cached, so functions-framework's hook does not read again
    length = request.content_length
    if length is None and len(body) == max_bytes and request.input_stream.read(1):
        raise RequestEntityTooLarge()  # byte max_bytes + 1 of a chunked body
    if length is not None and len(body) < length:
        # Servers that end the stream themselves (gunicorn) get a capping stream
        # from Werkzeug, which takes an early end for the end of the body.
        raise ClientDisconnected()
    return body


def _cut_short(guard: _Guard, timeout: float) -> HttpResponse:
    if guard.fired:
        return HttpResponse.error(
            408, "body_timeout", f"The request body did not arrive within {timeout:g} s."
        )
    return HttpResponse.error(400, "body_incomplete", "The request body ended early.")


def _refuse_rest(request: flask.Request) -> None:
    """Leave nothing for anyone to read: no hook buffering, no server draining a slow client."""
    request.stream = io.BytesIO()
    sock = _client_socket(request.environ)
    if sock is not None:
        _shut_read_side(sock)


def _client_socket(environ: Mapping[str, Any]) -> socket.socket | None:
    for key in _SOCKET_KEYS:
        candidate = environ.get(key)
        if isinstance(candidate, socket.socket):
            return candidate
    return None


def _shut_read_side(sock: socket.socket) -> None:
    """Make blocked and future reads return EOF; the response can still be written.

    ``socket.socket.shutdown`` is called directly because ``SSLSocket.shutdown``
    would also drop the TLS session the response still needs.
    """
    with contextlib.suppress(OSError):  # already closed or reset by the client
        socket.socket.shutdown(sock, socket.SHUT_RD)


class _Guard:
    """One body read's deadline; ``fired`` once the watchdog has shut its socket."""

    __slots__ = ("deadline", "fired", "sock")

    def __init__(self, sock: socket.socket | None, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.fired = False


@contextmanager
def _deadline(environ: Mapping[str, Any], timeout: float) -> Iterator[_Guard]:
    """Arm the watchdog for the duration of the block; without a socket it cannot act."""
    guard = _Guard(_client_socket(environ), time.monotonic() + timeout)
    if guard.sock is None:
        yield guard
        return
    _WATCHDOG.arm(guard)
    try:
        yield guard
    finally:
        _WATCHDOG.disarm(guard)


class _Watchdog:
    """One daemon thread per process that shuts the read side of sockets past their deadline.

    Arm and disarm take a lock the firing also holds, so once ``disarm`` returns
    the socket is never touched again (gunicorn may reuse it for the next request).
    """

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._heap: list[tuple[float, int, _Guard]] = []
        self._order = itertools.count()
        self._pid = 0

    def arm(self, guard: _Guard) -> None:
        with self._wake:
            if self._pid != os.getpid():  # first use in this (possibly forked) process
                self._pid = os.getpid()
                self._heap.clear()
                threading.Thread(target=self._run, name="nudge-body-deadline", daemon=True).start()
            heapq.heappush(self._heap, (guard.deadline, next(self._order), guard))
            if self._heap[0][2] is guard:
                self._wake.notify()

    def disarm(self, guard: _Guard) -> None:
        with self._wake:
            guard.sock = None  # its heap entry is dropped when it reaches the top

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].sock is None or self._heap[0][0] <= now):
                    guard = heapq.heappop(self._heap)[2]
                    if guard.sock is not None:
                        guard.fired = True
                        _shut_read_side(guard.sock)
                        guard.sock = None
                self._wake.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()
