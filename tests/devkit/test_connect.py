"""``nudge connect``: the consent link a ``--as`` command's advice leads to, used end to end."""

from __future__ import annotations

import base64
import json
import os
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from shared.config import Settings
from shared.wiring import build_backend, build_services

from .conftest import Result

Nudge = Callable[..., Result]
CLIENT_ID, CLIENT_SECRET = "connect-client.apps.googleusercontent.com", "connect-secret"
DEV = "users/100000000000000000001"
IVY = "users/100000000000000000003"
MEMBERSHIPS = "https://www.googleapis.com/auth/chat.memberships"


def test_connect_needs_someone_to_act_as(env: Callable[..., None], nudge: Nudge) -> None:
    nobody = nudge("connect", "--scope", "chat.memberships")
    assert nobody.code == 2
    assert "--as users/ID" in nobody.err
    email = nudge("connect", "--as", "users/dev@example.com")
    assert email.code == 2
    assert "numeric ID" in email.err


def test_connect_without_oauth_settings_says_which_are_missing(
    env: Callable[..., None], nudge: Nudge, tmp_path: Path
) -> None:
    env(NUDGE_DATABASE=str(tmp_path / "n.db"))
    result = nudge("connect", "--as", DEV)
    assert result.code == 3
    assert "NUDGE_OAUTH_CLIENT_ID" in result.err
    assert "NUDGE_TOKEN_KEY" in result.err


def test_the_printed_link_grants_what_members_add_as_a_user_needs(
    env: Callable[..., None], nudge: Nudge, tmp_path: Path
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    public = "http://127.0.0.1:9"
    with (
        OAuthServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as google,
        ChatEmulator(port=0, tokeninfo_url=google.tokeninfo_url) as emulator,
    ):
        env(
            NUDGE_CHAT_API_ENDPOINT=emulator.url,
            NUDGE_TOKEN_KEY=key,
            NUDGE_DATABASE=str(tmp_path / "nudge.db"),
            NUDGE_PUBLIC_URL=public,
            **google.settings_env(),
        )
        refused = nudge("members", "add", "--space", "AAAA", "--user", IVY, "--as", DEV)
        assert refused.code == 3
        advice = refused.err.split("`")[1]  # the command the advice names
        assert advice == f"nudge connect --as {DEV} --scope chat.memberships"

        printed = nudge(*advice.split()[1:], "--json")
        assert printed.code == 0, printed.err
        link = json.loads(printed.out)["consentUrl"]
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
        assert link.startswith(google.auth_url + "?")
        assert set(query["scope"].split()) == {MEMBERSHIPS, "openid"}
        assert query["login_hint"] == DEV.removeprefix("users/")
        assert query["redirect_uri"] == public + "/oauth/callback"

        # The person opens it; Google sends the browser to Nudge's callback, which stores it.
        callback = google.authorize(link)
        settings = Settings.from_env(dict(os.environ))
        store = build_backend(settings)
        try:
            done = (
                build_services(settings, backend=store)
                .consent()
                .complete(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query)))
            )
        finally:
            store.close()
        assert done.user_name == DEV
        assert MEMBERSHIPS in done.scopes

        added = nudge("members", "add", "--space", "AAAA", "--user", IVY, "--as", DEV)
        assert added.code == 0, added.err
        assert "INVITED" in added.out
