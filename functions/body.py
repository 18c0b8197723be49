"""Read a request body within a size cap and a total deadline, or say why not.

Two things outside Nudge read bodies, and neither bounds them for us:

- functions-framework's ``read_request`` after-request hook calls
  ``request.get_data()`` after every response, so a body the door refused
  unread would be read into memory anyway. Werkzeug's ``max_content_length``,
  set on the request before anything reads it, caps every read; a refused
  request gets an empty ``stream``, so the hook has nothing left to read.
- gunicorn's gthread worker reads the body with blocking ``recv`` calls that
  have no timeout, so a client that dribbles its body holds a worker thread for
  as long as it likes. A watchdog thread shuts the read side of the connection
  when the deadline passes; the blocked read then ends at once, and the client
  gets 408. Every refusal shuts the read side, so gunicorn does not linger
  draining a body nobody wants.

See docs/decisions/0007-request-body-limits.md.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import flask
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from shared.http import HttpResponse

#: Where WSGI servers expose the client socket: gunicorn, then Werkzeug's dev server.
_SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")


def read_body(request: flask.Request, max_bytes: int, timeout: float) -> bytes | HttpResponse:
    """The body, or 413 (over ``max_bytes``), 408 (slower than ``timeout``) or 400 (cut short
    or malformed framing).

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
        except Exception as exc:
            # A server raises its own errors for a body it cannot frame (gunicorn: a bad
            # chunk size) and when the deadline shuts the socket mid-read (inside a
            # chunked trailer). Both are the client's doing; anything else is a bug.
            if guard.fired:
                refusal = _cut_short(guard, timeout)
            elif type(exc).__module__.startswith("gunicorn.http"):
                refusal = HttpResponse.error(
                    400, "body_malformed", "The request body's framing is malformed."
                )
            else:
                raise
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
    """408 when the deadline ended the read, else 400: the client stopped early."""
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
    """The connection's socket, when the connection carries this request alone."""
    if not str(environ.get("SERVER_PROTOCOL", "")).startswith("HTTP/1."):
        return None  # an HTTP/2 connection carries other requests' streams too
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

    It tracks only the reads in flight (at most one per server thread). Arm and
    disarm take the lock the firing holds, so once ``disarm`` returns the socket
    is never touched again: gunicorn may reuse it for the next request.
    """

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._armed: set[_Guard] = set()
        self._next_wake = math.inf
        self._pid = 0

    def arm(self, guard: _Guard) -> None:
        with self._wake:
            if self._pid != os.getpid():  # first use in this (possibly forked) process
                self._pid = os.getpid()
                self._armed.clear()
                self._next_wake = math.inf
                threading.Thread(target=self._run, name="nudge-body-deadline", daemon=True).start()
            self._armed.add(guard)
            if guard.deadline < self._next_wake:
                self._next_wake = guard.deadline
                self._wake.notify()

    def disarm(self, guard: _Guard) -> None:
        with self._wake:
            self._armed.discard(guard)

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                for guard in [g for g in self._armed if g.deadline <= now]:
                    self._armed.discard(guard)
                    guard.fired = True
                    if guard.sock is not None:
                        _shut_read_side(guard.sock)
                self._next_wake = min((g.deadline for g in self._armed), default=math.inf)
                self._wake.wait(self._next_wake - now if self._armed else None)


_WATCHDOG = _Watchdog()
