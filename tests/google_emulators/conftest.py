"""Google's local emulators from the Cloud SDK, started once per test session on loopback.

Where gcloud is missing these tests skip; where it is installed, or with
NUDGE_CI=1, any skip in this folder fails the run (see tests/conftest.py), so
CI always exercises them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

PROJECT = "nudge-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Emulator:
    host_port: str
    project: str = PROJECT


def _start(args: list[str], ready_url: str, name: str) -> Iterator[subprocess.Popen[bytes]]:
    if shutil.which("gcloud") is None:
        pytest.skip(f"gcloud is not installed: cannot start the {name} emulator")
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"the {name} emulator exited: {log.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(ready_url, timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"the {name} emulator did not start within 60 s")
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def pubsub_emulator() -> Iterator[Emulator]:
    """``gcloud beta emulators pubsub start`` on 127.0.0.1; sets PUBSUB_EMULATOR_HOST."""
    host_port = f"127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory() as data_dir:
        args = ["gcloud", "beta", "emulators", "pubsub", "start", f"--project={PROJECT}",
                f"--host-port={host_port}", f"--data-dir={data_dir}", "--quiet"]  # fmt: skip
        for _ in _start(args, f"http://{host_port}/", "Pub/Sub"):
            previous = os.environ.get("PUBSUB_EMULATOR_HOST")
            os.environ["PUBSUB_EMULATOR_HOST"] = host_port
            try:
                yield Emulator(host_port)
            finally:
                if previous is None:
                    os.environ.pop("PUBSUB_EMULATOR_HOST", None)
                else:
                    os.environ["PUBSUB_EMULATOR_HOST"] = previous
