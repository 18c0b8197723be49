"""Fixtures for the ``nudge`` CLI and the local stack: a real emulator, free ports, clean env."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devkit.cli import main
from devkit.emulator import ChatEmulator

APP_TOKEN = "cli-test-app-token"
ROOT = Path(__file__).resolve().parents[2]
NUDGE = ROOT / ".venv" / "bin" / "nudge"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def closed_port_url() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/"


def clean_environ(**extra: str) -> dict[str, str]:
    """``os.environ`` without any ``NUDGE_`` or ADC settings, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NUDGE_") and k != "GOOGLE_APPLICATION_CREDENTIALS"
    }
    env.update(extra)
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    """Replace the process environment's NUDGE_ settings with the given ones."""

    def set_env(**values: str) -> None:
        for name in list(os.environ):
            if name.startswith("NUDGE_") or name == "GOOGLE_APPLICATION_CREDENTIALS":
                monkeypatch.delenv(name)
        monkeypatch.setenv("NUDGE_LOCAL_DIR", str(tmp_path / "local"))
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    set_env()
    return set_env


@pytest.fixture
def emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator(host="127.0.0.1", port=0) as emu:
        emu.register_token(APP_TOKEN, kind="app", scopes=["chat.bot", "chat.app.memberships"])
        emu.add_user("users/200000000000000000009", email="bo@example.com", display_name="Bo")
        yield emu


@pytest.fixture
def api_env(env: Callable[..., None], emulator: ChatEmulator) -> dict[str, str]:
    values = {"NUDGE_CHAT_API_ENDPOINT": emulator.url, "NUDGE_CHAT_API_TOKEN": APP_TOKEN}
    env(**values)
    return values


@pytest.fixture
def nudge(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``devkit.cli.main(argv)`` in-process; returns exit code, stdout and stderr."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
