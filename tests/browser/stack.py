"""The real local pieces on free loopback ports, for the simulator's tests.

The Chat API emulator and a certs server (with a fresh development key) run in
this process; ``chat_app`` runs under functions-framework in its own process with
the environment ``make run`` gives it (``devkit.local.app_environment``); the web
simulator runs in this process. ``tick`` runs the reminders tick against the same
store and emulator, as ``reminders_tick`` would.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from devkit.emulator import ChatEmulator
from devkit.local import LOCAL_COMMAND_IDS, LocalStack, app_environment
from devkit.web import WebSimulator

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Stack:
    emulator: ChatEmulator
    simulator: WebSimulator
    env: dict[str, str]
    app_url: str

    def tick(self, ahead: timedelta = timedelta(minutes=2)) -> None:
        """One scheduler tick, as if ``ahead`` from now (so a reminder due soon is due)."""
        from shared.config import Settings
        from shared.wiring import Runtime

        when = (datetime.now(UTC) + ahead).isoformat()
        Runtime(Settings.from_env(self.env)).tick(when)


def _clean_environ() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NUDGE_") and k != "GOOGLE_APPLICATION_CREDENTIALS"
    }


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chat_app exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"chat_app did not answer at {url}")


@contextlib.contextmanager
def running_stack(state_dir: Path, **env: str) -> Iterator[Stack]:
    """Everything up on free ports; ``env`` adds or overrides chat_app's settings."""
    key = DevKey.generate()
    with CertsServer(key, max_age=3600) as certs, ChatEmulator(port=0) as emulator:
        certs_port = int(certs.url.rsplit(":", 1)[1])
        stack = LocalStack(
            app_port=free_port(),
            emulator_port=emulator.port,
            certs_port=certs_port,
            oauth_port=free_port(),
            tick_port=free_port(),
            state_dir=state_dir,
        )
        environment = app_environment(stack, base=_clean_environ())
        environment.update(env)
        command = [
            sys.executable, "-m", "functions_framework", "--target", "chat_app",
            "--source", str(ROOT / "main.py"), "--host", "127.0.0.1",
            "--port", str(stack.app_port),
        ]  # fmt: skip
        log = (state_dir / "chat_app.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(stack.app_url, process)
            simulator = WebSimulator(
                app_url=stack.app_url,
                emulator_url=emulator.url,
                key=key,
                audience=stack.audience,
                command_ids=LOCAL_COMMAND_IDS,
            ).start()
            try:
                yield Stack(emulator, simulator, environment, stack.app_url)
            finally:
                simulator.stop()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
