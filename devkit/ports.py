"""Is a loopback port free? Checked before a devkit server starts, so a busy port is named.

Werkzeug's ``make_server`` calls ``sys.exit(1)`` on a busy port and functions-framework
would only fail inside its own process, so the devkit binds each port itself first.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (``None`` when it can); port 0 is always free."""
    if port == 0:
        return None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError as exc:
        return f"{host} is not a usable address ({exc.strerror or exc})"
    with socket.socket(family, kind, proto) as probe:
        # As the servers do: a port left in TIME_WAIT by a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
            probe.listen(1)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use"
            return f"cannot listen on {host}:{port} ({exc.strerror or exc})"
    return None


def busy_ports(host: str, ports: Iterable[tuple[str, int]]) -> list[tuple[str, int, str]]:
    """``(what, port, problem)`` for each ``(what, port)`` that cannot be listened on."""
    found = []
    for what, port in ports:
        problem = port_problem(host, port)
        if problem is not None:
            found.append((what, port, problem))
    return found
