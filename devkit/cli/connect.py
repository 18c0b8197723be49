"""``nudge connect``: a person grants Nudge scopes (user auth), for ``--as`` commands.

It starts the same consent flow ``/connect`` does, asking for the scopes a
command needs. Against Google it prints the consent link for the person to
open. With ``--local`` it also plays the browser: the local OAuth server
consents at once, ``chat_app``'s ``/oauth/callback`` stores the grant, and the
"configuration complete" page loads, as with a click in Chat.
"""

from __future__ import annotations

import argparse
import html
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from devkit.cli.common import (
    EXIT_API,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    SCOPE_PREFIX,
    CliError,
    emit,
    local_stack,
    settings_for,
    user_arg,
)

#: Scopes without a URL form (``openid``) stay as they are.
_BARE_SCOPES = frozenset({"openid", "email", "profile"})


def full_scope(scope: str) -> str:
    """``https://www.googleapis.com/auth/chat.memberships`` for ``chat.memberships``."""
    scope = scope.strip()
    if scope in _BARE_SCOPES or scope.startswith("https://"):
        return scope
    return SCOPE_PREFIX + scope


def add_connect_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``nudge connect`` on the CLI's subcommands."""
    connect = sub.add_parser(
        "connect",
        help="grant Nudge scopes as a user (the consent /connect starts), for --as",
        description="Start user consent for the given scopes, as /connect does in Chat. "
        "With --local the local OAuth server consents at once and chat_app stores the grant; "
        "otherwise open the printed link signed in as that person.",
    )
    connect.add_argument("--json", action="store_true", help="print JSON for scripts")
    connect.add_argument(
        "--local", action="store_true", help="use the local stack that `make run` starts"
    )
    connect.add_argument(
        "--as",
        dest="as_user",
        metavar="users/ID",
        help="who grants (default with --local: the local developer nudge chat acts as)",
    )
    connect.add_argument(
        "--scope",
        action="append",
        default=[],
        metavar="SCOPE",
        help="a scope to grant, e.g. chat.memberships (repeatable; openid is always asked)",
    )
    connect.set_defaults(func=cmd_connect)


def cmd_connect(args: argparse.Namespace) -> int:
    """Grant the scopes as ``--as``: print the consent link, or (``--local``) complete it."""
    from devkit.sample_events import Persona
    from shared.auth.consent import ConsentNotConfigured
    from shared.util.crypto import TokenKeyError
    from shared.wiring import build_backend, build_services

    if not args.as_user and not args.local:
        raise CliError("say who grants: --as users/ID (or use --local)", EXIT_USAGE)
    user = user_arg(args.as_user or Persona().user["name"], "--as")
    if not user.removeprefix("users/").isdigit():
        raise CliError(f"--as must be users/ID (the person's numeric ID), not {user!r}", EXIT_USAGE)
    scopes = [full_scope(s) for s in args.scope]
    settings = settings_for(args)
    try:
        store = build_backend(settings)
    except (OSError, sqlite3.Error) as exc:
        raise CliError(f"cannot open the store: {exc}", EXIT_CONFIG) from None
    try:
        services = build_services(settings, backend=store)
        redirect = local_stack().config_complete_url if args.local else None
        try:
            url = services.consent().url(
                user, scopes, email=_login_hint(user), redirect_after=redirect
            )
        except (ConsentNotConfigured, TokenKeyError) as exc:
            raise CliError(str(exc), EXIT_CONFIG) from None
        if not args.local:
            emit(
                args,
                {"user": user, "consentUrl": url},
                f"Have {user} open this link, signed in to their Google account:\n  {url}\n"
                "Google then sends the browser to chat_app's /oauth/callback, which stores "
                "the grant.",
            )
            return EXIT_OK
        _consent_in_a_browser(url)
        granted = services.grants().granted_scopes(user)
    finally:
        store.close()
    missing = sorted(set(scopes) - set(granted))
    if missing:
        raise CliError(f"{user} did not grant {', '.join(missing)}", EXIT_API)
    short = ", ".join(sorted(s.removeprefix(SCOPE_PREFIX) for s in granted))
    emit(
        args,
        {"user": user, "scopes": sorted(granted)},
        f"{user} granted {short}; commands with --as {user} --local can use it now.",
    )
    return EXIT_OK


def _login_hint(user: str) -> str:
    """The user's ID: Google takes an email or the account's ID as ``login_hint``."""
    return user.removeprefix("users/")


def _consent_in_a_browser(consent_url: str) -> None:
    """Do what a browser would: consent, land on the callback, then on the final page."""
    status, location, _ = _get(consent_url, "the local OAuth server")
    if status != 302 or not location:
        raise CliError(f"the local OAuth server answered {status} to the consent", EXIT_API)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    if "error" in query:
        raise CliError(f"the local OAuth server refused: {query['error']}", EXIT_API)
    status, location, body = _get(location, "chat_app's /oauth/callback")
    if status >= 400:
        raise CliError(f"chat_app's /oauth/callback refused: {_page_text(body)}", EXIT_API)
    if status in (301, 302, 303) and location:
        final, _, _ = _get(location, "the configuration-complete page")
        if final != 200:
            raise CliError(f"the page after consent ({location}) answered {final}", EXIT_API)


def _get(url: str, what: str) -> tuple[int, str, bytes]:
    """GET a loopback ``url`` without following redirects: status, ``Location``, body."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise CliError(f"{what} is not on loopback ({parts.scheme}://{parts.hostname})", EXIT_API)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers.get("Location", ""), response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        exc.close()
        return exc.code, exc.headers.get("Location", ""), body
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise CliError(
            f"cannot reach {what} at {parts.scheme}://{parts.netloc} ({reason}); "
            "is `make run` running?",
            EXIT_UNREACHABLE,
        ) from None


def _page_text(body: bytes) -> str:
    """The words of a small HTML page (its heading and paragraph)."""
    text = re.sub(r"(?s)<title>.*?</title>", " ", body.decode("utf-8", "replace"))
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.split())[:300]
