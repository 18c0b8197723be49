"""The ``nudge`` command line: its parser and ``main``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from devkit.cli.api import cmd_members_add, cmd_send, cmd_spaces_list, cmd_webhook
from devkit.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    USAGE_EPILOG,
    CliError,
    space_name,
)
from devkit.cli.connect import add_connect_command
from devkit.cli.help import described, plain_help
from devkit.cli.reminders import cmd_reminders_list, cmd_tick
from devkit.cli.talk import cmd_chat, cmd_emulator, cmd_event, cmd_token
from devkit.cli.web import add_web_command

SUMMARY = "nudge: post as the app, manage members, run the emulator, and chat with Nudge locally."


def build_parser() -> argparse.ArgumentParser:
    summary = SUMMARY
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
    send.add_argument("--space", required=True, type=space_name, help="spaces/ID")
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
    add.add_argument("--space", required=True, type=space_name, help="spaces/ID")
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

    tick = sub.add_parser(
        "tick",
        parents=[common],
        help="run one scheduler tick now (posts due reminders)",
        description="Run every feature's tick jobs once, as Cloud Scheduler's tick would: "
        "due reminders are posted through the Chat API (the emulator with --local).",
    )
    tick.set_defaults(func=cmd_tick)

    reminders = sub.add_parser("reminders", help="the reminders Nudge stores")
    reminders_sub = reminders.add_subparsers(
        dest="reminders_command", required=True, metavar="ACTION"
    )
    rlist = reminders_sub.add_parser("list", parents=[common], help="list stored reminders")
    scope = rlist.add_mutually_exclusive_group()
    scope.add_argument("--user", help="only this owner's (users/ID)")
    scope.add_argument(
        "--space", type=space_name, help="only those that post into or were set in spaces/ID"
    )
    rlist.set_defaults(func=cmd_reminders_list)

    talk = argparse.ArgumentParser(add_help=False)
    talk.add_argument(
        "--space", default="spaces/AAAA", type=space_name, help="the space to talk in"
    )
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
    add_connect_command(sub)
    add_web_command(sub)
    described(parser)
    plain_help(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nudge``; returns the exit code (argparse's own exits included)."""
    logging.basicConfig(level=logging.ERROR, format="nudge: %(message)s")
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # the subcommand's own usage, not the top-level one
            leaf: argparse.ArgumentParser = getattr(args, "usage_parser", parser)
            leaf.error(f"unrecognized arguments: {' '.join(extra)}")
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
