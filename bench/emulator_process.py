"""The Chat API emulator in a process of its own, so a benchmark measures only its client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def post_json(url: str, payload: object) -> Any:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process, from /proc (``None`` where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def emulator(*, latency_ms: int = 0, quotas: bool = False) -> Iterator[tuple[str, int]]:
    """``(url, pid)`` of a fresh emulator process on a free loopback port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [
        sys.executable, "-m", "devkit.emulator", "--host", "127.0.0.1", "--port", str(port),
        "--latency-ms", str(latency_ms),
    ]  # fmt: skip
    if quotas:
        command.append("--quotas")
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(url + "_emulator/stats")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the emulator did not start") from None
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def add_spaces(url: str, names: list[str]) -> None:
    for name in names:
        post_json(url + "_emulator/spaces", {"name": name, "displayName": name})


def posted_ids(url: str, spaces: list[str]) -> list[str]:
    """Every client-assigned message ID posted into ``spaces`` (duplicates would repeat).

    Messages posted without one (a baseline's) are not counted.
    """
    found: list[str] = []
    for space in spaces:
        for message in get_json(f"{url}_emulator/{space}/messages")["messages"]:
            if message.get("clientAssignedMessageId"):
                found.append(str(message["clientAssignedMessageId"]))
    return found


@contextmanager
def firestore_emulator() -> Iterator[str]:
    """``host:port`` of a fresh Firestore emulator from the Cloud SDK (IPv4 loopback)."""
    import shutil
    import signal

    if shutil.which("gcloud") is None:
        raise RuntimeError("gcloud is not installed: cannot start the Firestore emulator")
    host_port = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        ["gcloud", "emulators", "firestore", "start", f"--host-port={host_port}", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://{host_port}/", timeout=1) as answer:
                    if answer.read().strip() == b"Ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the Firestore emulator did not start")
            time.sleep(0.2)
        yield host_port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
