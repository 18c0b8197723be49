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
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from devkit.loopback import LoopbackServer

DEFAULT_USER_ID = "100000000000000000001"
DEFAULT_EMAIL = "dev@example.com"
ISSUER = "https://accounts.google.com"
ACCESS_TOKEN_SECONDS = 3599
CODE_SECONDS = 300
#: Scopes Google never lets the user untick on the consent screen.
ALWAYS_GRANTED = frozenset({"openid", "email", "profile"})


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned_jwt(claims: Mapping[str, Any]) -> str:
    """``header.payload.`` with ``alg: none``: JWT-shaped, deliberately unsigned."""
    header = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64url(json.dumps(dict(claims)).encode())}."


@dataclass
class _Grant:
    user_id: str
    email: str
    client_id: str
    scopes: frozenset[str]
    refresh_token: str
    revoked: bool = False


@dataclass
class _Code:
    grant: _Grant
    redirect_uri: str
    expires_at: float


@dataclass
class _Access:
    grant: _Grant
    scopes: frozenset[str]
    expires_at: float


@dataclass
class _State:
    user_id: str = DEFAULT_USER_ID
    email: str = DEFAULT_EMAIL
    grant_only: frozenset[str] | None = None
    denied: bool = False
    #: Union of scopes each (user, client) granted so far (include_granted_scopes).
    granted: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    refresh: dict[str, _Grant] = field(default_factory=dict)
    access: dict[str, _Access] = field(default_factory=dict)


class OAuthServer(LoopbackServer):
    """The fake authorization server on ``host:port`` (port 0 picks a free one)."""

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
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.requests: list[tuple[str, str]] = []
        """``(method, path)`` of every request, in order."""
        self.last_authorization: dict[str, str] = {}
        """The query of the latest ``/o/oauth2/v2/auth`` request."""
        super().__init__(host, port)
        self._state = _State(user_id=user_id, email=email)
        self._lock = threading.Lock()

    # --- behaviour ----------------------------------------------------------------

    def set_user(self, user_id: str, email: str = "") -> None:
        """Consent as this Google account (``sub``) from now on."""
        with self._lock:
            self._state.user_id = user_id.removeprefix("users/")
            self._state.email = email or f"{self._state.user_id}@example.com"

    def grant_only(self, scopes: Iterable[str] | None) -> None:
        """Grant only these of the requested scopes (``None``: grant everything asked)."""
        with self._lock:
            self._state.grant_only = None if scopes is None else frozenset(scopes)

    def deny(self, denied: bool = True) -> None:
        """Make the user press *Cancel*: redirect with ``error=access_denied``."""
        with self._lock:
            self._state.denied = denied

    def revoke_all(self) -> None:
        """Revoke every grant, refresh token and access token (the user removed access)."""
        with self._lock:
            for grant in self._state.refresh.values():
                grant.revoked = True
            self._state.access.clear()
            self._state.granted.clear()

    def expire_access_tokens(self) -> None:
        """Make every access token expire now (refresh tokens stay valid)."""
        with self._lock:
            self._state.access.clear()

    def refresh_token_count(self, *, live: bool = True) -> int:
        """How many refresh tokens were issued (only unrevoked ones with ``live``)."""
        with self._lock:
            return sum(1 for g in self._state.refresh.values() if not (live and g.revoked))

    # --- lifecycle ----------------------------------------------------------------

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

    # --- endpoint logic (called by the handler) ---------------------------------------

    def _authorize(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            self.last_authorization = dict(query)
            redirect_uri = query.get("redirect_uri", "")
            if query.get("response_type") != "code" or not redirect_uri:
                return 400, {}, {"error": "invalid_request"}
            client_id = query.get("client_id", "")
            if self.client_id and client_id != self.client_id:
                return 401, {}, {"error": "invalid_client"}
            back: dict[str, str] = {}
            if "state" in query:
                back["state"] = query["state"]
            st = self._state
            if st.denied:
                return 302, {"error": "access_denied", **back}, {"redirect": redirect_uri}
            requested = frozenset(query.get("scope", "").split())
            allowed = (
                requested if st.grant_only is None else requested & (st.grant_only | ALWAYS_GRANTED)
            )
            key = (st.user_id, client_id)
            if query.get("include_granted_scopes") == "true":
                allowed |= st.granted.get(key, frozenset())
            st.granted[key] = st.granted.get(key, frozenset()) | allowed
            grant = _Grant(
                st.user_id, st.email, client_id, allowed, "1//fake-" + secrets.token_urlsafe(24)
            )
            code = "4/fake-" + secrets.token_urlsafe(24)
            st.codes[code] = _Code(grant, redirect_uri, time.time() + CODE_SECONDS)
            params = {"code": code, "scope": " ".join(sorted(allowed)), **back}
            return 302, params, {"redirect": redirect_uri}

    def _check_client(self, form: Mapping[str, str]) -> dict[str, Any] | None:
        if self.client_id and form.get("client_id") != self.client_id:
            return {
                "error": "invalid_client",
                "error_description": "The OAuth client was not found.",
            }
        if self.client_secret and form.get("client_secret") != self.client_secret:
            return {"error": "invalid_client", "error_description": "Unauthorized"}
        return None

    def _issue_access(self, grant: _Grant, scopes: frozenset[str]) -> dict[str, Any]:
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        self._state.access[token] = _Access(grant, scopes, time.time() + ACCESS_TOKEN_SECONDS)
        return {
            "access_token": token,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }

    def _token(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            bad_client = self._check_client(form)
            if bad_client:
                return 401, bad_client
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                entry = self._state.codes.pop(form.get("code", ""), None)
                if entry is None or entry.expires_at < time.time():
                    return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
                if form.get("redirect_uri") != entry.redirect_uri:
                    return 400, {
                        "error": "redirect_uri_mismatch",
                        "error_description": "Bad Request",
                    }
                grant = entry.grant
                self._state.refresh[grant.refresh_token] = grant
                body = self._issue_access(grant, grant.scopes)
                body["refresh_token"] = grant.refresh_token
                if "openid" in grant.scopes:
                    now = int(time.time())
                    body["id_token"] = unsigned_jwt(
                        {
                            "iss": ISSUER,
                            "aud": grant.client_id,
                            "azp": grant.client_id,
                            "sub": grant.user_id,
                            "email": grant.email,
                            "email_verified": True,
                            "iat": now,
                            "exp": now + ACCESS_TOKEN_SECONDS,
                        }
                    )
                return 200, body
            if grant_type == "refresh_token":
                grant_or_none = self._state.refresh.get(form.get("refresh_token", ""))
                if grant_or_none is None or grant_or_none.revoked:
                    return 400, {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    }
                grant = grant_or_none
                asked = frozenset(form.get("scope", "").split()) or grant.scopes
                if not asked <= grant.scopes:
                    return 400, {"error": "invalid_scope", "error_description": "Bad Request"}
                return 200, self._issue_access(grant, asked)
            return 400, {"error": "unsupported_grant_type"}

    def _revoke(self, token: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            grant = self._state.refresh.get(token)
            access = self._state.access.get(token)
            if grant is None and access is not None:
                grant = access.grant
            if grant is None or grant.revoked:
                return 400, {
                    "error": "invalid_token",
                    "error_description": "Token expired or revoked",
                }
            # Google revokes the whole grant: every token of this user and client.
            for other in self._state.refresh.values():
                if (other.user_id, other.client_id) == (grant.user_id, grant.client_id):
                    other.revoked = True
            for key in [k for k, a in self._state.access.items() if a.grant.revoked]:
                del self._state.access[key]
            self._state.granted.pop((grant.user_id, grant.client_id), None)
            return 200, {}

    def _tokeninfo(self, token: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            access = self._state.access.get(token)
            if access is None or access.expires_at < time.time() or access.grant.revoked:
                return 400, {"error": "invalid_token", "error_description": "Invalid Value"}
            return 200, {
                "sub": access.grant.user_id,
                "email": access.grant.email,
                "scope": " ".join(sorted(access.scopes)),
                "aud": access.grant.client_id,
                "azp": access.grant.client_id,
                "expires_in": str(int(access.expires_at - time.time())),
            }


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
            status, params, extra = owner._authorize(self._query())
            if status == 302:
                target = extra["redirect"]
                sep = "&" if "?" in target else "?"
                self._send(302, b"", {"Location": target + sep + urllib.parse.urlencode(params)})
            else:
                self._json(status, extra)
        elif path == "/tokeninfo":
            self._json(*owner._tokeninfo(self._query().get("access_token", "")))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

    def do_POST(self) -> None:
        owner = self.owner
        path = urllib.parse.urlsplit(self.path).path
        owner.requests.append(("POST", path))
        form = self._form()
        if path == "/token":
            self._json(*owner._token(form))
        elif path == "/revoke":
            self._json(*owner._revoke(form.get("token", "")))
        elif path == "/tokeninfo":
            self._json(*owner._tokeninfo(form.get("access_token", "")))
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
