"""User OAuth end to end over loopback: Chat event -> consent -> callback -> stored grant -> API.

The app is served on 127.0.0.1 like functions-framework would; the fake Google
OAuth server consents; a loopback server stands in for Chat's
configCompleteRedirectUrl; user-auth Chat API calls introspect the access
token at the fake's tokeninfo endpoint, so only a really issued token works.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devkit.oauth_server import OAuthServer, follow_once
from devkit.sample_events import Persona, legacy_message_event
from shared.config import Settings
from shared.core.app import ChatApp
from shared.features import account
from shared.http import HttpRequest, HttpResponse
from shared.wiring import build_app, build_services

from .conftest import (
    CLIENT_ID,
    MEMBERSHIPS,
    USER_ID,
    USER_NAME,
    AppServer,
    FakeUserChat,
    RecordingServer,
)

PERSONA = Persona(user_id=USER_ID, email="dev@example.com")
ADA = {"name": "users/200", "displayName": "Ada", "type": "HUMAN"}


@dataclass
class Stack:
    server: AppServer
    app: ChatApp
    settings: Settings
    oauth: OAuthServer
    chat: FakeUserChat
    redirect: RecordingServer

    def event(self, text: str, *, mention: dict[str, Any] | None = None) -> dict[str, Any]:
        event = legacy_message_event(text, PERSONA)
        event["configCompleteRedirectUrl"] = self.redirect.url + "/config-complete?token=xyz"
        if mention:
            start = event["message"]["text"].find("@")
            event["message"]["annotations"].append(
                {
                    "type": "USER_MENTION",
                    "startIndex": start,
                    "length": len(mention["displayName"]) + 1,
                    "userMention": {"user": mention, "type": "MENTION"},
                }
            )
        return event

    def send(self, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.server.post_event(self.event(text, **kwargs))

    def rebuild(self) -> None:
        """A fresh process: new services (no in-memory credentials), same database."""
        self.app = build(self.settings, self.chat)


def build(settings: Settings, chat: FakeUserChat | None) -> ChatApp:
    """The app with the account commands and the OAuth callback; ``chat=None``: real ChatClient."""
    services = build_services(settings, **({"user_chat": chat} if chat else {}))
    return build_app(settings, services=services, features=[account.feature])


@pytest.fixture
def stack(
    oauth: OAuthServer,
    make_settings: Callable[..., Settings],
    chat_redirect: RecordingServer,
) -> Iterator[Stack]:
    holder: list[Stack] = []

    def dispatch(request: HttpRequest) -> HttpResponse:
        return holder[0].app.dispatch(request)

    server = AppServer(dispatch)
    settings = make_settings(NUDGE_PUBLIC_URL=server.url)
    chat = FakeUserChat(oauth.tokeninfo_url)
    holder.append(Stack(server, build(settings, chat), settings, oauth, chat, chat_redirect))
    yield holder[0]
    server.stop()


def request_config_url(body: dict[str, Any]) -> str:
    assert body["actionResponse"]["type"] == "REQUEST_CONFIG", body
    url: str = body["actionResponse"]["url"]
    return url


def grant_button_url(body: dict[str, Any]) -> str:
    assert body.get("privateMessageViewer", {}).get("name") == USER_NAME, body
    buttons = body["cardsV2"][0]["card"]["sections"][0]["widgets"][1]["buttonList"]["buttons"]
    assert buttons[0]["text"] == "Grant access"
    url: str = buttons[0]["onClick"]["openLink"]["url"]
    return url


def consent(stack: Stack, url: str) -> tuple[int, str]:
    """The browser: Google's consent page, then our callback. Returns the callback's answer."""
    callback = stack.oauth.authorize(url)
    assert callback.startswith(stack.server.url + "/oauth/callback?")
    return follow_once(callback)


def test_invite_end_to_end(stack: Stack, tmp_path: Path) -> None:
    body = stack.send("/invite @Ada", mention=ADA)
    url = request_config_url(body)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert url.startswith(stack.oauth.auth_url + "?")
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == stack.server.url + "/oauth/callback"
    assert query["scope"].split() == [MEMBERSHIPS, "openid"]
    assert query["response_type"] == "code"
    assert query["access_type"] == "offline"
    assert query["include_granted_scopes"] == "true"
    assert query["prompt"] == "consent"
    assert query["login_hint"] == "dev@example.com"
    assert stack.chat.calls == []  # switched off before any API call

    status, location = consent(stack, url)
    assert (status, location) == (302, stack.redirect.url + "/config-complete?token=xyz")
    assert follow_once(location)[0] == 200
    assert stack.redirect.hits == ["/config-complete?token=xyz"]

    body = stack.send("/invite @Ada dev2@example.com", mention=ADA)
    assert body["privateMessageViewer"]["name"] == USER_NAME
    assert "Joined:* Ada" in body["text"]
    assert "Invited (they need to accept):* dev2@example.com" in body["text"]
    assert stack.chat.calls == [
        (USER_NAME, "spaces/AAAA", "users/200"),
        (USER_NAME, "spaces/AAAA", "users/dev2@example.com"),
    ]

    # The refresh token Google issued is nowhere on disk in plaintext.
    refresh_tokens = list(stack.oauth._state.refresh)
    assert len(refresh_tokens) == 1
    database = Path(stack.settings.database)
    raw = b"".join(p.read_bytes() for p in database.parent.iterdir() if p.is_file())
    assert refresh_tokens[0].encode() not in raw
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT * FROM user_tokens").fetchall()
    assert [r[0] for r in rows] == [USER_NAME]
    assert refresh_tokens[0] not in repr(rows)


def test_the_callback_link_cannot_be_replayed(stack: Stack) -> None:
    url = request_config_url(stack.send("/connect"))
    callback = stack.oauth.authorize(url)
    assert follow_once(callback)[0] == 302
    status, _ = follow_once(callback)
    assert status == 400


def test_incremental_grant_switches_the_feature_off_until_granted(stack: Stack) -> None:
    status, _ = consent(stack, request_config_url(stack.send("/connect")))
    assert status == 302
    assert "You're connected" in stack.send("/connect")["text"]

    # Connected with base scopes only: /invite now asks for more, with a button.
    body = stack.send("/invite @Ada", mention=ADA)
    url = grant_button_url(body)
    assert "switched off" in body["text"]
    assert "chat.memberships" in body["text"]

    # The user unticks the extra scope on Google's consent screen.
    stack.oauth.grant_only({"openid"})
    assert consent(stack, url)[0] == 302
    body = stack.send("/invite @Ada", mention=ADA)
    url = grant_button_url(body)
    assert stack.chat.calls == []

    stack.oauth.grant_only(None)
    assert consent(stack, url)[0] == 302
    body = stack.send("/invite @Ada", mention=ADA)
    assert "Joined:* Ada" in body["text"]
    assert stack.app.services.grants().granted_scopes(USER_NAME) == {"openid", MEMBERSHIPS}


def test_revoked_grant_is_forgotten_and_consent_asked_again(stack: Stack) -> None:
    consent(stack, request_config_url(stack.send("/invite @Ada", mention=ADA)))
    assert "Joined" in stack.send("/invite @Ada", mention=ADA)["text"]

    stack.oauth.revoke_all()  # the user removed access in their Google Account
    stack.rebuild()  # a new instance: it must refresh, and gets invalid_grant
    body = stack.send("/invite @Ada", mention=ADA)
    request_config_url(body)
    assert stack.app.services.tokens().get_token(USER_NAME) is None


def test_rejected_access_token_is_forgotten_and_consent_asked_again(stack: Stack) -> None:
    consent(stack, request_config_url(stack.send("/invite @Ada", mention=ADA)))
    assert "Joined" in stack.send("/invite @Ada", mention=ADA)["text"]
    stack.oauth.revoke_all()  # same instance: cached access token now gets 401
    request_config_url(stack.send("/invite @Ada", mention=ADA))
    assert stack.app.services.tokens().get_token(USER_NAME) is None


def test_logout_revokes_and_deletes(stack: Stack) -> None:
    consent(stack, request_config_url(stack.send("/connect")))
    assert stack.oauth.refresh_token_count() == 1
    body = stack.send("/logout")
    assert body["privateMessageViewer"]["name"] == USER_NAME
    assert "Google revoked it" in body["text"]
    assert stack.oauth.refresh_token_count() == 0
    assert stack.app.services.tokens().get_token(USER_NAME) is None
    assert "weren't connected" in stack.send("/logout")["text"]
    request_config_url(stack.send("/connect"))


def test_logout_deletes_even_when_google_is_unreachable(
    stack: Stack, make_settings: Callable[..., Settings]
) -> None:
    consent(stack, request_config_url(stack.send("/connect")))
    stack.settings = make_settings(
        NUDGE_PUBLIC_URL=stack.server.url, NUDGE_OAUTH_REVOKE_URL="http://127.0.0.1:9/revoke"
    )
    stack.rebuild()
    body = stack.send("/logout")
    assert "did not confirm" in body["text"]
    assert stack.app.services.tokens().get_token(USER_NAME) is None


def test_access_denied_shows_a_page_not_an_error(stack: Stack) -> None:
    stack.oauth.deny()
    status, _ = consent(stack, request_config_url(stack.send("/connect")))
    assert status == 400
    assert stack.app.services.tokens().get_token(USER_NAME) is None


def test_wrong_google_account_is_refused(stack: Stack) -> None:
    stack.oauth.set_user("999", "someone-else@example.com")
    status, _ = consent(stack, request_config_url(stack.send("/connect")))
    assert status == 400
    assert stack.app.services.tokens().get_token(USER_NAME) is None
    assert stack.app.services.tokens().get_token("users/999") is None
