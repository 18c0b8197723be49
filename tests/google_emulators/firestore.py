"""A pytest plugin: the Firestore emulator from the Cloud SDK, started once per session.

tests/conftest.py registers it, so any test can ask for ``firestore_emulator``
(the store contract suite and tests/google_emulators/ share one emulator) or
for ``firestore_project``: a project of its own, so it starts from an empty
database and never sees another test's documents.

The emulator binds IPv4 loopback on a free port (its default, localhost:8080,
collides with functions-framework's). It answers ``GET /`` with ``Ok`` once
ready; ``DELETE /emulator/v1/projects/P/databases/(default)/documents`` empties
a project. Its process group is killed at the end of the session.
Where gcloud is missing the fixture skips; where gcloud is installed, or with
NUDGE_CI=1, that skip fails the run (tests/conftest.py).
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
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

ENV = "FIRESTORE_EMULATOR_HOST"
START_TIMEOUT_SECONDS = 90
_started_in: list[float] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class FirestoreEmulator:
    host_port: str
    #: Seconds from launching gcloud to the first ``Ok``.
    started_in: float

    def new_project(self) -> str:
        """A project ID nobody has used: an empty database."""
        return f"nudge-test-{uuid.uuid4().hex[:12]}"

    def reset(self, project: str) -> None:
        """Delete every document of ``project`` (the default database)."""
        url = (
            f"http://{self.host_port}/emulator/v1/projects/{project}/databases/(default)/documents"
        )
        request = urllib.request.Request(url, method="DELETE")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()


def _ready(host_port: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host_port}/", timeout=1) as answer:
            return bool(answer.read().strip() == b"Ok")
    except OSError:
        return False


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[FirestoreEmulator]:
    """``gcloud emulators firestore start`` on 127.0.0.1; sets FIRESTORE_EMULATOR_HOST."""
    if shutil.which("gcloud") is None:
        pytest.skip("gcloud is not installed: cannot start the Firestore emulator")
    host_port = f"127.0.0.1:{free_port()}"
    args = ["gcloud", "emulators", "firestore", "start", f"--host-port={host_port}", "--quiet"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    began = time.monotonic()
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    previous = os.environ.get(ENV)
    try:
        while not _ready(host_port):
            if process.poll() is not None or time.monotonic() - began > START_TIMEOUT_SECONDS:
                log.seek(0)
                pytest.fail(
                    f"the Firestore emulator did not start: {log.read().decode()[-2000:]}",
                    pytrace=False,
                )
            time.sleep(0.1)
        emulator = FirestoreEmulator(host_port, round(time.monotonic() - began, 2))
        _started_in.append(emulator.started_in)
        os.environ[ENV] = host_port
        yield emulator
    finally:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        log.close()


@pytest.fixture
def firestore_project(firestore_emulator: FirestoreEmulator) -> Iterator[str]:
    """A fresh project on the emulator (an empty database), emptied again afterwards."""
    project = firestore_emulator.new_project()
    yield project
    firestore_emulator.reset(project)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _started_in:
        terminalreporter.write_line(f"Firestore emulator ready in {_started_in[0]:.1f} s")
