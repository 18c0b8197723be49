"""``nudge send``, ``webhook``, ``members add``, ``spaces list``: the Chat API as app or user."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from devkit.cli.common import (
    APP_MEMBERSHIPS_SCOPE,
    EXIT_API,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_USAGE,
    MEMBERSHIPS_APP_SCOPE,
    MEMBERSHIPS_SCOPE,
    CliError,
    api_call,
    app_client,
    as_user,
    emit,
    prog,
    retry_policy,
    settings_for,
    space_arg,
    user_arg,
)


def read_message_card(path: str | None) -> list[dict[str, Any]]:
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


def message_arg(args: argparse.Namespace) -> dict[str, Any]:
    message: dict[str, Any] = {}
    if args.text:
        message["text"] = args.text
    cards = read_message_card(args.card)
    if cards:
        message["cardsV2"] = cards
    if not message:
        raise CliError("give --text, --card or both", EXIT_USAGE)
    return message


def cmd_send(args: argparse.Namespace) -> int:
    """Post a message as the app (app auth, ``chat.bot``)."""
    space = space_arg(args.space)
    message = message_arg(args)
    client = app_client(args)
    result = api_call(
        lambda: client.create_message(space, message, thread_key=args.thread_key),
        local=args.local,
    )
    thread = result.get("thread", {}).get("name", "")
    emit(args, result, f"posted {result.get('name', '')}" + (f" in {thread}" if thread else ""))
    return EXIT_OK


def cmd_webhook(args: argparse.Namespace) -> int:
    """Post through an incoming webhook; its URL never comes from the command line."""
    from shared.chatapi.webhook import WebhookClient

    settings = settings_for(args)
    if not settings.webhook_url:
        raise CliError(
            "no webhook URL: set NUDGE_WEBHOOK_URL_FILE (or NUDGE_WEBHOOK_URL); it is never taken "
            "from the command line, so it stays out of shell history",
            EXIT_CONFIG,
        )
    message = message_arg(args)
    try:
        client = WebhookClient(settings.webhook_url, retry=retry_policy())
    except ValueError as exc:  # the message holds the redacted URL only
        raise CliError(str(exc), EXIT_CONFIG) from None
    result = api_call(lambda: client.send(message=message, thread_key=args.thread_key))
    emit(args, result, f"posted {result.get('name', '')}")
    return EXIT_OK


def _membership_line(result: dict[str, Any], space: str) -> str:
    member = result.get("member", {})
    who = member.get("displayName") or member.get("name", "")
    state = result.get("state", "")
    note = {"INVITED": " (they need to accept)"}.get(state, "")
    return f"{result.get('name', '')}: {who} in {space}: {state}{note}".strip()


def cmd_members_add(args: argparse.Namespace) -> int:
    """Add a person (as the app, or ``--as`` a user) or the app itself (``--as`` a user)."""
    space = space_arg(args.space)
    acting = user_arg(args.as_user, "--as") if args.as_user else None
    if args.app:
        if not acting:
            raise CliError(
                "adding the app needs user auth (chat.memberships.app): pass --as users/ID "
                "of someone who granted it (`nudge connect --as users/ID --scope "
                "chat.memberships.app` asks them)",
                EXIT_USAGE,
            )
        result = as_user(args, acting, MEMBERSHIPS_APP_SCOPE, lambda c: c.add_app(space))
    else:
        user = user_arg(args.user, "--user")
        if acting:
            result = as_user(
                args, acting, MEMBERSHIPS_SCOPE, lambda c: c.create_membership(space, user)
            )
        else:
            client = app_client(args, APP_MEMBERSHIPS_SCOPE)
            try:
                result = api_call(lambda: client.create_membership(space, user), local=args.local)
            except CliError as exc:
                if exc.code == EXIT_API and "scope" in str(exc).lower():
                    raise CliError(
                        f"{exc}\n{_as_user_instead(args, space, user)}", EXIT_API
                    ) from None
                raise
    emit(args, result, _membership_line(result, space))
    return EXIT_OK


def _as_user_instead(args: argparse.Namespace, space: str, user: str) -> str:
    """Advice when app auth lacks ``chat.app.memberships``: the two commands that work."""
    if args.local:
        from devkit.sample_events import Persona

        me = Persona().user["name"]
        return (
            "The local app has only chat.bot (chat.app.memberships needs a Workspace admin's "
            "approval). Add them as a user instead: grant chat.memberships through the local "
            "OAuth server, then add them as that user:\n"
            f"  {prog()} connect --local --as {me} --scope chat.memberships\n"
            f"  {prog()} members add --local --space {space} --user {user} --as {me}"
        )
    return (
        "App auth needs chat.app.memberships, which a Workspace admin must approve for Nudge. "
        "Or add them as a user who grants chat.memberships: `nudge connect --as users/ID "
        "--scope chat.memberships`, then this command with --as users/ID."
    )


def cmd_spaces_list(args: argparse.Namespace) -> int:
    """List the spaces the app is a member of."""
    client = app_client(args)
    spaces = api_call(lambda: list(client.list_spaces()), local=args.local)
    lines = [
        f"{s.get('name')}\t{s.get('spaceType', '')}\t{s.get('displayName', '')}".rstrip()
        for s in spaces
    ]
    emit(args, spaces, "\n".join(lines) or "(no spaces)")
    return EXIT_OK
