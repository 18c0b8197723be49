"""Chat API client scenario: 1,000 messages across 100 spaces under quotas and 50 ms latency."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.record import Record

ROOT = Path(__file__).resolve().parents[1]
SPACES = 100
MESSAGES = 1000
LATENCY_MS = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _post(url: str, payload: object) -> None:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _wait(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "_emulator/stats", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the emulator did not start")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process, from /proc (``None`` where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def messages_under_quotas() -> Iterator[Record]:
    import google.oauth2.credentials

    from shared.chatapi.client import ChatClient
    from shared.chatapi.ids import client_message_id
    from shared.google.errors import ApiError, RateLimited

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "devkit.emulator", "--host", "127.0.0.1", "--port", str(port),
         "--quotas", "--latency-ms", str(LATENCY_MS)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait(url)
        spaces = [f"spaces/BENCH{i:03d}" for i in range(SPACES)]
        for space in spaces:
            _post(url + "_emulator/spaces", {"name": space, "displayName": space})
        credentials = google.oauth2.credentials.Credentials(token="bench")
        client = ChatClient(credentials, endpoint=url)
        per_space = MESSAGES // SPACES
        surfaced_429 = 0
        failures = 0

        def post_all(space: str) -> tuple[int, int]:
            limited = failed = 0
            for n in range(per_space):
                try:
                    client.create_message(
                        space,
                        {"text": f"bench message {n}"},
                        message_id=client_message_id("bench", space, str(n)),
                    )
                except RateLimited:
                    limited += 1
                except ApiError:
                    failed += 1
            return limited, failed

        cpu_before = _cpu_seconds(emulator.pid)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=SPACES) as pool:
            for limited, failed in pool.map(post_all, spaces):
                surfaced_429 += limited
                failures += failed
        wall = time.monotonic() - started
        cpu_after = _cpu_seconds(emulator.pid)
        with urllib.request.urlopen(url + "_emulator/stats", timeout=5) as response:
            stats = json.loads(response.read())
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    minimum = per_space / 1.0  # messages per space / 1 write per second
    ratio = wall / minimum
    print(f"  emulator stats: {json.dumps(stats, sort_keys=True)}")
    if cpu_before is not None and cpu_after is not None and stats.get("api_requests"):
        per_request = (cpu_after - cpu_before) * 1000 / stats["api_requests"]
        print(f"  emulator CPU: {per_request:.2f} ms per API request")
    yield Record(
        "messages under quotas",
        round(wall, 2),
        "s",
        minimum,
        round(ratio, 3),
        "wall / quota minimum <= 1.3 with zero 429s or failures reaching the caller",
        ratio <= 1.3 and surfaced_429 == 0 and failures == 0,
    )
    yield Record(
        "messages under quotas 429s surfaced",
        float(surfaced_429 + failures),
        "count",
        None,
        None,
        "0 (retried 429s inside the client are fine; surfaced ones are not)",
        surfaced_429 + failures == 0,
    )


SCENARIOS = (messages_under_quotas,)
