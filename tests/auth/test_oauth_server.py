"""The fake Google OAuth server behaves like the real endpoints in the ways Nudge relies on."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from devkit.oauth_server import OAuthServer
from shared.auth.endpoints import TokenEndpointError, exchange_code, post_form

from .conftest import CLIENT_ID, CLIENT_SECRET, MEMBERSHIPS

REDIRECT = "http://127.0.0.1:9/oauth/callback"


def consent(oauth: OAuthServer, scopes: str, **extra: str) -> dict[str, str]:
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": scopes,
        "state": "s1",
        **extra,
    }
    location = oauth.authorize(oauth.auth_url + "?" + urllib.parse.urlencode(query))
    assert location.startswith(REDIRECT + "?")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def tokeninfo(oauth: OAuthServer, token: str) -> tuple[int, dict[str, Any]]:
    url = oauth.tokeninfo_url + "?" + urllib.parse.urlencode({"access_token": token})
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_code_refresh_tokeninfo_revoke(oauth: OAuthServer) -> None:
    oauth.set_user("42", "ada@example.com")
    back = consent(oauth, f"{MEMBERSHIPS} openid")
    assert back["state"] == "s1"
    grant = exchange_code(
        oauth.token_url,
        code=back["code"],
        redirect_uri=REDIRECT,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    assert grant.scopes == {MEMBERSHIPS, "openid"}
    assert grant.id_claims["sub"] == "42"
    assert grant.id_claims["email"] == "ada@example.com"
    assert grant.id_claims["aud"] == CLIENT_ID
    assert grant.refresh_token
    status, info = tokeninfo(oauth, grant.access_token)
    assert (status, info["sub"], info["scope"]) == (200, "42", f"{MEMBERSHIPS} openid")

    fields = {
        "grant_type": "refresh_token",
        "refresh_token": grant.refresh_token,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    status, body = post_form(oauth.token_url, fields)
    assert status == 200
    assert body["access_token"] != grant.access_token

    assert post_form(oauth.revoke_url, {"token": grant.refresh_token})[0] == 200
    assert post_form(oauth.token_url, fields) == (
        400,
        {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    assert tokeninfo(oauth, body["access_token"])[0] == 400


def test_codes_are_single_use_and_bound_to_redirect_uri(oauth: OAuthServer) -> None:
    code = consent(oauth, "openid")["code"]
    common = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert post_form(
        oauth.token_url,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://x", **common},
    ) == (400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"})
    code = consent(oauth, "openid")["code"]
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **common}
    assert post_form(oauth.token_url, fields)[0] == 200
    assert post_form(oauth.token_url, fields)[1]["error"] == "invalid_grant"


def test_grant_only_deny_and_include_granted_scopes(oauth: OAuthServer) -> None:
    oauth.grant_only({"openid"})
    assert consent(oauth, f"{MEMBERSHIPS} openid")["scope"] == "openid"
    oauth.grant_only(None)
    extra = "https://www.googleapis.com/auth/chat.spaces"
    back = consent(oauth, extra, include_granted_scopes="true")
    assert set(back["scope"].split()) == {"openid", extra}
    oauth.deny()
    assert consent(oauth, "openid") == {"error": "access_denied", "state": "s1"}


def test_wrong_client_secret_is_refused(oauth: OAuthServer) -> None:
    code = consent(oauth, "openid")["code"]
    with pytest.raises(TokenEndpointError, match="invalid_client"):
        exchange_code(
            oauth.token_url,
            code=code,
            redirect_uri=REDIRECT,
            client_id=CLIENT_ID,
            client_secret="x",
        )
