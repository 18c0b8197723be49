"""``nudge``: post as the app, manage members, run the emulator, and chat with Nudge locally.

Exit codes: 0 success; 1 the Chat API refused the request; 2 bad usage;
3 configuration is missing or wrong; 4 something could not be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_CONFIG, EXIT_UNREACHABLE = 0, 1, 2, 3, 4


class CliError(Exception):
    """A failure with a readable message and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# --- shared plumbing -------------------------------------------------------------


def _environment(args: argparse.Namespace) -> dict[str, str]:
    """The settings environment: the local stack's with ``--local``, else the real one."""
    if getattr(args, "local", False):
        from devkit.local import app_environment

        return app_environment()
    return dict(os.environ)


def _settings(args: argparse.Namespace) -> Any:
    from shared.config import ConfigError, Settings

    try:
        return Settings.from_env(_environment(args))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


def _app_client(args: argparse.Namespace) -> Any:
    from shared.auth.app import app_credentials
    from shared.chatapi.client import ChatClient

    settings = _settings(args)
    try:
        credentials = app_credentials(settings)
    except Exception as exc:  # noqa: BLE001 - google.auth raises several types for missing ADC
        raise CliError(f"no app credentials: {exc}", EXIT_CONFIG) from None
    return ChatClient(credentials, endpoint=settings.chat_api_endpoint)


def _user_client(args: argparse.Namespace, user: str) -> Any:
    from shared.auth.errors import AuthorizationRequired
    from shared.chatapi.client import ChatClient
    from shared.services import Services

    settings = _settings(args)
    services = Services(settings)
    scope = "https://www.googleapis.com/auth/chat.memberships.app"
    try:
        credentials = services.user_auth.credentials_for(user, [scope])
    except AuthorizationRequired as exc:
        raise CliError(
            f"{user} has not granted {', '.join(exc.scopes)}; ask them to run /connect in Chat",
            EXIT_CONFIG,
        ) from None
    return ChatClient(credentials, endpoint=settings.chat_api_endpoint)


def _emit(args: argparse.Namespace, payload: Any, human: str) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, sort_keys=True))
    else:
        print(human)


def _api_call(call: Callable[[], Any]) -> Any:
    from shared.chatapi.errors import ChatApiError

    try:
        return call()
    except ChatApiError as exc:
        raise CliError(str(exc), EXIT_API) from None
    except OSError as exc:
        raise CliError(f"cannot reach the Chat API: {exc}", EXIT_UNREACHABLE) from None


def _read_card(path: str | None) -> dict[str, Any] | None:
    if not path:
        return None
    try:
        card = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read card {path}: {exc}", EXIT_USAGE) from None
    if not isinstance(card, dict):
        raise CliError(f"{path} must hold a JSON object (a card)", EXIT_USAGE)
    return card if "card" in card else {"cardId": "card", "card": card}


# --- commands ----------------------------------------------------------------------


def cmd_send(args: argparse.Namespace) -> int:
    message: dict[str, Any] = {}
    if args.text:
        message["text"] = args.text
    card = _read_card(args.card)
    if card:
        message["cardsV2"] = [card]
    if not message:
        raise CliError("give --text, --card or both", EXIT_USAGE)
    client = _app_client(args)
    result = _api_call(
        lambda: client.create_message(args.space, message, thread_key=args.thread_key)
    )
    _emit(args, result, f"posted {result.get('name', '')}")
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
    card = _read_card(args.card)
    if not args.text and not card:
        raise CliError("give --text, --card or both", EXIT_USAGE)
    client = WebhookClient(settings.webhook_url)
    result = _api_call(lambda: client.send(text=args.text, card=card, thread_key=args.thread_key))
    _emit(args, result, f"posted {result.get('name', '')}")
    return EXIT_OK


def cmd_members_add(args: argparse.Namespace) -> int:
    if args.app:
        if not args.as_user:
            raise CliError(
                "adding the app needs user auth: pass --as users/ID of someone who ran /connect",
                EXIT_USAGE,
            )
        client = _user_client(args, args.as_user)
        result = _api_call(lambda: client.add_app(args.space))
    else:
        if not args.user:
            raise CliError("give --user users/ID or users/EMAIL, or --app", EXIT_USAGE)
        client = _user_client(args, args.as_user) if args.as_user else _app_client(args)
        result = _api_call(lambda: client.create_membership(args.space, args.user))
    state = result.get("state", "")
    _emit(args, result, f"{result.get('name', '')} {state}".strip())
    return EXIT_OK


def cmd_spaces_list(args: argparse.Namespace) -> int:
    client = _app_client(args)
    spaces = _api_call(lambda: list(client.list_spaces()))
    lines = [
        f"{s.get('name')}\t{s.get('spaceType', '')}\t{s.get('displayName', '')}" for s in spaces
    ]
    _emit(args, spaces, "\n".join(lines) or "(no spaces)")
    return EXIT_OK


def cmd_emulator(args: argparse.Namespace) -> int:
    from devkit.emulator import main as emulator_main

    argv = ["--host", args.host, "--port", str(args.port)]
    if args.quotas:
        argv.append("--quotas")
    return int(emulator_main(argv) or 0)


def cmd_token(args: argparse.Namespace) -> int:
    from devkit.devkey import load_or_create
    from devkit.local import LOCAL, STATE_DIR

    key = load_or_create(STATE_DIR)
    print(key.chat_token(args.audience or LOCAL.audience))
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
            body: dict[str, Any] = json.loads(response.read() or b"{}")
            return body
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise CliError(f"chat_app answered {exc.code}: {detail}", EXIT_API) from None
    except OSError as exc:
        raise CliError(
            f"cannot reach {url} ({exc}); is `make run` running?", EXIT_UNREACHABLE
        ) from None


def _event_sender(args: argparse.Namespace) -> Callable[[str], dict[str, Any]]:
    from devkit.devkey import load_or_create
    from devkit.local import LOCAL, STATE_DIR
    from devkit.sample_events import Persona, addon_message_event, legacy_message_event
    from shared.config import Settings

    key = load_or_create(STATE_DIR)
    ids = dict(
        Settings.from_env(_environment(args) | {"NUDGE_COMMAND_IDS": _local_ids()}).command_ids
    )
    persona = Persona(space=args.space, space_type="DIRECT_MESSAGE" if args.dm else "SPACE")
    build = addon_message_event if args.format == "addon" else legacy_message_event
    url = args.url or LOCAL.app_url

    def send(text: str) -> dict[str, Any]:
        return _post_event(url, build(text, persona, ids), key.chat_token(LOCAL.audience))

    return send


def _local_ids() -> str:
    from devkit.local import LOCAL_COMMAND_IDS

    return os.environ.get("NUDGE_COMMAND_IDS") or LOCAL_COMMAND_IDS


def cmd_event(args: argparse.Namespace) -> int:
    from devkit.terminal import response_lines

    body = _event_sender(args)(" ".join(args.text))
    _emit(args, body, "\n".join(response_lines(body)))
    return EXIT_OK


def _poll_emulator(
    space: str, seen: set[str], stop: threading.Event
) -> Generator[dict[str, Any], None, None]:
    from devkit.local import LOCAL

    url = f"{LOCAL.emulator_url}_emulator/spaces/{space.removeprefix('spaces/')}/messages"
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                messages = json.loads(response.read()).get("messages", [])
        except (OSError, ValueError):
            messages = []
        for message in messages:
            if message.get("name") not in seen:
                seen.add(message.get("name", ""))
                yield message
        stop.wait(0.5)


def cmd_chat(args: argparse.Namespace) -> int:
    from devkit.terminal import message_lines, response_lines

    send = _event_sender(args)
    stop = threading.Event()
    seen: set[str] = set()
    # Messages already in the space are history, not news.
    first = _poll_emulator(args.space, seen, threading.Event())
    for _ in first:
        pass
    first.close()

    def watch() -> None:
        for message in _poll_emulator(args.space, seen, stop):
            sender = message.get("sender", {}).get("displayName") or "Nudge"
            print(f"\n[{sender}, posted via the Chat API]")
            for line in message_lines(message):
                print(f"  {line}")
            print("you> ", end="", flush=True)

    threading.Thread(target=watch, daemon=True).start()
    print(f"Chatting with Nudge in {args.space} (Ctrl-D to leave). Try /help.")
    try:
        while True:
            try:
                line = input("you> ").strip()
            except EOFError:
                print()
                return EXIT_OK
            if not line:
                continue
            try:
                body = send(line)
            except CliError as exc:
                print(f"! {exc}", file=sys.stderr)
                continue
            print("nudge>")
            for out in response_lines(body):
                print(f"  {out}")
    except KeyboardInterrupt:
        print()
        return EXIT_OK
    finally:
        stop.set()


# --- argument parsing ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nudge", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    common.add_argument(
        "--local", action="store_true", help="use the local stack that `make run` starts"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    send = sub.add_parser("send", parents=[common], help="post a message as the app")
    send.add_argument("--space", required=True, help="spaces/ID")
    send.add_argument("--text", help="message text")
    send.add_argument("--thread-key", help="reply in (or start) the thread with this key")
    send.add_argument("--card", help="a JSON file with a card (or a cardsV2 item)")
    send.set_defaults(func=cmd_send)

    webhook = sub.add_parser(
        "webhook", parents=[common], help="post through an incoming webhook (URL from env/file)"
    )
    webhook.add_argument("--text", help="message text")
    webhook.add_argument("--card", help="a JSON file with a card")
    webhook.add_argument("--thread-key", help="reply in (or start) the thread with this key")
    webhook.set_defaults(func=cmd_webhook)

    members = sub.add_parser("members", help="space memberships")
    members_sub = members.add_subparsers(dest="members_command", required=True, metavar="ACTION")
    add = members_sub.add_parser("add", parents=[common], help="add a person or the app to a space")
    add.add_argument("--space", required=True, help="spaces/ID")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="users/ID or users/EMAIL")
    who.add_argument("--app", action="store_true", help="add Nudge itself (needs --as)")
    add.add_argument("--as", dest="as_user", help="act as this users/ID (stored user auth)")
    add.set_defaults(func=cmd_members_add)

    spaces = sub.add_parser("spaces", help="spaces the app is in")
    spaces_sub = spaces.add_subparsers(dest="spaces_command", required=True, metavar="ACTION")
    listing = spaces_sub.add_parser("list", parents=[common], help="list spaces")
    listing.set_defaults(func=cmd_spaces_list)

    emulator = sub.add_parser("emulator", help="run the local Chat API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8090)
    emulator.add_argument("--quotas", action="store_true", help="enforce 1 write/s per space")
    emulator.set_defaults(func=cmd_emulator)

    talk = argparse.ArgumentParser(add_help=False)
    talk.add_argument("--space", default="spaces/AAAA", help="the space to talk in")
    talk.add_argument("--dm", action="store_true", help="the space is a DM with the app")
    talk.add_argument("--format", choices=("legacy", "addon"), default="legacy")
    talk.add_argument("--url", help="chat_app URL (default: the local stack's)")

    chat = sub.add_parser("chat", parents=[talk], help="talk to the locally running app")
    chat.set_defaults(func=cmd_chat, json=False, local=True)

    event = sub.add_parser(
        "event", parents=[common, talk], help="send one signed event and print the reply"
    )
    event.add_argument("text", nargs="+", help="what you would type, e.g. /help")
    event.set_defaults(func=cmd_event)

    token = sub.add_parser("token", help="print a token signed by the development key")
    token.add_argument("--audience", help="default: the local stack's project number")
    token.set_defaults(func=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except CliError as exc:
        print(f"nudge: {exc}", file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
