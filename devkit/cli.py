"""``nudge``: post as the app, manage members, run the emulator, and chat with Nudge locally.

Exit codes: 0 success; 1 the Chat API (or the local app) refused the request;
2 bad usage; 3 configuration is missing or wrong; 4 something could not be reached.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sqlite3
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devkit.local import LocalStack
    from shared.config import Settings

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_CONFIG, EXIT_UNREACHABLE = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
MEMBERSHIPS_SCOPE = SCOPE_PREFIX + "chat.memberships"
MEMBERSHIPS_APP_SCOPE = SCOPE_PREFIX + "chat.memberships.app"
APP_MEMBERSHIPS_SCOPE = SCOPE_PREFIX + "chat.app.memberships"
#: Seconds between looks at the emulator for messages posted through the API.
POLL_SECONDS = 0.3

USAGE_EPILOG = """\
exit codes: 0 ok, 1 the API refused, 2 bad usage, 3 configuration, 4 unreachable.
Settings come from NUDGE_* variables (see the README); --local uses the stack
that `make run` starts (NUDGE_LOCAL_*_PORT and NUDGE_LOCAL_DIR pick its ports and state).
"""


class CliError(Exception):
    """A failure with a readable message and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# --- shared plumbing -------------------------------------------------------------


def _stack() -> LocalStack:
    from devkit.local import LocalStack
    from shared.config import ConfigError

    try:
        return LocalStack.from_env()
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


def _environment(args: argparse.Namespace) -> dict[str, str]:
    """The settings environment: the local stack's with ``--local``, else the real one."""
    if getattr(args, "local", False):
        from devkit.local import app_environment

        try:
            return app_environment(_stack())
        except OSError as exc:
            raise CliError(f"cannot use the local state directory: {exc}", EXIT_CONFIG) from None
    return dict(os.environ)


def _settings(args: argparse.Namespace) -> Settings:
    from shared.config import ConfigError, Settings

    try:
        return Settings.from_env(_environment(args))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


def _retry() -> Any:
    """A short retry budget: a person is waiting at the terminal."""
    from shared.google.retry import RetryPolicy

    return RetryPolicy(max_attempts=3, initial_backoff=0.2, max_backoff=2.0, deadline=15.0)


def _space(value: str) -> str:
    """``spaces/ID`` (a bare ``ID`` gets the prefix); anything else is a usage error."""
    name = value.strip()
    if name and "/" not in name:
        name = f"spaces/{name}"
    parts = name.split("/")
    if len(parts) != 2 or parts[0] != "spaces" or not parts[1]:
        raise CliError(f"--space must look like spaces/ID, not {value!r}", EXIT_USAGE)
    return name


def _user(value: str, flag: str) -> str:
    """``users/ID`` or ``users/EMAIL`` (a bare ID or email gets the prefix)."""
    name = value.strip()
    if name and not name.startswith("users/"):
        name = f"users/{name}"
    rest = name.removeprefix("users/")
    if not rest or "/" in rest or " " in rest:
        raise CliError(f"{flag} must look like users/ID or users/EMAIL, not {value!r}", EXIT_USAGE)
    return name


def _app_client(args: argparse.Namespace, *extra_scopes: str) -> Any:
    from shared.auth.app import app_credentials
    from shared.chatapi.client import ChatClient

    settings = _settings(args)
    if extra_scopes:
        scopes = tuple(dict.fromkeys([*settings.chat_scopes, *extra_scopes]))
        settings = dataclasses.replace(settings, chat_scopes=scopes)
    try:
        credentials = app_credentials(settings)
    except Exception as exc:  # noqa: BLE001 - google.auth raises several types for missing ADC
        raise CliError(
            f"no app credentials ({type(exc).__name__}: {exc}); set NUDGE_SERVICE_ACCOUNT_FILE, "
            "use Application Default Credentials, or --local for the local emulator",
            EXIT_CONFIG,
        ) from None
    return ChatClient(credentials, endpoint=settings.chat_api_endpoint, retry=_retry())


def _as_user(args: argparse.Namespace, user: str, scope: str, call: Callable[[Any], Any]) -> Any:
    """Run ``call(ChatClient)`` acting as ``user`` with their stored, encrypted grant."""
    import google.auth.exceptions

    from shared.auth.errors import AuthorizationRequired
    from shared.chatapi.client import ChatClient
    from shared.config import ConfigError
    from shared.util.crypto import TokenKeyError
    from shared.wiring import build_backend, build_services

    settings = _settings(args)
    missing = [
        name
        for name, value in (
            ("NUDGE_TOKEN_KEY", settings.token_key),
            ("NUDGE_OAUTH_CLIENT_ID", settings.oauth_client_id),
            ("NUDGE_OAUTH_CLIENT_SECRET", settings.oauth_client_secret),
        )
        if not value
    ]
    if missing:
        raise CliError(f"acting as a user needs {', '.join(missing)}", EXIT_CONFIG)
    try:
        store = build_backend(settings)
    except (OSError, sqlite3.Error, ConfigError) as exc:
        raise CliError(f"cannot open the store: {exc}", EXIT_CONFIG) from None
    grants = build_services(settings, backend=store).grants()

    def run(credentials: Any) -> Any:
        return call(ChatClient(credentials, endpoint=settings.chat_api_endpoint, retry=_retry()))

    try:
        return _api_call(lambda: grants.call(user, [scope], run))
    except AuthorizationRequired as exc:
        short = ", ".join(s.removeprefix(SCOPE_PREFIX) for s in exc.scopes)
        raise CliError(
            f"{user} has no usable grant for {short} ({exc.reason}); "
            "ask them to run /connect (or /invite) in Chat first",
            EXIT_CONFIG,
        ) from None
    except sqlite3.Error as exc:
        raise CliError(f"cannot read the store: {exc}", EXIT_CONFIG) from None
    except TokenKeyError as exc:
        raise CliError(f"NUDGE_TOKEN_KEY is unusable: {exc}", EXIT_CONFIG) from None
    except google.auth.exceptions.TransportError:
        raise CliError(
            f"cannot reach the OAuth token endpoint {settings.oauth_token_url}", EXIT_UNREACHABLE
        ) from None
    except google.auth.exceptions.RefreshError as exc:
        raise CliError(
            f"the OAuth server refused to refresh {user}'s grant: {exc}", EXIT_API
        ) from None
    finally:
        store.close()


def _emit(args: argparse.Namespace, payload: Any, human: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, sort_keys=True))
    else:
        print(human)


def _api_call(call: Callable[[], Any]) -> Any:
    """Run a Chat API call: refusals exit 1, no answer at all exits 4."""
    from shared.google.errors import ApiError

    try:
        return call()
    except ApiError as exc:
        if exc.status is None:
            raise CliError(f"cannot reach the Chat API: {exc}", EXIT_UNREACHABLE) from None
        raise CliError(str(exc), EXIT_API) from None
    except ValueError as exc:  # the client's own argument checks
        raise CliError(str(exc), EXIT_USAGE) from None


def _read_message_card(path: str | None) -> list[dict[str, Any]]:
    """``cardsV2`` items from a JSON file holding a card, a cardsV2 item or a message."""
    if not path:
        return []
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read card {path}: {exc}", EXIT_USAGE) from None
    if isinstance(data, dict) and isinstance(data.get("cardsV2"), list):
        items = data["cardsV2"]
    elif isinstance(data, dict):
        items = [data if "card" in data else {"cardId": "card", "card": data}]
    else:
        raise CliError(f"{path} must hold a JSON object (a card)", EXIT_USAGE)
    if not all(isinstance(i, dict) and isinstance(i.get("card"), dict) for i in items):
        raise CliError(f"{path}: every cardsV2 item needs a 'card' object", EXIT_USAGE)
    return [dict(i) for i in items]


def _message(args: argparse.Namespace) -> dict[str, Any]:
    message: dict[str, Any] = {}
    if args.text:
        message["text"] = args.text
    cards = _read_message_card(args.card)
    if cards:
        message["cardsV2"] = cards
    if not message:
        raise CliError("give --text, --card or both", EXIT_USAGE)
    return message


# --- commands ----------------------------------------------------------------------


def cmd_send(args: argparse.Namespace) -> int:
    space = _space(args.space)
    message = _message(args)
    client = _app_client(args)
    result = _api_call(lambda: client.create_message(space, message, thread_key=args.thread_key))
    thread = result.get("thread", {}).get("name", "")
    _emit(args, result, f"posted {result.get('name', '')}" + (f" in {thread}" if thread else ""))
    return EXIT_OK


def cmd_webhook(args: argparse.Namespace) -> int:
    from shared.chatapi.webhook import WebhookClient

    settings = _settings(args)
    if not settings.webhook_url:
        raise CliError(
            "no webhook URL: set NUDGE_WEBHOOK_URL_FILE (or NUDGE_WEBHOOK_URL); it is never taken "
            "from the command line, so it stays out of shell history",
            EXIT_CONFIG,
        )
    message = _message(args)
    try:
        client = WebhookClient(settings.webhook_url, retry=_retry())
    except ValueError as exc:  # the message holds the redacted URL only
        raise CliError(str(exc), EXIT_CONFIG) from None
    result = _api_call(lambda: client.send(message=message, thread_key=args.thread_key))
    _emit(args, result, f"posted {result.get('name', '')}")
    return EXIT_OK


def _membership_line(result: dict[str, Any], space: str) -> str:
    member = result.get("member", {})
    who = member.get("displayName") or member.get("name", "")
    state = result.get("state", "")
    note = {"INVITED": " (they need to accept)"}.get(state, "")
    return f"{result.get('name', '')}: {who} in {space}: {state}{note}".strip()


def cmd_members_add(args: argparse.Namespace) -> int:
    space = _space(args.space)
    as_user = _user(args.as_user, "--as") if args.as_user else None
    if args.app:
        if not as_user:
            raise CliError(
                "adding the app needs user auth (chat.memberships.app): "
                "pass --as users/ID of someone who granted it in Chat",
                EXIT_USAGE,
            )
        result = _as_user(args, as_user, MEMBERSHIPS_APP_SCOPE, lambda c: c.add_app(space))
    else:
        user = _user(args.user, "--user")
        if as_user:
            result = _as_user(
                args, as_user, MEMBERSHIPS_SCOPE, lambda c: c.create_membership(space, user)
            )
        else:
            client = _app_client(args, APP_MEMBERSHIPS_SCOPE)
            result = _api_call(lambda: client.create_membership(space, user))
    _emit(args, result, _membership_line(result, space))
    return EXIT_OK


def cmd_spaces_list(args: argparse.Namespace) -> int:
    client = _app_client(args)
    spaces = _api_call(lambda: list(client.list_spaces()))
    lines = [
        f"{s.get('name')}\t{s.get('spaceType', '')}\t{s.get('displayName', '')}".rstrip()
        for s in spaces
    ]
    _emit(args, spaces, "\n".join(lines) or "(no spaces)")
    return EXIT_OK


def cmd_emulator(args: argparse.Namespace) -> int:
    from devkit.emulator import main as emulator_main

    port = _stack().emulator_port if args.port is None else args.port
    argv = ["--host", args.host, "--port", str(port)]
    if args.quotas:
        argv.append("--quotas")
    code = int(emulator_main(argv) or 0)
    return EXIT_CONFIG if code == 2 else code  # it only fails on a bad host or a busy port


def cmd_token(args: argparse.Namespace) -> int:
    from devkit.devkey import load_or_create

    stack = _stack()
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


def _event_sender(args: argparse.Namespace) -> Callable[[str], dict[str, Any]]:
    from devkit.devkey import load_or_create
    from devkit.local import LOCAL_COMMAND_IDS
    from devkit.sample_events import Persona, addon_message_event, legacy_message_event
    from shared.config import ConfigError, Settings

    stack = _stack()
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
    persona = Persona(space=_space(args.space), space_type="DIRECT_MESSAGE" if args.dm else "SPACE")
    build = addon_message_event if args.format == "addon" else legacy_message_event
    url = args.url or stack.app_url

    def send(text: str) -> dict[str, Any]:
        return _post_event(url, build(text, persona, ids), key.chat_token(stack.audience))

    return send


def cmd_event(args: argparse.Namespace) -> int:
    from devkit.terminal import response_lines

    text = " ".join(args.text).strip()
    if not text:
        raise CliError("say something, e.g. nudge event /help", EXIT_USAGE)
    body = _event_sender(args)(text)
    _emit(args, body, "\n".join(response_lines(body)))
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

    stack = _stack()
    url = args.url or stack.app_url
    space = _space(args.space)
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

    say(f"Chatting with Nudge in {space} at {url} (Ctrl-D to leave). Try /help.")
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


# --- argument parsing ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    summary = (__doc__ or "nudge").splitlines()[0]
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="nudge", description=summary, epilog=USAGE_EPILOG, formatter_class=formatter
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    common.add_argument(
        "--local",
        action="store_true",
        help="use the local stack that `make run` starts (its emulator and token)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    send = sub.add_parser(
        "send", parents=[common], help="post a message as the app", epilog=USAGE_EPILOG
    )
    send.add_argument("--space", required=True, help="spaces/ID")
    send.add_argument("--text", help="message text")
    send.add_argument("--thread-key", help="reply in (or start) the thread with this key")
    send.add_argument("--card", help="a JSON file with a card, a cardsV2 item or a message")
    send.set_defaults(func=cmd_send)

    webhook = sub.add_parser(
        "webhook",
        parents=[common],
        help="post through an incoming webhook (URL from NUDGE_WEBHOOK_URL[_FILE])",
        description="Post through an incoming webhook. The URL is a secret: it comes from "
        "NUDGE_WEBHOOK_URL_FILE or NUDGE_WEBHOOK_URL, never from the command line.",
    )
    webhook.add_argument("--text", help="message text")
    webhook.add_argument("--card", help="a JSON file with a card")
    webhook.add_argument("--thread-key", help="reply in (or start) the thread with this key")
    webhook.set_defaults(func=cmd_webhook)

    members = sub.add_parser("members", help="space memberships")
    members_sub = members.add_subparsers(dest="members_command", required=True, metavar="ACTION")
    add = members_sub.add_parser(
        "add",
        parents=[common],
        help="add a person or the app to a space",
        description="Add a person (app auth with chat.app.memberships, or --as a user) or "
        "the app itself (only --as a user who granted chat.memberships.app).",
    )
    add.add_argument("--space", required=True, help="spaces/ID")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="users/ID or users/EMAIL")
    who.add_argument("--app", action="store_true", help="add Nudge itself (needs --as)")
    add.add_argument(
        "--as", dest="as_user", metavar="users/ID", help="act as this user (stored user auth)"
    )
    add.set_defaults(func=cmd_members_add)

    spaces = sub.add_parser("spaces", help="spaces the app is in")
    spaces_sub = spaces.add_subparsers(dest="spaces_command", required=True, metavar="ACTION")
    listing = spaces_sub.add_parser("list", parents=[common], help="list spaces")
    listing.set_defaults(func=cmd_spaces_list)

    emulator = sub.add_parser("emulator", help="run the local Chat API emulator")
    emulator.add_argument("--host", default="127.0.0.1", help="a loopback address")
    emulator.add_argument(
        "--port", type=int, default=None, help="default NUDGE_LOCAL_EMULATOR_PORT or 8090"
    )
    emulator.add_argument("--quotas", action="store_true", help="enforce 1 write/s per space")
    emulator.set_defaults(func=cmd_emulator)

    talk = argparse.ArgumentParser(add_help=False)
    talk.add_argument("--space", default="spaces/AAAA", help="the space to talk in")
    talk.add_argument("--dm", action="store_true", help="the space is a DM with the app")
    talk.add_argument("--format", choices=("legacy", "addon"), default="legacy")
    talk.add_argument("--url", help="chat_app URL (default: the local stack's)")

    chat = sub.add_parser(
        "chat",
        parents=[talk],
        help="talk to the locally running app",
        description="Each line you type is sent to the local chat_app as a signed Chat event; "
        "replies and cards are shown as text, and messages the app posts through the "
        "Chat API emulator appear as they land.",
    )
    chat.set_defaults(func=cmd_chat, json=False, local=True)

    event = sub.add_parser(
        "event", parents=[talk], help="send one signed event and print the reply"
    )
    event.add_argument("--json", action="store_true", help="print the raw reply JSON")
    event.add_argument("text", nargs="+", help="what you would type, e.g. /help")
    event.set_defaults(func=cmd_event)

    token = sub.add_parser("token", help="print a token signed by the development key")
    token.add_argument("--audience", help="default: the local stack's project number")
    token.set_defaults(func=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nudge``; returns the exit code (argparse's own exits included)."""
    logging.basicConfig(level=logging.ERROR, format="nudge: %(message)s")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        code: int = args.func(args)
        return code
    except CliError as exc:
        print(f"nudge: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
