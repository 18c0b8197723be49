"""A small HTTP server on loopback, served from a daemon thread: the base of the local fakes."""

from __future__ import annotations

import signal
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar, Self


class LoopbackServer:
    """Start, stop and locate a threaded HTTP server; subclasses name their handler.

    The handler class gets an ``owner`` attribute pointing at this object, so
    request handling can reach the server's state. A subclass serving something
    else (a WSGI app, say) overrides ``_make_server``.
    """

    handler: ClassVar[type[BaseHTTPRequestHandler]]
    thread_name: ClassVar[str] = "nudge-loopback"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host, self._port = host, port
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        self._httpd = self._make_server()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def _make_server(self) -> HTTPServer:
        """A bound, threaded server whose handler can reach ``self`` as ``owner``."""
        handler = type(self.handler.__name__, (self.handler,), {"owner": self})
        server = ThreadingHTTPServer((self._host, self._port), handler)
        server.daemon_threads = True
        return server

    def stop(self) -> None:
        """Stop serving and free the port."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def wait_for_stop() -> bool:
    """Block until Ctrl-C or SIGTERM, for a server run in the foreground.

    True when it was Ctrl-C. The caller stops what it serves afterwards.
    """
    done = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        return True
    finally:
        signal.signal(signal.SIGTERM, previous)
    return False
