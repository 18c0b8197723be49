"""``nudge`` usage errors, help texts, busy ports and a stopped stack: each says what to do."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Callable, Iterator

import pytest

from devkit.cli import build_parser
from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer

from .conftest import Result, closed_port_url

Nudge = Callable[..., Result]
DEV = "users/100000000000000000001"
IVY = "users/100000000000000000003"


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err + result.out


# --- usage errors show the subcommand's usage ---------------------------------------------


def test_an_unknown_option_shows_the_subcommands_usage(nudge: Nudge) -> None:
    for argv, usage in (
        (["event", "--frob", "/help"], "usage: nudge event"),
        (["spaces", "list", "--frob"], "usage: nudge spaces list"),
    ):
        result = nudge(*argv)
        assert result.code == 2, result
        assert result.err.startswith(usage), result.err
        assert "unrecognized arguments: --frob" in result.err
        assert "usage: nudge [-h] COMMAND" not in result.err
        no_traceback(result)


@pytest.mark.parametrize(
    "argv",
    [
        ["send", "--space", "spaces/has space", "--text", "x"],
        ["members", "add", "--space", "spaces/has space", "--user", IVY],
        ["event", "--space", "spaces/has space", "/help"],
        ["chat", "--space", "spaces/has space"],
        ["reminders", "list", "--space", "spaces/a/b"],
    ],
)
def test_a_space_name_with_a_space_is_a_usage_error(
    env: Callable[..., None], nudge: Nudge, argv: list[str]
) -> None:
    result = nudge(*argv)
    assert result.code == 2
    assert f"usage: nudge {argv[0]}" in result.err
    assert "--space: must look like spaces/ID" in result.err
    no_traceback(result)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_no_help_text_shows_restructuredtext_literals(nudge: Nudge) -> None:
    progs = [p.prog.removeprefix("nudge").split() for p in _parsers(build_parser())]
    assert ["connect"] in progs
    assert ["members", "add"] in progs
    for words in progs:
        result = nudge(*words, "--help")
        assert result.code == 0, words
        assert "``" not in result.out, (words, result.out)


def test_command_descriptions_come_from_docstrings(nudge: Nudge) -> None:
    result = nudge("token", "--help")
    assert "Print a JWT signed by the development key" in result.out


# --- busy ports: exit 3, the port named ------------------------------------------------------


def test_emulator_on_a_busy_port_exits_3_and_names_it(nudge: Nudge, busy_port: int) -> None:
    result = nudge("emulator", "--port", str(busy_port))
    assert result.code == 3
    assert f"port {busy_port}" in result.err
    assert "--port" in result.err
    no_traceback(result)


def test_web_on_a_busy_port_exits_3_and_names_it(
    env: Callable[..., None], nudge: Nudge, busy_port: int
) -> None:
    result = nudge("web", "--port", str(busy_port))
    assert result.code == 3
    assert f"port {busy_port}" in result.err
    env(NUDGE_LOCAL_WEB_PORT=str(busy_port))  # the stack's web port: `make run` may serve it
    default = nudge("web")
    assert default.code == 3
    assert f"port {busy_port}" in default.err
    assert "make run" in default.err
    no_traceback(default)


def test_the_oauth_server_on_a_busy_port_names_it(busy_port: int) -> None:
    with pytest.raises(OSError, match=f"127.0.0.1:{busy_port}"):
        OAuthServer(port=busy_port).start()


# --- the local stack is down --------------------------------------------------------------------


def test_local_commands_with_the_stack_down_say_start_make_run(
    env: Callable[..., None], nudge: Nudge
) -> None:
    closed = closed_port_url().rsplit(":", 1)[1].strip("/")
    env(NUDGE_LOCAL_EMULATOR_PORT=closed, NUDGE_LOCAL_OAUTH_PORT=closed)
    for argv in (
        ["spaces", "list", "--local"],
        ["send", "--local", "--space", "spaces/AAAA", "--text", "hi"],
        ["connect", "--local", "--scope", "chat.memberships"],
    ):
        result = nudge(*argv)
        assert result.code == 4, result
        assert "`make run`" in result.err
        no_traceback(result)


# --- members add without the scope says what works -------------------------------------------


def test_members_add_locally_as_the_app_advises_the_user_route(
    env: Callable[..., None], nudge: Nudge
) -> None:
    with ChatEmulator(port=0) as emulator:  # the local app token has chat.bot only
        env(NUDGE_LOCAL_EMULATOR_PORT=str(emulator.port))
        result = nudge("members", "add", "--local", "--space", "AAAA", "--user", IVY)
    assert result.code == 1
    assert "insufficient authentication scopes" in result.err
    assert f"connect --local --as {DEV} --scope chat.memberships\n" in result.err
    assert f"members add --local --space spaces/AAAA --user {IVY} --as {DEV}" in result.err
    no_traceback(result)
