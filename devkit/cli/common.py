"""What every ``nudge`` command shares: errors and exit codes, settings, clients, output."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable
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


def prog() -> str:
    """How the user ran ``nudge`` (``.venv/bin/nudge``, say), for commands advice names."""
    invoked = sys.argv[0] if sys.argv else ""
    return invoked if os.path.basename(invoked) == "nudge" else "nudge"


class CliError(Exception):
    """A failure with a readable message and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# --- shared plumbing -------------------------------------------------------------


def local_stack() -> LocalStack:
    from devkit.local import LocalStack
    from shared.config import ConfigError

    try:
        return LocalStack.from_env()
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


def environment(args: argparse.Namespace) -> dict[str, str]:
    """The settings environment: the local stack's with ``--local``, else the real one."""
    if getattr(args, "local", False):
        from devkit.local import app_environment

        try:
            return app_environment(local_stack())
        except OSError as exc:
            raise CliError(f"cannot use the local state directory: {exc}", EXIT_CONFIG) from None
    return dict(os.environ)


def settings_for(args: argparse.Namespace) -> Settings:
    from shared.config import ConfigError, Settings

    try:
        return Settings.from_env(environment(args))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


def retry_policy() -> Any:
    """A short retry budget: a person is waiting at the terminal."""
    from shared.google.retry import RetryPolicy

    return RetryPolicy(max_attempts=3, initial_backoff=0.2, max_backoff=2.0, deadline=15.0)


_SPACE_ID = re.compile(r"[A-Za-z0-9_-]+")


def space_arg(value: str) -> str:
    """``spaces/ID`` (a bare ``ID`` gets the prefix); anything else is a usage error."""
    try:
        return space_name(value)
    except argparse.ArgumentTypeError as exc:
        raise CliError(f"--space {exc}", EXIT_USAGE) from None


def space_name(value: str) -> str:
    """The argparse ``type`` of ``--space``: ``spaces/ID`` with ID of letters, digits, - and _."""
    name = value.strip()
    if name and "/" not in name:
        name = f"spaces/{name}"
    parts = name.split("/")
    if len(parts) != 2 or parts[0] != "spaces" or not _SPACE_ID.fullmatch(parts[1]):
        raise argparse.ArgumentTypeError(
            f"must look like spaces/ID (ID: letters, digits, - and _ only), not {value!r}"
        )
    return name


def user_arg(value: str, flag: str) -> str:
    """``users/ID`` or ``users/EMAIL`` (a bare ID or email gets the prefix)."""
    name = value.strip()
    if name and not name.startswith("users/"):
        name = f"users/{name}"
    rest = name.removeprefix("users/")
    if not rest or "/" in rest or " " in rest:
        raise CliError(f"{flag} must look like users/ID or users/EMAIL, not {value!r}", EXIT_USAGE)
    return name


def app_client(args: argparse.Namespace, *extra_scopes: str) -> Any:
    from shared.auth.app import app_credentials
    from shared.chatapi.client import ChatClient

    settings = settings_for(args)
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
    return ChatClient(credentials, endpoint=settings.chat_api_endpoint, retry=retry_policy())


def as_user(args: argparse.Namespace, user: str, scope: str, call: Callable[[Any], Any]) -> Any:
    """Run ``call(ChatClient)`` acting as ``user`` with their stored, encrypted grant."""
    import google.auth.exceptions

    from shared.auth.errors import AuthorizationRequired
    from shared.chatapi.client import ChatClient
    from shared.config import ConfigError
    from shared.util.crypto import TokenKeyError
    from shared.wiring import build_backend, build_services

    settings = settings_for(args)
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
        return call(
            ChatClient(credentials, endpoint=settings.chat_api_endpoint, retry=retry_policy())
        )

    local = bool(getattr(args, "local", False))
    try:
        return api_call(lambda: grants.call(user, [scope], run), local=local)
    except AuthorizationRequired as exc:
        raise CliError(
            grant_advice(user, exc.scopes, exc.reason, local=local), EXIT_CONFIG
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


def grant_advice(user: str, scopes: Iterable[str], reason: str, *, local: bool) -> str:
    """What to run so that ``user`` grants ``scopes``: the exact ``nudge connect`` line."""
    short = " ".join(f"--scope {s.removeprefix(SCOPE_PREFIX)}" for s in scopes)
    what = ", ".join(s.removeprefix(SCOPE_PREFIX) for s in scopes)
    if local:
        return (
            f"{user} has not granted {what} ({reason}). Grant it through the local OAuth "
            f"server, then run this command again:\n  {prog()} connect --local --as {user} {short}"
        )
    return (
        f"{user} has not granted {what} ({reason}). Run `{prog()} connect --as {user} {short}` "
        "and have them open the link it prints, signed in to their Google account; "
        "then run this command again."
    )


def emit(args: argparse.Namespace, payload: Any, human: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, sort_keys=True))
    else:
        print(human)


def api_call(call: Callable[[], Any], *, local: bool = False) -> Any:
    """Run a Chat API call: refusals exit 1, no answer at all exits 4."""
    from shared.google.errors import ApiError

    try:
        return call()
    except ApiError as exc:
        if exc.status is None:
            start = "; is the local stack running? Start it with `make run`" if local else ""
            raise CliError(f"cannot reach the Chat API: {exc}{start}", EXIT_UNREACHABLE) from None
        raise CliError(str(exc), EXIT_API) from None
    except ValueError as exc:  # the client's own argument checks
        raise CliError(str(exc), EXIT_USAGE) from None
