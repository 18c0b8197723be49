"""User auth pieces: configuration errors, callback failures (never 500), scope gating, rotation."""

from __future__ import annotations

import base64
import logging
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from devkit.oauth_server import OAuthServer
from shared.auth.consent import Consent
from shared.auth.errors import AuthorizationRequired
from shared.auth.grants import UserGrants
from shared.chat.events.models import CommandEvent, Event, EventFormat, Space, SpaceType, User
from shared.chat.responses import Reply, RequestConfig, Response
from shared.config import Settings
from shared.core.context import Context
from shared.core.router import Router
from shared.features.account.callback import oauth_callback
from shared.features.account.prompts import ask_for_access
from shared.google.urls import chat_redirect
from shared.http import HttpRequest
from shared.services import Lazy, Services
from shared.store.tokens import StoredToken, TokenStore
from shared.util.crypto import TokenCipher, TokenKeyError
from shared.wiring import build_services

from .conftest import MEMBERSHIPS, USER_NAME, FakeClock

USER = User(name=USER_NAME, display_name="Dev", email="dev@example.com")


@dataclass
class Auth:
    """User auth as the app wires it: grants, consent, the prompt and the callback page."""

    settings: Settings
    services: Services

    @property
    def grants(self) -> UserGrants:
        return self.services.grants()

    @property
    def consent(self) -> Consent:
        return self.services.consent()

    @property
    def tokens(self) -> TokenStore:
        return self.services.tokens()

    def prompt(self, exc: AuthorizationRequired, event: Event) -> Response:
        ctx = Context(self.settings, "test", Router(), self.services, logging.getLogger("t"))
        return ask_for_access(exc, event, ctx)

    def consent_url(self, user: User, scopes: list[str], redirect_after: str | None) -> str:
        return self.consent.url(user.name, scopes, email=user.email, redirect_after=redirect_after)


def make_auth(settings: Settings, clock: Callable[[], float] | None = None) -> Auth:
    services = build_services(settings, **({"clock": clock} if clock else {}))
    return Auth(settings, services)


def command(user: User = USER) -> CommandEvent:
    return CommandEvent(
        format=EventFormat.LEGACY,
        user=user,
        space=Space("spaces/AAAA", SpaceType.SPACE),
        command_id=4,
        command_name="/invite",
        config_complete_redirect_url="https://chat.google.com/api/bot_config_complete?token=t",
    )


def callback(auth: Auth, **query: str) -> tuple[int, str]:
    response = oauth_callback(
        HttpRequest("GET", "/oauth/callback", query=query), route_context(auth.services)
    )
    return response.status, response.body.decode()


def route_context(services: Services) -> Context:
    return Context(services.settings, "test", Router(), services, logging.getLogger("t"))


def state_of(url: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]


def test_missing_configuration_gives_a_clear_private_reply(
    make_settings: Callable[..., Settings],
) -> None:
    auth = make_auth(make_settings(NUDGE_TOKEN_KEY="", NUDGE_OAUTH_CLIENT_ID=""))
    assert auth.consent.missing_settings() == ["NUDGE_OAUTH_CLIENT_ID", "NUDGE_TOKEN_KEY"]
    answer = auth.prompt(AuthorizationRequired([MEMBERSHIPS]), command())
    assert isinstance(answer, Reply)
    assert answer.private
    assert "not set up" in answer.text


def test_never_stores_without_a_key(make_settings: Callable[..., Settings]) -> None:
    auth = make_auth(make_settings(NUDGE_TOKEN_KEY=""))
    with pytest.raises(TokenKeyError, match="NUDGE_TOKEN_KEY is not set"):
        auth.grants.save(USER_NAME, "1//plaintext", {"openid"}, "")
    assert auth.tokens.get_token(USER_NAME) is None


def test_first_time_is_request_config(make_settings: Callable[..., Settings]) -> None:
    auth = make_auth(make_settings())
    answer = auth.prompt(AuthorizationRequired([MEMBERSHIPS]), command())
    assert isinstance(answer, RequestConfig)
    state = auth.consent.signer.verify(state_of(answer.url))
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


def test_callback_route_never_500s(make_settings: Callable[..., Settings]) -> None:
    class Broken:
        def complete(self, query: Any) -> Any:
            raise RuntimeError("boom")

    services = replace(build_services(make_settings()), consent=Lazy.of(Broken()))  # type: ignore[arg-type]
    response = oauth_callback(HttpRequest("GET", "/oauth/callback"), route_context(services))
    assert response.status == 400
    assert b"boom" not in response.body


def test_success_without_redirect_shows_a_page_and_unsafe_redirects_are_dropped(
    make_settings: Callable[..., Settings], oauth: OAuthServer
) -> None:
    auth = make_auth(make_settings())
    url = auth.consent_url(USER, [MEMBERSHIPS], redirect_after="http://evil.example.com/x")
    assert auth.consent.signer.verify(state_of(url)).redirect_after is None
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(oauth.authorize(url)).query))
    status, page = callback(auth, **query)
    assert (status, "Connected" in page) == (200, True)
    assert chat_redirect("https://chat.google.com/x") == "https://chat.google.com/x"
    assert chat_redirect("javascript:alert(1)") is None


def test_redirects_go_only_to_chat_hosts_or_loopback() -> None:
    for url in (
        "https://evil.example.com/x",
        "https://chat.google.com.evil.example/x",
        "https://user@evil.example/?chat.google.com",
        "http://chat.google.com/x",
        "//chat.google.com/x",
        "https:///x",
    ):
        assert chat_redirect(url) is None, url
    assert chat_redirect("https://mail.google.com/chat/x") == "https://mail.google.com/chat/x"
    assert chat_redirect("http://127.0.0.1:8080/done") == "http://127.0.0.1:8080/done"
    # On Cloud Functions only Chat's own hosts: a loopback page exists only locally.
    assert chat_redirect("http://127.0.0.1:8080/done", allow_loopback=False) is None
    assert chat_redirect("https://chat.google.com/x", allow_loopback=False) is not None


def test_scope_gating_happens_before_any_network_call(
    make_settings: Callable[..., Settings], oauth: OAuthServer
) -> None:
    auth = make_auth(make_settings())
    with pytest.raises(AuthorizationRequired):
        auth.grants.credentials_for(USER_NAME, [MEMBERSHIPS])
    sealed = auth.grants.cipher.seal("1//rt", aad=USER_NAME)
    auth.tokens.put_token(StoredToken(USER_NAME, sealed, frozenset({"openid"})))
    with pytest.raises(AuthorizationRequired) as info:
        auth.grants.credentials_for(USER_NAME, [MEMBERSHIPS], reason="/invite needs it")
    assert info.value.reason == "/invite needs it"
    assert oauth.requests == []
    credentials = auth.grants.credentials_for(USER_NAME, ["openid"])
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
    record = rotated.tokens.get_token(USER_NAME)
    assert record is not None
    assert record.sealed_refresh_token.split(".")[1] == old_kid
    token = rotated.grants.call(USER_NAME, [MEMBERSHIPS], lambda c: c.token)
    assert token
    assert token.startswith("ya29.")
    record = rotated.tokens.get_token(USER_NAME)
    assert record is not None
    assert record.sealed_refresh_token.split(".")[1] == rotated.grants.cipher.primary_key_id
    assert record.sealed_refresh_token.split(".")[1] != old_kid
    # Once resealed, the old key alone no longer opens it.
    with pytest.raises(AuthorizationRequired):
        make_auth(make_settings()).grants.credentials_for(USER_NAME, [MEMBERSHIPS])
