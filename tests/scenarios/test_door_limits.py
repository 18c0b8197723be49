"""The HTTP door bounds request bodies: by size (413) and by how long they take to arrive (408).

Most tests talk to a real functions-framework process (gunicorn) over raw
sockets, because what they guard against lives in the server: the framework's
after-request hook that reads the whole body, and blocking body reads.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from shared.config import ConfigError, Settings
from tests.scenarios.conftest import PROJECT_NUMBER, ChatHarness, fixture
from tests.scenarios.test_real_socket import serve_chat_app

#: Only ever a ceiling on waiting for an answer that should come at once.
SOCKET_TIMEOUT = 20.0
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def signing() -> Iterator[tuple[DevKey, CertsServer]]:
    key = DevKey.generate()
    with CertsServer(key, max_age=3600) as certs:
        yield key, certs


@contextlib.contextmanager
def served(signing: tuple[DevKey, CertsServer], **env: str) -> Iterator[int]:
    """chat_app under functions-framework in project-number mode; yields its port."""
    _, certs = signing
    with serve_chat_app(
        NUDGE_CHAT_AUDIENCE=PROJECT_NUMBER, NUDGE_CHAT_CERTS_URL=certs.certs_url, **env
    ) as url:
        port = url.rsplit(":", 1)[1].rstrip("/")
        yield int(port)


def request_head(headers: dict[str, str]) -> bytes:
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of the response on ``sock``; the client never half-closes."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    payload: dict[str, Any] = json.loads(response.read())
    return response.status, payload


def exchange(port: int, headers: dict[str, str], body: Iterable[bytes]) -> tuple[int, Any]:
    """Send a request over a raw socket, then read its answer.

    The server may refuse the body while it is still being sent and close
    the connection; the answer is on the socket regardless.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(request_head(headers))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for piece in body:
                sock.sendall(piece)
        return read_answer(sock)


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def worker_pid(port: int) -> int:
    """The gunicorn worker serving ``port``: the child of the process started with it."""
    needle = f"--port\0{port}\0".encode()
    pids: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and needle in (proc / "cmdline").read_bytes():
                stat = (proc / "stat").read_text()
                pids[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    workers = [pid for pid, parent in pids.items() if parent in pids]
    assert len(workers) == 1, pids
    return workers[0]


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def assert_too_large(status: int, payload: dict[str, Any], limit: int) -> None:
    assert status == 413
    assert payload["error"]["code"] == "body_too_large"
    assert f"{limit:,} bytes" in payload["error"]["message"]


# --- size --------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_100_mib_body_leaves_the_worker_memory_flat(
    signing: tuple[DevKey, CertsServer], framing: str
) -> None:
    megabytes = [b"x" * MIB] * 100
    if framing == "chunked":
        headers, body = {"Transfer-Encoding": "chunked"}, chunked(megabytes)
    else:
        headers, body = {"Content-Length": str(100 * MIB)}, iter(megabytes)
    with served(signing) as port:
        pid = worker_pid(port)
        exchange(port, {"Content-Length": "2"}, [b"{}"])  # builds the app: 401, no token
        before = peak_rss_kib(pid)
        status, payload = exchange(port, headers, body)
        growth_mib = (peak_rss_kib(pid) - before) / 1024
    assert_too_large(status, payload, limit=1_000_000)
    assert growth_mib < 16, f"peak RSS grew {growth_mib:.1f} MiB for a 100 MiB body"


def test_a_long_declared_length_is_answered_without_the_body(
    signing: tuple[DevKey, CertsServer],
) -> None:
    with (
        served(signing, NUDGE_MAX_BODY_BYTES="4096") as port,
        socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT) as sock,
    ):
        sock.sendall(request_head({"Content-Length": "5000000"}) + b"{" * 1024)
        assert_too_large(*read_answer(sock), limit=4096)  # the other 4,998,976 bytes never come


def test_a_chunked_body_is_read_up_to_the_limit_and_no_further(
    signing: tuple[DevKey, CertsServer],
) -> None:
    with served(signing, NUDGE_MAX_BODY_BYTES="1000") as port:
        at_limit = exchange(port, {"Transfer-Encoding": "chunked"}, chunked([b" " * 500] * 2))
        with socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT) as sock:
            sock.sendall(request_head({"Transfer-Encoding": "chunked"}))
            sock.sendall(b"".join(b"1f4\r\n" + b" " * 500 + b"\r\n" for _ in range(10)))
            over = read_answer(sock)  # the body has no last chunk yet, and never gets one
    assert at_limit[0] == 401  # a body of exactly the limit goes on to verification
    assert_too_large(*over, limit=1000)


@pytest.mark.parametrize(
    "framing",
    [b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}XX0\r\n\r\n", b"2;\x00=1\r\n{}\r\n0\r\n\r\n"],
    ids=["bad chunk size", "missing terminator", "bad extension"],
)
def test_malformed_chunked_framing_is_a_400_not_a_500(
    signing: tuple[DevKey, CertsServer], framing: bytes
) -> None:
    with served(signing) as port:
        status, payload = exchange(port, {"Transfer-Encoding": "chunked"}, [framing])
    assert status == 400
    assert payload["error"]["code"] == "body_malformed"


def test_the_test_client_sees_the_same_refusal(
    make_harness: Callable[..., ChatHarness],
) -> None:
    harness = make_harness(NUDGE_MAX_BODY_BYTES="1000")
    over = harness.post(b" " * 1001)
    assert_too_large(over.status_code, over.get_json(), limit=1000)
    assert harness.post(b" " * 1000, token=None).status_code == 401


# --- time --------------------------------------------------------------------


@pytest.mark.slow
def test_dribbled_bodies_time_out_and_leave_room_for_help(
    signing: tuple[DevKey, CertsServer],
) -> None:
    key, _ = signing
    deadline, threads, slow_count = 1.0, 4, 12
    with served(
        signing, NUDGE_BODY_READ_TIMEOUT_SECONDS=str(deadline), THREADS=str(threads)
    ) as port:
        slow = [
            socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT)
            for _ in range(slow_count)
        ]
        opened = time.monotonic()
        for sock in slow:
            sock.sendall(request_head({"Content-Length": "900000"}) + b"{")
        answered: dict[socket.socket, float] = {}
        stop = threading.Event()
        dribbler = threading.Thread(target=dribble, args=(slow, answered, stop), daemon=True)
        dribbler.start()
        try:
            help_status, help_body = signed_help(port, key.chat_token(PROJECT_NUMBER))
            dribbler.join(SOCKET_TIMEOUT)
            answers = [read_answer(sock) for sock in slow]
        finally:
            stop.set()
            dribbler.join()
            for sock in slow:
                sock.close()
    assert help_status == 200
    assert help_body["cardsV2"][0]["cardId"] == "help"
    assert [status for status, _ in answers] == [408] * slow_count
    assert {payload["error"]["code"] for _, payload in answers} == {"body_timeout"}
    assert len(answered) == slow_count
    assert min(answered.values()) - opened >= deadline


def dribble(
    socks: list[socket.socket], answered: dict[socket.socket, float], stop: threading.Event
) -> None:
    """Send each socket a byte every 0.1 s until the server answers it (or ``stop``)."""
    pending = list(socks)
    while pending and not stop.is_set():
        readable, _, _ = select.select(pending, [], [], 0.1)
        for sock in readable:
            answered[sock] = time.monotonic()
            pending.remove(sock)
        for sock in list(pending):
            try:
                sock.sendall(b" ")
            except OSError:
                answered[sock] = time.monotonic()
                pending.remove(sock)


def signed_help(port: int, token: str) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SOCKET_TIMEOUT)
    try:
        body = json.dumps(fixture("legacy", "slash_command_legacy"))
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        connection.request("POST", "/", body, headers)
        response = connection.getresponse()
        payload: dict[str, Any] = json.loads(response.read())
        return response.status, payload
    finally:
        connection.close()


# --- the setting -------------------------------------------------------------


def test_the_read_timeout_setting() -> None:
    assert Settings.from_env({}).body_read_timeout_seconds == 10.0
    env = {"NUDGE_BODY_READ_TIMEOUT_SECONDS": " 2.5 "}
    assert Settings.from_env(env).body_read_timeout_seconds == 2.5
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(ConfigError, match="NUDGE_BODY_READ_TIMEOUT_SECONDS"):
            Settings.from_env({"NUDGE_BODY_READ_TIMEOUT_SECONDS": bad})
