"""``WebSimulator``: the page server on loopback, started beside the local stack or alone.

    sim = WebSimulator(app_url=stack.app_url, emulator_url=stack.emulator_url,
                       key=load_or_create(stack.state_dir), audience=stack.audience,
                       port=8094).start()
    print(sim.url)
    ...
    sim.stop()

``python -m devkit.web`` (and ``nudge web``) run it in the foreground against a
running ``make run``.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
import webbrowser
from collections.abc import Mapping, Sequence

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devkit.devkey import DevKey, load_or_create
from devkit.loopback import LoopbackServer, wait_for_stop
from devkit.web.app import WebApp
from devkit.web.exchanges import ExchangeLog
from devkit.web.options import DEFAULT_PORT, DESCRIPTION, PORT_VARIABLE, add_arguments
from devkit.web.simulator import Simulator
from devkit.web.upstream import AppClient, EmulatorClient


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log: the page polls every second."""


def check_loopback(host: str) -> None:
    """Refuse any address but loopback: the page acts as anyone in the emulator."""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the web simulator only listens on loopback (127.0.0.1), not {host!r}")


def parse_command_ids(text: str) -> dict[str, int]:
    """``/help=1,/remind=5`` -> ``{"/help": 1, "/remind": 5}`` (as ``NUDGE_COMMAND_IDS``)."""
    found: dict[str, int] = {}
    for part in text.split(","):
        name, _, number = part.strip().partition("=")
        if name.startswith("/") and number.strip().isdigit():
            found[name.strip()] = int(number)
    return found


class WebSimulator(LoopbackServer):
    """The local web Chat simulator on ``host:port`` (0 picks a free port), in a thread."""

    thread_name = "nudge-web-simulator"

    def __init__(
        self,
        *,
        app_url: str,
        emulator_url: str,
        key: DevKey,
        audience: str,
        command_ids: Mapping[str, int] | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        check_loopback(host)
        super().__init__(host, port)
        if command_ids is None:
            from devkit.local import LOCAL_COMMAND_IDS

            command_ids = LOCAL_COMMAND_IDS
        ids = parse_command_ids(command_ids) if isinstance(command_ids, str) else command_ids
        self.simulator = Simulator(
            EmulatorClient(emulator_url), AppClient(app_url, key, audience), ids, ExchangeLog()
        )
        self.app = WebApp(self.simulator)

    def _make_server(self) -> BaseWSGIServer:
        # Bound here, so a busy port raises OSError (Werkzeug itself would sys.exit).
        family, kind, proto, _, address = socket.getaddrinfo(
            self._host, self._port, type=socket.SOCK_STREAM
        )[0]
        listener = socket.socket(family, kind, proto)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
            listener.listen(64)
            return make_server(
                self._host,
                self._port,
                self.app,
                threaded=True,
                request_handler=_QuietHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # Werkzeug keeps its own duplicate

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``: the page."""
        return super().url + "/"

    def start(self) -> WebSimulator:
        """Listen and serve on a daemon thread; returns ``self``."""
        super().start()
        self.simulator.config_complete_url = self.url + "config-complete"
        return self

    def reset(self) -> None:
        """Forget the inspector's exchanges and the command list (after an emulator reset)."""
        self.simulator.log.clear()
        self.simulator.forget()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m devkit.web``: serve the simulator against a running local stack."""
    parser = argparse.ArgumentParser(prog="python -m devkit.web", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM; 0 on a clean stop, 3 on a bad setting or a busy port."""
    from devkit.local import LOCAL_COMMAND_IDS, LocalStack
    from shared.config import ConfigError

    port = args.port
    try:
        stack = LocalStack.from_env()
        port = args.port if args.port is not None else _env_port()
        simulator = WebSimulator(
            app_url=args.app_url or stack.app_url,
            emulator_url=args.emulator_url or stack.emulator_url,
            key=load_or_create(stack.state_dir),
            audience=stack.audience,
            command_ids=os.environ.get("NUDGE_COMMAND_IDS") or LOCAL_COMMAND_IDS,
            host=args.host,
            port=port,
        ).start()
    except (ConfigError, ValueError) as exc:
        print(f"nudge web: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:
        print(
            f"nudge web: cannot listen on {args.host}:{port}: {exc.strerror or exc}. "
            f"Choose another port with --port or {PORT_VARIABLE}.",
            file=sys.stderr,
        )
        return 3
    emulator = simulator.simulator.emulator
    print(
        f"Nudge web simulator: {simulator.url}\n"
        f"  chat_app  {simulator.simulator.app.url}\n"
        f"  emulator  {emulator.url}\n"
        "Ctrl-C stops it.",
        flush=True,
    )
    if not emulator.answering():
        print(
            f"nudge web: the Chat API emulator at {emulator.url} is not answering yet; "
            "start `make run` (the page says so too until it does).",
            file=sys.stderr,
        )
    if args.open:
        webbrowser.open(simulator.url)
    try:
        if wait_for_stop():
            print(flush=True)
    finally:
        simulator.stop()
    return 0


def _env_port() -> int:
    raw = os.environ.get(PORT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{PORT_VARIABLE} must be a port number (1-65535), not {raw!r}")
    return int(raw)
