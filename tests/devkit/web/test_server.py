"""``WebSimulator`` as the local stack starts it, and ``nudge web`` / ``python -m devkit.web``."""

from __future__ import annotations

import argparse
import json
import socket
import urllib.request

import pytest

from devkit.devkey import DevKey
from devkit.emulator import ChatEmulator
from devkit.web import WebSimulator
from devkit.web.server import main, parse_command_ids

CLOSED = "http://127.0.0.1:9/"


def test_it_starts_on_a_free_loopback_port_and_stops(
    chat_emulator: ChatEmulator, dev_key: DevKey
) -> None:
    simulator = WebSimulator(
        app_url=CLOSED, emulator_url=chat_emulator.url, key=dev_key, audience="424242424242"
    )
    with simulator:
        assert simulator.url.startswith("http://127.0.0.1:")
        assert simulator.url.endswith("/")
        with urllib.request.urlopen(simulator.url + "healthz", timeout=5) as response:
            assert json.loads(response.read()) == {"ok": True}
        with urllib.request.urlopen(simulator.url, timeout=5) as response:
            assert b"Local team" in response.read()
        # Chat's "configuration complete" page is the simulator's own.
        assert simulator.simulator.config_complete_url == simulator.url + "config-complete"
        with urllib.request.urlopen(simulator.url + "config-complete", timeout=5) as response:
            assert b"Configuration complete" in response.read()
    with pytest.raises(RuntimeError):
        _ = simulator.url  # stopped
    assert simulator.simulator.command_ids["/remind"] == 5  # the local stack's IDs by default


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.2", "example.com"])
def test_it_listens_on_loopback_only(host: str, dev_key: DevKey) -> None:
    with pytest.raises(ValueError, match="loopback"):
        WebSimulator(app_url=CLOSED, emulator_url=CLOSED, key=dev_key, audience="1", host=host)


def test_peers_must_be_on_loopback_too(dev_key: DevKey) -> None:
    with pytest.raises(ValueError, match="loopback"):
        WebSimulator(
            app_url="https://chat.example.com/", emulator_url=CLOSED, key=dev_key, audience="1"
        )


def test_command_ids_read_like_nudge_command_ids() -> None:
    assert parse_command_ids("/help=1, /remind=5,bad,/x=y") == {"/help": 1, "/remind": 5}


def test_a_busy_port_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NUDGE_LOCAL_DIR", str(tmp_path))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port)]) == 3
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    assert main(["--host", "0.0.0.0"]) == 3


def test_nudge_web_takes_the_same_options() -> None:
    from devkit.cli.web import add_web_command, cmd_web

    parser = argparse.ArgumentParser(prog="nudge")
    add_web_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["web", "--port", "9999", "--app-url", "http://127.0.0.1:1/"])
    assert (args.func, args.port, args.app_url, args.open) == (
        cmd_web,
        9999,
        "http://127.0.0.1:1/",
        False,
    )
