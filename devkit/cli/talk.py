"""``nudge emulator``, ``token``, ``event`` and ``chat``: talk to the locally running app."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from devkit.cli.common import (
    EXIT_API,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    POLL_SECONDS,
    CliError,
    emit,
    local_stack,
)
from devkit.mentions import Person


def cmd_emulator(args: argparse.Namespace) -> int:
    """Run the local Chat API emulator in the foreground until Ctrl-C."""
    from devkit.emulator import main as emulator_main
    from devkit.ports import port_problem

    port = local_stack().emulator_port if args.port is None else args.port
    problem = port_problem(args.host, port)
    if problem is not None:
        raise CliError(
            f"the Chat API emulator cannot start: {problem}. Stop whatever uses it (`make run` "
            "starts an emulator too) or pick another port with --port or "
            "NUDGE_LOCAL_EMULATOR_PORT.",
            EXIT_CONFIG,
        )
    argv = ["--host", args.host, "--port", str(port)]
    if args.quotas:
        argv.append("--quotas")
    try:
        code = int(emulator_main(argv) or 0)
    except SystemExit:  # Werkzeug exits when the port was taken since the check
        raise CliError(
            f"the Chat API emulator cannot listen on {args.host}:{port}", EXIT_CONFIG
        ) from None
    return EXIT_CONFIG if code == 2 else code  # it only fails on a bad host or a busy port


def cmd_token(args: argparse.Namespace) -> int:
    """Print a JWT signed by the development key, as Chat would send (for curl)."""
    from devkit.devkey import load_or_create

    stack = local_stack()
    key = load_or_create(stack.state_dir)
    print(key.chat_token(args.audience or stack.audience))
    return EXIT_OK


def _post_event(url: str, event: dict[str, Any], token: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the local app's URL
        url,
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=35) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace").strip()[:500]
        exc.close()
        hint = " (is the app using the same NUDGE_LOCAL_DIR dev key?)" if exc.code == 401 else ""
        raise CliError(f"chat_app answered {exc.code}{hint}: {detail}", EXIT_API) from None
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise CliError(
            f"cannot reach {url} ({reason}); is `make run` running?", EXIT_UNREACHABLE
        ) from None
    try:
        body: Any = json.loads(raw or b"{}")
    except ValueError:
        raise CliError(f"chat_app answered something that is not JSON: {raw[:200]!r}", 1) from None
    return body if isinstance(body, dict) else {}


def local_people(emulator_url: str) -> list[Person]:
    """Everyone the local stack knows: the emulator's space members, then its seeded users."""
    from devkit.emulator.state import DEFAULT_USERS

    found: dict[str, Person] = {}
    for space in _inspect(emulator_url, "spaces").get("spaces", []):
        members = _inspect(emulator_url, f"{space.get('name')}/members")
        for membership in members.get("memberships", []):
            member = membership.get("member") or {}
            name = str(member.get("name") or "")
            if member.get("type") == "HUMAN" and name:
                found.setdefault(name, Person(name, str(member.get("displayName") or name)))
    for name, _, display_name, _ in DEFAULT_USERS:
        found.setdefault(name, Person(name, display_name))
    return sorted(found.values(), key=lambda p: p.name)


def _inspect(emulator_url: str, path: str) -> dict[str, Any]:
    """``GET /_emulator/{path}`` as JSON; ``{}`` when the emulator does not answer."""
    try:
        with urllib.request.urlopen(f"{emulator_url}_emulator/{path}", timeout=2) as response:  # noqa: S310
            payload: Any = json.loads(response.read())
    except (OSError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _event_sender(args: argparse.Namespace) -> Callable[[str], dict[str, Any]]:
    from devkit.devkey import load_or_create
    from devkit.local import LOCAL_COMMAND_IDS
    from devkit.sample_events import Persona, addon_message_event, legacy_message_event
    from shared.config import ConfigError, Settings

    stack = local_stack()
    try:
        key = load_or_create(stack.state_dir)
    except (OSError, ValueError) as exc:
        raise CliError(
            f"cannot load the dev key in {stack.state_dir}: {exc}", EXIT_CONFIG
        ) from None
    try:  # the IDs `make run` configures the app with
        ids = dict(Settings.from_env({"NUDGE_COMMAND_IDS": LOCAL_COMMAND_IDS}).command_ids)
    except ConfigError as exc:  # pragma: no cover - a constant
        raise CliError(str(exc), EXIT_CONFIG) from None
    persona = Persona(space=args.space, space_type="DIRECT_MESSAGE" if args.dm else "SPACE")
    build = addon_message_event if args.format == "addon" else legacy_message_event
    url = args.url or stack.app_url

    def send(text: str) -> dict[str, Any]:
        people = local_people(stack.emulator_url) if "@" in text else []
        event = build(text, persona, ids, people=people, redirect=stack.config_complete_url)
        return _post_event(url, event, key.chat_token(stack.audience))

    return send


def cmd_event(args: argparse.Namespace) -> int:
    """Send one line as a signed Chat event to the local ``chat_app`` and print the reply."""
    from devkit.terminal import response_lines

    text = " ".join(args.text).strip()
    if not text:
        raise CliError("say something, e.g. nudge event /help", EXIT_USAGE)
    body = _event_sender(args)(text)
    emit(args, body, "\n".join(response_lines(body)))
    return EXIT_OK


def _new_messages(emulator_url: str, space: str, seen: set[str]) -> list[dict[str, Any]] | None:
    """Messages in ``space`` not in ``seen`` (which is updated); ``None`` when unreachable."""
    url = f"{emulator_url}_emulator/spaces/{space.removeprefix('spaces/')}/messages"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            payload: Any = json.loads(response.read())
    except (OSError, ValueError):
        return None
    fresh = []
    for message in payload.get("messages", []) if isinstance(payload, dict) else []:
        name = message.get("name", "")
        if name and name not in seen and not message.get("deleted"):
            seen.add(name)
            fresh.append(message)
    return fresh


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def cmd_chat(args: argparse.Namespace) -> int:
    from devkit.terminal import message_lines, response_lines

    stack = local_stack()
    url = args.url or stack.app_url
    space = args.space
    send = _event_sender(args)
    if not _reachable(url):
        raise CliError(f"cannot reach chat_app at {url}; is `make run` running?", EXIT_UNREACHABLE)
    lock = threading.Lock()
    stop = threading.Event()
    seen: set[str] = set()
    # Messages already in the space are history, not news.
    watching = _new_messages(stack.emulator_url, space, seen) is not None

    def say(*lines: str, prompt: bool = False) -> None:
        with lock:
            for line in lines:
                print(line)
            if prompt:
                print("you> ", end="")
            sys.stdout.flush()

    def watch() -> None:
        while not stop.wait(POLL_SECONDS):
            for message in _new_messages(stack.emulator_url, space, seen) or []:
                sender = message.get("sender", {}).get("displayName") or "Nudge"
                lines = [f"  {line}" for line in message_lines(message)]
                say("", f"[{sender}, posted via the Chat API]", *lines, prompt=True)

    say(
        f"Chatting with Nudge in {space} at {url} (Ctrl-D to leave). Try /help; "
        "@Name of a local person is a mention (/invite @Ivy Invitee)."
    )
    if not watching:
        say(f"(the Chat API emulator at {stack.emulator_url} is not answering: no async posts)")
    watcher = threading.Thread(target=watch, name="nudge-chat-watch", daemon=True)
    watcher.start()
    try:
        while True:
            say(prompt=True)
            line = sys.stdin.readline()
            if not line:  # EOF
                say("")
                return EXIT_OK
            line = line.strip()
            if not line:
                continue
            try:
                body = send(line)
            except CliError as exc:
                with lock:
                    print(f"! {exc}", file=sys.stderr, flush=True)
                continue
            say("nudge>", *(f"  {out}" for out in response_lines(body)))
    except KeyboardInterrupt:
        say("")
        return EXIT_OK
    finally:
        stop.set()
        watcher.join(timeout=3)
