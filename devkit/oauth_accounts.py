"""The fake Google accounts behind ``OAuthServer``: consent, codes, tokens and revocation.

No HTTP here: ``FakeAccounts`` answers each endpoint as data (status and JSON), so
``devkit.oauth_server`` only has to speak HTTP. Thread-safe.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


class FakeAccounts:
    """Who consents and what they grant; every token issued, refreshed and revoked.

    With ``follow_login_hint``, the consent request's ``login_hint`` (a user ID, or the
    email of someone in ``directory``) picks the account, as choosing it on Google's
    account chooser would; otherwise the configured user consents.
    """

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        email: str = DEFAULT_EMAIL,
        follow_login_hint: bool = False,
        directory: Mapping[str, str] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.follow_login_hint = follow_login_hint
        #: ``{user ID: email}`` of the accounts a ``login_hint`` may pick.
        self.directory = dict(directory or {})
        self.last_authorization: dict[str, str] = {}
        """The query of the latest ``/o/oauth2/v2/auth`` request."""
        self.state = _State(user_id=user_id, email=email)
        self._lock = threading.Lock()

    def set_user(self, user_id: str, email: str = "") -> None:
        """Consent as this Google account (``sub``) from now on."""
        with self._lock:
            self.state.user_id = user_id.removeprefix("users/")
            self.state.email = email or f"{self.state.user_id}@example.com"
            self.directory[self.state.user_id] = self.state.email

    def grant_only(self, scopes: Iterable[str] | None) -> None:
        """Grant only these of the requested scopes (``None``: grant everything asked)."""
        with self._lock:
            self.state.grant_only = None if scopes is None else frozenset(scopes)

    def deny(self, denied: bool = True) -> None:
        """Make the user press *Cancel*: redirect with ``error=access_denied``."""
        with self._lock:
            self.state.denied = denied

    def revoke_all(self) -> None:
        """Revoke every grant, refresh token and access token (the user removed access)."""
        with self._lock:
            for grant in self.state.refresh.values():
                grant.revoked = True
            self.state.access.clear()
            self.state.granted.clear()

    def expire_access_tokens(self) -> None:
        """Make every access token expire now (refresh tokens stay valid)."""
        with self._lock:
            self.state.access.clear()

    def refresh_token_count(self, *, live: bool = True) -> int:
        """How many refresh tokens were issued (only unrevoked ones with ``live``)."""
        with self._lock:
            return sum(1 for g in self.state.refresh.values() if not (live and g.revoked))

    def _account(self, hint: str) -> tuple[str, str]:
        """``(user ID, email)`` that consents: the hinted one when hints are followed."""
        st = self.state
        if self.follow_login_hint and hint:
            if hint.isdigit():
                return hint, self.directory.get(hint, f"{hint}@example.com")
            for user_id, email in self.directory.items():
                if email.lower() == hint.lower():
                    return user_id, email
        return st.user_id, st.email

    def authorize(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """``GET /o/oauth2/v2/auth``: 302 params and target, or an error status and body."""
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
            st = self.state
            user_id, email = self._account(query.get("login_hint", ""))
            if st.denied:
                return 302, {"error": "access_denied", **back}, {"redirect": redirect_uri}
            requested = frozenset(query.get("scope", "").split())
            allowed = (
                requested if st.grant_only is None else requested & (st.grant_only | ALWAYS_GRANTED)
            )
            key = (user_id, client_id)
            if query.get("include_granted_scopes") == "true":
                allowed |= st.granted.get(key, frozenset())
            st.granted[key] = st.granted.get(key, frozenset()) | allowed
            grant = _Grant(
                user_id, email, client_id, allowed, "1//fake-" + secrets.token_urlsafe(24)
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
        self.state.access[token] = _Access(grant, scopes, time.time() + ACCESS_TOKEN_SECONDS)
        return {
            "access_token": token,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }

    def token(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """``POST /token``: the ``authorization_code`` and ``refresh_token`` grants."""
        with self._lock:
            bad_client = self._check_client(form)
            if bad_client:
                return 401, bad_client
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                entry = self.state.codes.pop(form.get("code", ""), None)
                if entry is None or entry.expires_at < time.time():
                    return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
                if form.get("redirect_uri") != entry.redirect_uri:
                    return 400, {
                        "error": "redirect_uri_mismatch",
                        "error_description": "Bad Request",
                    }
                grant = entry.grant
                self.state.refresh[grant.refresh_token] = grant
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
                grant_or_none = self.state.refresh.get(form.get("refresh_token", ""))
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

    def revoke(self, token: str) -> tuple[int, dict[str, Any]]:
        """``POST /revoke``: revokes the whole grant behind a refresh or access token."""
        with self._lock:
            grant = self.state.refresh.get(token)
            access = self.state.access.get(token)
            if grant is None and access is not None:
                grant = access.grant
            if grant is None or grant.revoked:
                return 400, {
                    "error": "invalid_token",
                    "error_description": "Token expired or revoked",
                }
            # Google revokes the whole grant: every token of this user and client.
            for other in self.state.refresh.values():
                if (other.user_id, other.client_id) == (grant.user_id, grant.client_id):
                    other.revoked = True
            for key in [k for k, a in self.state.access.items() if a.grant.revoked]:
                del self.state.access[key]
            self.state.granted.pop((grant.user_id, grant.client_id), None)
            return 200, {}

    def tokeninfo(self, token: str) -> tuple[int, dict[str, Any]]:
        """``/tokeninfo``: what an access token is for, or 400."""
        with self._lock:
            access = self.state.access.get(token)
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
