"""A loopback fake of Google's OAuth 2.0 endpoints, for tests and local runs.

    with OAuthServer(client_id="cid", client_secret="secret") as google:
        google.set_user("100000000000000000001", "dev@example.com")
        location = google.authorize(consent_url)   # the "browser": returns the redirect

Endpoints (``settings.oauth_*_url`` point here):

* ``GET /o/oauth2/v2/auth``: consents at once as the configured user and
  302s to ``redirect_uri`` with ``code`` and ``state`` (or ``error=access_denied``
  after ``deny()``; only some scopes after ``grant_only(...)``).
* ``POST /token``: ``authorization_code`` and ``refresh_token`` grants; an
  unsigned JWT-shaped ``id_token``; ``{"error": "invalid_grant"}`` for unknown
  or revoked refresh tokens.
* ``POST /revoke``: revokes a refresh or access token.
* ``GET /tokeninfo?access_token=``: ``{sub, email, scope, aud, expires_in}``,
  400 for unknown tokens (the Chat API emulator introspects user tokens here).
* ``GET /chat/config-complete``: the page Chat's ``configCompleteRedirectUrl``
  leads to after consent ("you can return to the chat"), for local events.

This module speaks HTTP; the accounts, grants and tokens are ``devkit.oauth_accounts``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from devkit.loopback import LoopbackServer
from devkit.oauth_accounts import (
    ACCESS_TOKEN_SECONDS,
    ALWAYS_GRANTED,
    CODE_SECONDS,
    DEFAULT_EMAIL,
    DEFAULT_USER_ID,
    ISSUER,
    FakeAccounts,
    unsigned_jwt,
)

__all__ = [
    "ACCESS_TOKEN_SECONDS",
    "ALWAYS_GRANTED",
    "CODE_SECONDS",
    "CONFIG_COMPLETE_PATH",
    "DEFAULT_EMAIL",
    "DEFAULT_USER_ID",
    "ISSUER",
    "FakeAccounts",
    "OAuthServer",
    "follow_once",
    "unsigned_jwt",
]

#: Where Chat sends the browser once a configuration (consent) flow is complete.
CONFIG_COMPLETE_PATH = "/chat/config-complete"
_CONFIG_COMPLETE_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Configuration complete</title>"
    b'<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
    b"<h1>Configuration complete</h1><p>You can return to the chat (the terminal or the "
    b"web simulator) and run the command again.</p></body></html>"
)


class OAuthServer(LoopbackServer):
    """The fake authorization server on ``host:port`` (port 0 picks a free one).

    Behaviour (who consents, what is granted) lives in ``accounts``; the methods
    below that change it are kept here for callers.
    """

    thread_name = "nudge-oauth-server"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str | None = None,
        client_secret: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        email: str = DEFAULT_EMAIL,
        follow_login_hint: bool = False,
        directory: Mapping[str, str] | None = None,
    ) -> None:
        self.requests: list[tuple[str, str]] = []
        """``(method, path)`` of every request, in order."""
        super().__init__(host, port)
        self.accounts = FakeAccounts(
            client_id=client_id,
            client_secret=client_secret,
            user_id=user_id,
            email=email,
            follow_login_hint=follow_login_hint,
            directory=directory,
        )
        self._state = self.accounts.state

    # --- behaviour ----------------------------------------------------------------

    @property
    def client_id(self) -> str | None:
        return self.accounts.client_id

    @property
    def client_secret(self) -> str | None:
        return self.accounts.client_secret

    @property
    def last_authorization(self) -> dict[str, str]:
        """The query of the latest ``/o/oauth2/v2/auth`` request."""
        return self.accounts.last_authorization

    def set_user(self, user_id: str, email: str = "") -> None:
        """Consent as this Google account (``sub``) from now on."""
        self.accounts.set_user(user_id, email)

    def grant_only(self, scopes: Iterable[str] | None) -> None:
        """Grant only these of the requested scopes (``None``: grant everything asked)."""
        self.accounts.grant_only(scopes)

    def deny(self, denied: bool = True) -> None:
        """Make the user press *Cancel*: redirect with ``error=access_denied``."""
        self.accounts.deny(denied)

    def revoke_all(self) -> None:
        """Revoke every grant, refresh token and access token (the user removed access)."""
        self.accounts.revoke_all()

    def expire_access_tokens(self) -> None:
        """Make every access token expire now (refresh tokens stay valid)."""
        self.accounts.expire_access_tokens()

    def refresh_token_count(self, *, live: bool = True) -> int:
        """How many refresh tokens were issued (only unrevoked ones with ``live``)."""
        return self.accounts.refresh_token_count(live=live)

    # --- lifecycle ----------------------------------------------------------------

    def _make_server(self) -> HTTPServer:
        try:
            return super()._make_server()
        except OSError as exc:  # name the port: "Address already in use" alone says little
            raise OSError(
                exc.errno,
                f"the OAuth server cannot listen on {self._host}:{self._port}: "
                f"{exc.strerror or exc}",
            ) from None

    @property
    def auth_url(self) -> str:
        return self.url + "/o/oauth2/v2/auth"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def revoke_url(self) -> str:
        return self.url + "/revoke"

    @property
    def tokeninfo_url(self) -> str:
        return self.url + "/tokeninfo"

    @property
    def config_complete_url(self) -> str:
        """The "configuration complete" page, for ``configCompleteRedirectUrl``."""
        return self.url + CONFIG_COMPLETE_PATH

    def settings_env(self) -> dict[str, str]:
        """``NUDGE_OAUTH_*`` variables pointing at this server."""
        env = {
            "NUDGE_OAUTH_AUTH_URL": self.auth_url,
            "NUDGE_OAUTH_TOKEN_URL": self.token_url,
            "NUDGE_OAUTH_REVOKE_URL": self.revoke_url,
        }
        if self.client_id:
            env["NUDGE_OAUTH_CLIENT_ID"] = self.client_id
        if self.client_secret:
            env["NUDGE_OAUTH_CLIENT_SECRET"] = self.client_secret
        return env

    # --- the "browser" --------------------------------------------------------------

    def authorize(self, consent_url: str, *, timeout: float = 5.0) -> str:
        """Open ``consent_url`` like a browser would and return the redirect ``Location``."""
        if not consent_url.startswith(self.url + "/"):
            raise ValueError("consent_url does not point at this server")
        return follow_once(consent_url, timeout=timeout)[1]

    def issue_refresh_token(self, scopes: Iterable[str], *, user: str | None = None) -> str:
        """Consent to ``scopes`` (as ``users/{id}`` ``user``, else the current account) and
        exchange the code at ``/token``, as an app's OAuth callback would: the refresh token.
        """
        if user is not None:
            self.set_user(user.removeprefix("users/"))
        redirect = "http://127.0.0.1:9/oauth/callback"
        client = {"client_id": self.client_id or "", "redirect_uri": redirect}
        query = urllib.parse.urlencode(
            {**client, "response_type": "code", "scope": " ".join(scopes), "access_type": "offline"}
        )
        location = self.authorize(f"{self.auth_url}?{query}")
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
        form = {
            **client,
            "grant_type": "authorization_code",
            "code": code,
            "client_secret": self.client_secret or "",
        }
        data = urllib.parse.urlencode(form).encode()
        # This server's own loopback URL.
        with urllib.request.urlopen(self.token_url, data=data, timeout=5) as response:  # noqa: S310
            token: str = json.loads(response.read())["refresh_token"]
        return token


def follow_once(url: str, *, timeout: float = 5.0) -> tuple[int, str]:
    """GET ``url`` (loopback only) without following redirects: ``(status, Location)``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("follow_once only fetches loopback http URLs")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


class _Handler(BaseHTTPRequestHandler):
    owner: OAuthServer
    server_version = "nudge-fake-oauth/1"

    def _query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))

    def _form(self) -> dict[str, str]:
        length = min(int(self.headers.get("Content-Length") or 0), 100_000)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        return {**self._query(), **dict(urllib.parse.parse_qsl(raw))}

    def do_GET(self) -> None:
        owner = self.owner
        path = urllib.parse.urlsplit(self.path).path
        owner.requests.append(("GET", path))
        if path == "/o/oauth2/v2/auth":
            status, params, extra = owner.accounts.authorize(self._query())
            if status == 302:
                target = extra["redirect"]
                sep = "&" if "?" in target else "?"
                self._send(302, b"", {"Location": target + sep + urllib.parse.urlencode(params)})
            else:
                self._json(status, extra)
        elif path == "/tokeninfo":
            self._json(*owner.accounts.tokeninfo(self._query().get("access_token", "")))
        elif path == CONFIG_COMPLETE_PATH:
            headers = {
                "Content-Type": "text/html; charset=utf-8",
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            }
            self._send(200, _CONFIG_COMPLETE_PAGE, headers)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

    def do_POST(self) -> None:
        owner = self.owner
        path = urllib.parse.urlsplit(self.path).path
        owner.requests.append(("POST", path))
        form = self._form()
        if path == "/token":
            self._json(*owner.accounts.token(form))
        elif path == "/revoke":
            self._json(*owner.accounts.revoke(form.get("token", "")))
        elif path == "/tokeninfo":
            self._json(*owner.accounts.tokeninfo(form.get("access_token", "")))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

    def _json(self, status: int, body: Mapping[str, Any]) -> None:
        self._send(
            status,
            json.dumps(body).encode(),
            {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"},
        )

    def _send(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests don't want access logs on stderr."""


OAuthServer.handler = _Handler
