"""``python -m devkit.local`` (what ``make run`` starts) on free ports, and the CLI against it."""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from devkit.devkey import load_or_create
from devkit.local import PORT_VARIABLES, LocalStack
from devkit.oauth_server import follow_once

from .conftest import NUDGE, ROOT, Result, clean_environ, free_port

BANNER = "Nudge is running locally"
BANNER_END = "send one signed event and print the reply"
HELP_SAMPLE = ROOT / "devkit" / "samples" / "help.json"
DEV = "users/100000000000000000001"
IVY = "users/100000000000000000003"
ALICE = {"name": "users/100000000000000000007", "displayName": "Alice Local", "autoAccept": True}


class Lines:
    """Collects a pipe's lines on a thread, so waits can time out."""

    def __init__(self, pipe: IO[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe: IO[str]) -> None:
        for line in pipe:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """All output so far, once ``text`` is in it; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while text not in "".join(self.lines):
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no {text!r} within {timeout}s; output so far:\n{self.text}")
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"output ended before {text!r}:\n{self.text}")
            self.lines.append(line)
        return self.text

    @property
    def text(self) -> str:
        return "".join(self.lines)


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        parent = frontier.pop()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            child = int(stat.parent.name)
            if int(fields[1]) == parent and child not in found:
                found.add(child)
                frontier.add(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Running:
    process: subprocess.Popen[str]
    output: Lines
    env: dict[str, str]
    stack: LocalStack


def _start(tmp: Path) -> Running:
    ports = {name: str(free_port()) for name, _ in PORT_VARIABLES.values()}
    ports["NUDGE_LOCAL_DIR"] = str(tmp / "state")
    env = clean_environ(**ports, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.local"],
        cwd=tmp,  # not the repo: the stack must not depend on the working directory
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    running = Running(process, Lines(process.stdout), ports, LocalStack.from_env(ports))
    try:
        running.output.wait_for(BANNER, timeout=30)
        running.output.wait_for(BANNER_END, timeout=5)
    except BaseException:
        _stop(running, signal.SIGTERM)
        raise
    return running


def _stop(running: Running, signum: int) -> tuple[int, set[int]]:
    """Signal the stack; returns its exit code and the descendants it had."""
    children = _children(running.process.pid)
    running.process.send_signal(signum)
    try:
        code = running.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait(timeout=5)
        raise
    return code, children


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = _start(tmp_path_factory.mktemp("local"))
    yield running
    if running.process.poll() is None:
        _stop(running, signal.SIGTERM)


@pytest.fixture
def local_env(local: Running, env: Callable[..., None]) -> Running:
    """This process's environment pointed at the running stack (as a second terminal's)."""
    env(**local.env)
    return local


def _post(url: str, body: bytes, token: str | None) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, {}


def test_banner_and_signed_events(local: Running) -> None:
    banner = local.output.text
    assert local.stack.app_url in banner
    assert f"NUDGE_LOCAL_APP_PORT={local.stack.app_port}" in banner  # how to reach it again
    body = HELP_SAMPLE.read_bytes()
    token = load_or_create(local.stack.state_dir).chat_token(local.stack.audience)
    status, reply = _post(local.stack.app_url, body, token)
    assert status == 200
    assert "Nudge commands" in json.dumps(reply)
    # Verification is on: an unsigned event, or one signed by another key, gets 401.
    assert _post(local.stack.app_url, body, None)[0] == 401
    from devkit.devkey import DevKey

    assert _post(local.stack.app_url, body, DevKey.generate().chat_token("424242424242"))[0] == 401


def test_event_help_prints_the_commands(local_env: Running, nudge: Callable[..., Result]) -> None:
    result = nudge("event", "/help")
    assert result.code == 0, result.err
    assert "+ Nudge commands - Type one to start" in result.out
    for command in ("/help", "/connect", "/logout", "/invite"):
        assert command in result.out
    assert "<b>" not in result.out
    raw = nudge("event", "--json", "--format", "addon", "/help")
    assert raw.code == 0, raw.err
    assert "Nudge commands" in json.dumps(json.loads(raw.out))


def test_token_command_matches_the_running_app(
    local_env: Running, nudge: Callable[..., Result]
) -> None:
    token = nudge("token").out.strip()
    status, _ = _post(local_env.stack.app_url, HELP_SAMPLE.read_bytes(), token)
    assert status == 200


def test_chat_reply_then_eof(local: Running) -> None:
    done = subprocess.run(
        [str(NUDGE), "chat"],
        input="/help\n",
        env=clean_environ(**local.env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "nudge>" in done.stdout
    assert "Nudge commands" in done.stdout
    assert "/invite" in done.stdout
    assert "Traceback" not in done.stderr


def test_chat_shows_async_posts_as_they_land(
    local_env: Running, nudge: Callable[..., Result]
) -> None:
    # History already in the space is not replayed.
    assert nudge("send", "--local", "--space", "spaces/AAAA", "--text", "old news").code == 0
    chat = subprocess.Popen(
        [str(NUDGE), "chat"],
        env=clean_environ(**local_env.env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert chat.stdin is not None
    assert chat.stdout is not None
    try:
        output = Lines(chat.stdout)
        output.wait_for("Chatting with Nudge")
        chat.stdin.write("help\n")
        chat.stdin.flush()
        output.wait_for("Nudge commands")
        sent = nudge(
            "send", "--local", "--space", "spaces/AAAA", "--text", "Standup in 5 *minutes*"
        )
        assert sent.code == 0, sent.err
        text = output.wait_for("Standup in 5 *minutes*", timeout=10)
        assert "posted via the Chat API" in text
        assert "old news" not in text
        chat.stdin.close()
        assert chat.wait(timeout=10) == 0
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait(timeout=5)
        assert chat.stderr is not None
        chat.stderr.close()


def test_an_unhandled_event_logs_a_readable_pasteable_hint(
    local_env: Running, nudge: Callable[..., Result]
) -> None:
    assert nudge("event", "/frob").code == 0
    text = local_env.output.wait_for("def on_frob(event: CommandEvent, ctx: Context)")
    lines = text.splitlines()
    assert "@router.command('/frob')" in lines  # a line of its own, ready to paste
    assert "def on_frob(event: CommandEvent, ctx: Context) -> Response:" in lines
    assert not [line for line in lines if line.startswith('{"severity"')]


def test_connect_in_chat_ends_on_a_page_that_loads(
    local_env: Running, nudge: Callable[..., Result]
) -> None:
    reply = nudge("event", "--json", "/connect")
    assert reply.code == 0, reply.err
    consent = json.loads(reply.out)["actionResponse"]["url"]
    status, callback = follow_once(consent)  # the local OAuth server consents at once
    assert status == 302
    status, page = follow_once(callback)  # chat_app stores the grant
    assert (status, page) == (302, local_env.stack.config_complete_url)
    with urllib.request.urlopen(page, timeout=5) as response:
        assert "You can return to the chat" in response.read().decode()


def test_members_add_as_a_user_by_following_the_advice(
    local_env: Running, nudge: Callable[..., Result]
) -> None:
    add = ("members", "add", "--local", "--space", "spaces/AAAA", "--user", IVY)
    as_app = nudge(*add)
    assert as_app.code == 1
    assert f"members add --local --space spaces/AAAA --user {IVY} --as {DEV}" in as_app.err
    refused = nudge(*add, "--as", DEV)
    assert refused.code == 3
    [advice] = [line.split() for line in refused.err.splitlines() if "connect --local" in line]
    assert advice[:2] == ["nudge", "connect"]
    granted = nudge(*advice[1:])
    assert granted.code == 0, granted.err
    assert "chat.memberships" in granted.out
    added = nudge(*add, "--as", DEV)
    assert added.code == 0, added.err
    assert f"{IVY.replace('users/', 'spaces/AAAA/members/')}: Ivy Invitee" in added.out
    assert "INVITED" in added.out


def test_invite_a_typed_mention_from_the_terminal(local: Running) -> None:
    emulator = local.stack.emulator_url
    _post(emulator + "_emulator/users", json.dumps(ALICE).encode(), None)
    for space in (
        {"name": "spaces/ALICE", "members": [ALICE["name"]]},
        {"name": "spaces/TEAM2", "displayName": "Team two", "members": [DEV]},
    ):
        assert _post(emulator + "_emulator/spaces", json.dumps(space).encode(), None)[0] == 200
    done = subprocess.run(
        [str(NUDGE), "chat", "--space", "spaces/TEAM2"],
        input="/invite @alice\n",
        env=clean_environ(**local.env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "*Joined:* Alice Local" in done.stdout
    with urllib.request.urlopen(emulator + "_emulator/spaces/TEAM2/members", timeout=5) as got:
        members = json.loads(got.read())["memberships"]
    assert ALICE["name"] in {m["member"]["name"] for m in members}


def test_make_run_on_a_busy_port_exits_3_and_names_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        ports = {name: str(free_port()) for name, _ in PORT_VARIABLES.values()}
        ports["NUDGE_LOCAL_EMULATOR_PORT"] = str(port)
        done = subprocess.run(
            [sys.executable, "-m", "devkit.local"],
            cwd=tmp_path,
            env=clean_environ(**ports, NUDGE_LOCAL_DIR=str(tmp_path / "state")),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 3, done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "NUDGE_LOCAL_EMULATOR_PORT" in done.stderr
    assert BANNER not in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_make_run_stops_cleanly(tmp_path: Path, signum: int) -> None:
    running = _start(tmp_path)
    code, children = _stop(running, signum)
    assert code == 0, running.output.text
    assert children, "functions-framework should have been running"
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in children if _alive(pid)], "orphaned processes"
    running.output.wait_for("Stopping Nudge", timeout=5)
    assert "Traceback" not in running.output.text
    # The ports are free again.
    with pytest.raises(OSError):
        urllib.request.urlopen(running.stack.app_url, timeout=1)
