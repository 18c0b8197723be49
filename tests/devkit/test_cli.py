"""``nudge`` against a real Chat API emulator: posting, spaces, members, webhooks, exit codes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from shared.config import Settings
from shared.store.tokens import StoredToken
from shared.util.crypto import TokenCipher
from shared.wiring import build_backend

from .conftest import APP_TOKEN, NUDGE, Result, clean_environ, closed_port_url

SCOPES = "https://www.googleapis.com/auth/"
CLIENT_ID, CLIENT_SECRET = "cli-client.apps.googleusercontent.com", "cli-client-secret"
DEV = "users/100000000000000000001"

Nudge = Callable[..., Result]


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err + result.out


# --- send --------------------------------------------------------------------------


def test_send_text_json(api_env: dict[str, str], emulator: ChatEmulator, nudge: Nudge) -> None:
    result = nudge("send", "--space", "spaces/AAAA", "--text", "hello from the CLI", "--json")
    assert result.code == 0, result.err
    posted = json.loads(result.out)
    assert posted["name"].startswith("spaces/AAAA/messages/")
    assert posted["text"] == "hello from the CLI"
    stored = emulator.messages("AAAA")
    assert [m["text"] for m in stored] == ["hello from the CLI"]
    assert stored[0]["sender"]["type"] == "BOT"


def test_send_thread_key_joins_one_thread(api_env: dict[str, str], nudge: Nudge) -> None:
    first = nudge("send", "--space", "spaces/AAAA", "--text", "one", "--thread-key", "k1", "--json")
    second = nudge("send", "--space", "AAAA", "--text", "two", "--thread-key", "k1", "--json")
    other = nudge("send", "--space", "spaces/AAAA", "--text", "three", "--json")
    assert (first.code, second.code, other.code) == (0, 0, 0)
    threads = [json.loads(r.out)["thread"]["name"] for r in (first, second, other)]
    assert threads[0] == threads[1] != threads[2]
    assert json.loads(first.out)["thread"]["threadKey"] == "k1"


def test_send_card_file(
    api_env: dict[str, str], emulator: ChatEmulator, nudge: Nudge, tmp_path: Path
) -> None:
    card = {
        "header": {"title": "Deploy finished"},
        "sections": [{"widgets": [{"textParagraph": {"text": "<b>v1.2</b> is live"}}]}],
    }
    path = tmp_path / "card.json"
    path.write_text(json.dumps(card))
    result = nudge("send", "--space", "spaces/AAAA", "--card", str(path), "--text", "deployed")
    assert result.code == 0, result.err
    assert result.out.startswith("posted spaces/AAAA/messages/")
    [message] = emulator.messages("AAAA")
    assert message["cardsV2"][0]["card"]["header"]["title"] == "Deploy finished"
    assert message["text"] == "deployed"


def test_send_bad_card_file_is_usage(api_env: dict[str, str], nudge: Nudge, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[1, 2]")
    for path in (str(tmp_path / "bad.json"), str(tmp_path / "missing.json")):
        result = nudge("send", "--space", "spaces/AAAA", "--card", path)
        assert result.code == 2
        assert result.err.startswith("nudge: ")
        no_traceback(result)


# --- spaces ------------------------------------------------------------------------


def test_spaces_list(api_env: dict[str, str], nudge: Nudge) -> None:
    human = nudge("spaces", "list")
    assert human.code == 0, human.err
    assert "spaces/AAAA\tSPACE\tLocal team" in human.out.splitlines()
    scripted = nudge("spaces", "list", "--json")
    names = {s["name"] for s in json.loads(scripted.out)}
    assert {"spaces/AAAA", "spaces/DM1"} <= names


# --- members -----------------------------------------------------------------------


def test_members_add_by_email_is_invited_and_by_id_joined(
    api_env: dict[str, str], emulator: ChatEmulator, nudge: Nudge
) -> None:
    invited = nudge(
        "members", "add", "--space", "spaces/AAAA", "--user", "users/invitee@example.com"
    )
    assert invited.code == 0, invited.err
    assert "INVITED" in invited.out
    assert "they need to accept" in invited.out
    joined = nudge(
        "members",
        "add",
        "--space",
        "spaces/AAAA",
        "--user",
        "users/200000000000000000009",
        "--json",
    )
    assert joined.code == 0, joined.err
    membership = json.loads(joined.out)
    assert membership["state"] == "JOINED"
    assert membership["member"]["name"] == "users/200000000000000000009"
    again = nudge("members", "add", "--space", "spaces/AAAA", "--user", "bo@example.com")
    assert again.code == 1
    assert "ALREADY_EXISTS" in again.err
    no_traceback(again)


@pytest.fixture
def oauth() -> Iterator[OAuthServer]:
    with OAuthServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as server:
        yield server


def test_members_add_app_as_user_with_stored_grant(
    env: Callable[..., None], oauth: OAuthServer, nudge: Nudge, tmp_path: Path
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    database = tmp_path / "state" / "nudge.db"
    with ChatEmulator(port=0, tokeninfo_url=oauth.tokeninfo_url) as emulator:
        emulator.add_space("spaces/TEAM", display_name="Team", members=[DEV], app_member=False)
        env(
            NUDGE_CHAT_API_ENDPOINT=emulator.url,
            NUDGE_TOKEN_KEY=key,
            NUDGE_DATABASE=str(database),
            **oauth.settings_env(),
        )
        # No grant yet: a configuration problem with a way out, not a traceback.
        missing = nudge("members", "add", "--space", "spaces/TEAM", "--app", "--as", DEV)
        assert missing.code == 3
        # The advice names the command that grants exactly the missing scope.
        assert f"connect --as {DEV} --scope chat.memberships.app" in missing.err
        no_traceback(missing)

        # Store the grant exactly as the app does: sealed with NUDGE_TOKEN_KEY in SQLite.
        scope = SCOPES + "chat.memberships.app"
        refresh = oauth.issue_refresh_token([scope, "openid"])
        settings = Settings.from_env({"NUDGE_TOKEN_KEY": key, "NUDGE_DATABASE": str(database)})
        store = build_backend(settings)
        sealed = TokenCipher.from_setting(key).seal(refresh, aad=DEV)
        store.tokens.put_token(
            StoredToken(DEV, sealed, frozenset({scope, "openid"}), "dev@example.com")
        )
        store.close()
        assert refresh not in database.read_bytes().decode("latin-1")

        added = nudge("members", "add", "--space", "spaces/TEAM", "--app", "--as", DEV, "--json")
        assert added.code == 0, added.err
        membership = json.loads(added.out)
        assert membership["member"]["name"] == "users/app"
        assert membership["member"]["type"] == "BOT"
        assert ("POST", "/token") in oauth.requests  # the stored refresh token was used
        assert refresh not in added.out + added.err

        # The app is a member now: the API refuses a second add (exit 1).
        twice = nudge("members", "add", "--space", "spaces/TEAM", "--app", "--as", DEV)
        assert twice.code == 1
        assert "ALREADY_EXISTS" in twice.err


def test_members_add_app_without_as_is_usage(api_env: dict[str, str], nudge: Nudge) -> None:
    result = nudge("members", "add", "--space", "spaces/AAAA", "--app")
    assert result.code == 2
    assert "--as" in result.err


# --- webhook -----------------------------------------------------------------------


def test_webhook_url_from_file_never_printed(
    env: Callable[..., None], emulator: ChatEmulator, nudge: Nudge, tmp_path: Path
) -> None:
    url = emulator.webhook_url("AAAA")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    secrets = [query["key"], query["token"]]
    secret_file = tmp_path / "webhook-url"
    secret_file.write_text(url + "\n")
    env(NUDGE_WEBHOOK_URL_FILE=str(secret_file))

    ok = nudge("webhook", "--text", "from the webhook", "--thread-key", "wh", "--json")
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["text"] == "from the webhook"
    assert [m["text"] for m in emulator.messages("AAAA")] == ["from the webhook"]

    # Refused: a wrong token in the URL; the real key must not leak either.
    secret_file.write_text(url.replace(query["token"], "wrong-token-value"))
    refused = nudge("webhook", "--text", "nope")
    assert refused.code == 1
    assert "wrong-token-value" not in refused.out + refused.err

    # Unreachable: the same URL pointing at a closed port.
    secret_file.write_text(url.replace(emulator.url, closed_port_url()))
    down = nudge("webhook", "--text", "nope")
    assert down.code == 4
    for result in (ok, refused, down):
        no_traceback(result)
        for secret in secrets:
            assert secret not in result.out + result.err


def test_webhook_url_is_never_taken_from_argv(api_env: dict[str, str], nudge: Nudge) -> None:
    result = nudge(
        "webhook", "--url", "http://127.0.0.1:9/v1/spaces/A/messages?key=k", "--text", "x"
    )
    assert result.code == 2
    missing = nudge("webhook", "--text", "x")
    assert missing.code == 3
    assert "NUDGE_WEBHOOK_URL_FILE" in missing.err


# --- exit codes and help ---------------------------------------------------------------


def test_api_refusal_exits_1(api_env: dict[str, str], nudge: Nudge) -> None:
    result = nudge("send", "--space", "spaces/NOPE", "--text", "hi")
    assert result.code == 1
    assert "messages.create on spaces/NOPE: NOT_FOUND" in result.err
    no_traceback(result)


@pytest.mark.parametrize(
    "argv",
    [
        ["send", "--text", "no space"],
        ["send", "--space", "spaces/AAAA"],
        ["send", "--space", "rooms/x/y", "--text", "x"],
        ["members", "add", "--space", "spaces/AAAA", "--user", "users/"],
        ["members", "add", "--space", "spaces/AAAA"],
        ["bogus"],
        [],
    ],
)
def test_bad_usage_exits_2(api_env: dict[str, str], nudge: Nudge, argv: list[str]) -> None:
    result = nudge(*argv)
    assert result.code == 2
    assert result.err.strip()
    no_traceback(result)


def test_missing_config_exits_3(env: Callable[..., None], nudge: Nudge) -> None:
    env(NUDGE_COMMAND_IDS="not-a-pair", NUDGE_CHAT_API_TOKEN=APP_TOKEN)
    bad = nudge("spaces", "list")
    assert bad.code == 3
    assert "NUDGE_COMMAND_IDS" in bad.err
    env(NUDGE_LOCAL_APP_PORT="eighty")
    port = nudge("event", "/help")
    assert port.code == 3
    assert "NUDGE_LOCAL_APP_PORT" in port.err
    env(NUDGE_CHAT_API_TOKEN_FILE="/nonexistent/token")
    unreadable = nudge("spaces", "list")
    assert unreadable.code == 3
    for result in (bad, port, unreadable):
        no_traceback(result)


def test_unreachable_exits_4(env: Callable[..., None], nudge: Nudge) -> None:
    env(NUDGE_CHAT_API_ENDPOINT=closed_port_url(), NUDGE_CHAT_API_TOKEN=APP_TOKEN)
    down = nudge("send", "--space", "spaces/AAAA", "--text", "hi")
    assert down.code == 4
    assert "cannot reach the Chat API" in down.err
    env(NUDGE_LOCAL_APP_PORT=closed_port_url().rsplit(":", 1)[1].strip("/"))
    for argv in (["event", "/help"], ["chat"]):
        result = nudge(*argv)
        assert result.code == 4, result
        assert "make run" in result.err
        no_traceback(result)
    no_traceback(down)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["send"],
        ["webhook"],
        ["members"],
        ["members", "add"],
        ["spaces", "list"],
        ["emulator"],
        ["chat"],
        ["event"],
        ["token"],
    ],
)
def test_help_everywhere(nudge: Nudge, argv: list[str]) -> None:
    result = nudge(*argv, "--help")
    assert result.code == 0
    assert result.out.startswith("usage: nudge")


def test_token_is_signed_by_the_local_dev_key(env: Callable[..., None], nudge: Nudge) -> None:
    result = nudge("token")
    assert result.code == 0
    header = json.loads(base64.urlsafe_b64decode(result.out.split(".")[0] + "=="))
    assert header["alg"] == "RS256"
    assert (Path(os.environ["NUDGE_LOCAL_DIR"]) / "devkey.pem").exists()


# --- the installed console script -------------------------------------------------------


def test_console_script_send_json(emulator: ChatEmulator, tmp_path: Path) -> None:
    environ = clean_environ(
        NUDGE_CHAT_API_ENDPOINT=emulator.url,
        NUDGE_CHAT_API_TOKEN=APP_TOKEN,
        NUDGE_LOCAL_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [str(NUDGE), "send", "--space", "spaces/AAAA", "--text", "via the script", "--json"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["text"] == "via the script"
    refused = subprocess.run(
        [str(NUDGE), "send", "--space", "spaces/NOPE", "--text", "x"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("nudge: ")
    assert "Traceback" not in refused.stderr
