"""UserAuth pieces: configuration errors, callback failures (never 500), scope gating, rotation."""

from __future__ import annotations

import base64
import os
import urllib.parse
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from devkit.oauth_server import OAuthServer
from shared.auth.crypto import TokenCipher, TokenKeyError
from shared.auth.errors import AuthorizationRequired
from shared.auth.oauth import UserAuth, oauth_callback, safe_redirect
from shared.config import Settings
from shared.events.models import CommandEvent, EventFormat, Space, SpaceType, User
from shared.http import HttpRequest
from shared.responses import Reply, RequestConfig
from shared.store.base import StoredToken
from shared.store.sqlite import SqliteStore

from .conftest import MEMBERSHIPS, USER_NAME, FakeClock

USER = User(name=USER_NAME, display_name="Dev", email="dev@example.com")


def make_auth(settings: Settings, clock: Callable[[], float] | None = None) -> UserAuth:
    store = SqliteStore(settings.database)
    return UserAuth(settings, store, clock=clock) if clock else UserAuth(settings, store)


def command(user: User = USER) -> CommandEvent:
    return CommandEvent(
        format=EventFormat.LEGACY,
        user=user,
        space=Space("spaces/AAAA", SpaceType.SPACE),
        command_id=4,
        command_name="/invite",
        config_complete_redirect_url="https://chat.google.com/api/bot_config_complete?token=t",
    )


def callback(auth: UserAuth, **query: str) -> tuple[int, str]:
    response = auth.handle_callback(HttpRequest("GET", "/oauth/callback", query=query))
    return response.status, response.body.decode()


def state_of(url: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]


def test_missing_configuration_gives_a_clear_private_reply(
    make_settings: Callable[..., Settings],
) -> None:
    auth = make_auth(make_settings(NUDGE_TOKEN_KEY="", NUDGE_OAUTH_CLIENT_ID=""))
    assert auth.missing_settings() == ["NUDGE_OAUTH_CLIENT_ID", "NUDGE_TOKEN_KEY"]
    answer = auth.authorization_response(AuthorizationRequired([MEMBERSHIPS]), command())
    assert isinstance(answer, Reply)
    assert answer.private
    assert "not set up" in answer.text


def test_never_stores_without_a_key(make_settings: Callable[..., Settings]) -> None:
    auth = make_auth(make_settings(NUDGE_TOKEN_KEY=""))
    with pytest.raises(TokenKeyError, match="NUDGE_TOKEN_KEY is not set"):
        auth._put(USER_NAME, "1//plaintext", {"openid"}, "")
    assert auth.store.get_token(USER_NAME) is None


def test_first_time_is_request_config(make_settings: Callable[..., Settings]) -> None:
    auth = make_auth(make_settings())
    answer = auth.authorization_response(AuthorizationRequired([MEMBERSHIPS]), command())
    assert isinstance(answer, RequestConfig)
    state = auth.signer.verify(state_of(answer.url))
    assert state.user_name == USER_NAME
    assert state.scopes == (MEMBERSHIPS, "openid")
    assert state.redirect_after == command().config_complete_redirect_url


def test_callback_failures_are_400_pages(
    make_settings: Callable[..., Settings], oauth: OAuthServer, clock: FakeClock
) -> None:
    auth = make_auth(make_settings(), clock)
    url = auth.consent_url(USER, [MEMBERSHIPS], redirect_after=None)
    state = state_of(url)
    assert callback(auth)[0] == 400
    assert callback(auth, code="x", state=state[:-3] + "AAA")[0] == 400
    status, page = callback(auth, error="access_denied", state=state)
    assert status == 400
    assert "declined" in page
    # An unknown code: the token endpoint refuses.
    status, page = callback(auth, code="4/forged", state=state)
    assert (status, "did not accept" in page) == (400, True)
    # Expired.
    state = state_of(auth.consent_url(USER, [MEMBERSHIPS], redirect_after=None))
    clock.advance(601)
    status, page = callback(auth, code="4/x", state=state)
    assert (status, "expired" in page) == (400, True)


def test_unreachable_token_endpoint_is_a_400(make_settings: Callable[..., Settings]) -> None:
    auth = make_auth(make_settings(NUDGE_OAUTH_TOKEN_URL="http://127.0.0.1:9/token"))
    state = state_of(auth.consent_url(USER, [MEMBERSHIPS], redirect_after=None))
    assert callback(auth, code="4/x", state=state)[0] == 400


def test_callback_route_never_500s() -> None:
    class Broken:
        def handle_callback(self, request: HttpRequest) -> Any:
            raise RuntimeError("boom")

    app: Any = SimpleNamespace(services=SimpleNamespace(user_auth=Broken()))
    response = oauth_callback(HttpRequest("GET", "/oauth/callback"), app)
    assert response.status == 400
    assert b"boom" not in response.body


def test_success_without_redirect_shows_a_page_and_unsafe_redirects_are_dropped(
    make_settings: Callable[..., Settings], oauth: OAuthServer
) -> None:
    auth = make_auth(make_settings())
    url = auth.consent_url(USER, [MEMBERSHIPS], redirect_after="http://evil.example.com/x")
    assert auth.signer.verify(state_of(url)).redirect_after is None
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(oauth.authorize(url)).query))
    status, page = callback(auth, **query)
    assert (status, "Connected" in page) == (200, True)
    assert safe_redirect("https://chat.google.com/x") == "https://chat.google.com/x"
    assert safe_redirect("javascript:alert(1)") is None


def test_scope_gating_happens_before_any_network_call(
    make_settings: Callable[..., Settings], oauth: OAuthServer
) -> None:
    auth = make_auth(make_settings())
    with pytest.raises(AuthorizationRequired):
        auth.credentials_for(USER_NAME, [MEMBERSHIPS])
    sealed = auth.cipher.seal("1//rt", aad=USER_NAME)
    auth.store.put_token(StoredToken(USER_NAME, sealed, frozenset({"openid"})))
    with pytest.raises(AuthorizationRequired) as info:
        auth.credentials_for(USER_NAME, [MEMBERSHIPS], reason="/invite needs it")
    assert info.value.reason == "/invite needs it"
    assert oauth.requests == []
    credentials = auth.credentials_for(USER_NAME, ["openid"])
    assert credentials.token_uri == oauth.token_url
    assert credentials.refresh_token == "1//rt"


def test_call_refreshes_and_key_rotation_reseals(
    make_settings: Callable[..., Settings], oauth: OAuthServer, token_key: str
) -> None:
    auth = make_auth(make_settings())
    url = auth.consent_url(USER, [MEMBERSHIPS], redirect_after=None)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(oauth.authorize(url)).query))
    assert callback(auth, **query)[0] == 200
    old_kid = TokenCipher.from_setting(token_key).primary_key_id

    new_key = base64.b64encode(os.urandom(32)).decode()
    rotated = make_auth(make_settings(NUDGE_TOKEN_KEY=f"{new_key},{token_key}"))
    record = rotated.store.get_token(USER_NAME)
    assert record is not None
    assert record.sealed_refresh_token.split(".")[1] == old_kid
    token = rotated.call(USER_NAME, [MEMBERSHIPS], lambda c: c.token)
    assert token
    assert token.startswith("ya29.")
    record = rotated.store.get_token(USER_NAME)
    assert record is not None
    assert record.sealed_refresh_token.split(".")[1] == rotated.cipher.primary_key_id != old_kid
    # Once resealed, the old key alone no longer opens it.
    with pytest.raises(AuthorizationRequired):
        make_auth(make_settings()).credentials_for(USER_NAME, [MEMBERSHIPS])
