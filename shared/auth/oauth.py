"""User OAuth inside Chat: consent, the ``/oauth/callback`` route, stored grants, scope gating.

The flow (REFERENCE §4): a handler needs user access and raises
``AuthorizationRequired`` (``credentials_for`` does it for you); the core asks
``authorization_response`` what to answer: ``RequestConfig(consent_url)`` the
first time, or a private card with a *Grant access* button when the user
granted some scopes but the feature needs more. Google sends the browser to
``/oauth/callback``, which checks the signed state, exchanges the code, checks
that the Google account is the Chat user who asked, seals the refresh token
and redirects back to Chat.
"""

from __future__ import annotations

import html
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from shared.auth.crypto import SealError, TokenCipher, TokenKeyError
from shared.auth.endpoints import (
    DEFAULT_TIMEOUT,
    TokenEndpointError,
    UrllibRequest,
    exchange_code,
    revoke_token,
)
from shared.auth.errors import AuthorizationRequired
from shared.auth.state import StateError, StateSigner
from shared.chatapi.errors import Unauthenticated
from shared.config import Settings
from shared.events.models import (
    AddedToSpaceEvent,
    CommandEvent,
    Event,
    MessageEvent,
    User,
)
from shared.http import HttpRequest, HttpResponse
from shared.responses import Reply, RequestConfig, Response
from shared.store.base import Store, StoredToken

if TYPE_CHECKING:
    import google.oauth2.credentials

    from shared.app import ChatApp, Route

log = logging.getLogger(__name__)

T = TypeVar("T")

OPENID_SCOPE = "openid"
CALLBACK_PATH = "/oauth/callback"
#: Credentials kept in memory per process (they hold the current access token).
MAX_CACHED_CREDENTIALS = 1024
_AUTH = "https://www.googleapis.com/auth/"
#: What each scope lets Nudge do, in words for the user.
SCOPE_PURPOSES = {
    OPENID_SCOPE: "confirm which Google account you use",
    _AUTH + "chat.memberships": "add people to spaces for you",
    _AUTH + "chat.memberships.readonly": "see who is in your spaces",
    _AUTH + "chat.memberships.app": "add Nudge to spaces for you",
    _AUTH + "chat.messages": "read and send messages as you",
    _AUTH + "chat.messages.create": "send messages as you",
    _AUTH + "chat.messages.readonly": "read your messages",
    _AUTH + "chat.spaces": "create and change spaces for you",
    _AUTH + "chat.spaces.readonly": "see your spaces",
}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class UserAuthNotConfigured(Exception):
    """User OAuth settings are missing; ``str(exc)`` names them."""


@dataclass(frozen=True, slots=True)
class RevokeResult:
    """What ``UserAuth.revoke`` did: a stored grant existed / Google confirmed revocation."""

    had_token: bool
    revoked: bool


def describe_scopes(scopes: Iterable[str]) -> str:
    """``"add people to spaces for you (chat.memberships)"`` for each scope, joined."""
    parts = []
    for scope in sorted(set(scopes) - {OPENID_SCOPE}):
        short = scope.removeprefix(_AUTH)
        purpose = SCOPE_PURPOSES.get(scope)
        parts.append(f"{purpose} ({short})" if purpose else short)
    return "; ".join(parts) or SCOPE_PURPOSES[OPENID_SCOPE]


def safe_redirect(url: str | None) -> str | None:
    """``url`` if it is https (or http to loopback, for local runs); else ``None``."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return url
    return None


def _grant_is_gone(exc: Exception) -> bool:
    """True for a ``RefreshError`` saying the refresh token is dead (``invalid_grant``)."""
    details = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(details, dict) and details.get("error") == "invalid_grant":
        return True
    return "invalid_grant" in str(exc)


class UserAuth:
    """Users' OAuth grants for Nudge: consent, callback, sealed storage, credentials."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.store = store
        self._clock = clock
        self._timeout = timeout
        self._cipher: TokenCipher | None = None
        self._signer: StateSigner | None = None
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._cache: dict[str, tuple[str, google.oauth2.credentials.Credentials]] = {}

    # --- configuration ------------------------------------------------------------

    def missing_settings(self) -> list[str]:
        """The ``NUDGE_`` settings user OAuth still needs (empty when ready)."""
        s = self.settings
        missing = []
        if not s.oauth_client_id:
            missing.append("NUDGE_OAUTH_CLIENT_ID")
        if not s.oauth_client_secret:
            missing.append("NUDGE_OAUTH_CLIENT_SECRET")
        if not s.token_key:
            missing.append("NUDGE_TOKEN_KEY")
        if not s.endpoint_url:
            missing.append("NUDGE_PUBLIC_URL")
        return missing

    @property
    def cipher(self) -> TokenCipher:
        """The token cipher; raises ``TokenKeyError`` without a usable ``NUDGE_TOKEN_KEY``."""
        if self._cipher is None:
            self._cipher = TokenCipher.from_setting(self.settings.token_key)
        return self._cipher

    @property
    def signer(self) -> StateSigner:
        if self._signer is None:
            keys = self.cipher.derive("oauth-state/v1")
            self._signer = StateSigner(keys, self.store, clock=self._clock)
        return self._signer

    @property
    def redirect_uri(self) -> str:
        base = self.settings.endpoint_url
        if not base:
            raise UserAuthNotConfigured("NUDGE_PUBLIC_URL is not set")
        return base.rstrip("/") + CALLBACK_PATH

    # --- consent ------------------------------------------------------------------

    def consent_url(
        self, user: User, scopes: Sequence[str], *, redirect_after: str | None = None
    ) -> str:
        """Google's consent page asking ``user`` for ``scopes`` (plus ``openid``)."""
        missing = self.missing_settings()
        if missing:
            raise UserAuthNotConfigured("user authorization needs " + ", ".join(missing))
        wanted = list(dict.fromkeys([*scopes, OPENID_SCOPE]))
        state = self.signer.sign(user.name, wanted, safe_redirect(redirect_after))
        query = {
            "response_type": "code",
            "client_id": str(self.settings.oauth_client_id),
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(wanted),
            "access_type": "offline",
            "include_granted_scopes": "true",
            "prompt": "consent",
            "state": state,
        }
        if user.email:
            query["login_hint"] = user.email
        separator = "&" if "?" in self.settings.oauth_auth_url else "?"
        return self.settings.oauth_auth_url + separator + urllib.parse.urlencode(query)

    def authorization_response(self, exc: AuthorizationRequired, event: Event) -> Response:
        """What to answer a handler's ``AuthorizationRequired``: a consent prompt, privately."""
        try:
            url = self.consent_url(
                event.user, exc.scopes, redirect_after=event.config_complete_redirect_url
            )
        except (UserAuthNotConfigured, TokenKeyError) as problem:
            log.error(
                "user authorization is not configured",
                extra={"fields": {"problem": str(problem).splitlines()[0]}},
            )
            return Reply(
                f"This needs your permission, but {self.settings.app_name} is not set up for "
                "user authorization yet. Please ask whoever runs it to configure OAuth.",
                private=True,
            )
        granted = self.granted_scopes(event.user.name)
        first_time = not granted
        if first_time and isinstance(event, MessageEvent | CommandEvent | AddedToSpaceEvent):
            return RequestConfig(url)
        return self._grant_more_card(exc, url, granted)

    def _grant_more_card(
        self, exc: AuthorizationRequired, url: str, granted: frozenset[str]
    ) -> Reply:
        from shared.cards import (
            Button,
            ButtonList,
            Card,
            CardHeader,
            OpenLink,
            Section,
            TextParagraph,
        )
        from shared.text import escape_html

        missing = [s for s in exc.scopes if s not in granted]
        why = describe_scopes(missing)
        text = (
            f"This is switched off for you: {exc.reason}. {self.settings.app_name} needs "
            f"permission to {why}, which you have not granted."
        )
        card = Card(
            card_id="grant-access",
            header=CardHeader(title="More access needed", subtitle=self.settings.app_name),
            sections=[
                Section(
                    [
                        TextParagraph(
                            f"<b>Switched off:</b> {escape_html(exc.reason)}<br>"
                            f"<b>Needs permission to:</b> {escape_html(why)}"
                        ),
                        ButtonList([Button("Grant access", OpenLink(url))]),
                    ]
                )
            ],
        )
        return Reply(text=text, cards=(card,), private=True, fallback_text=text)

    # --- stored grants ------------------------------------------------------------

    def granted_scopes(self, user_name: str) -> frozenset[str]:
        """The scopes ``user_name`` has granted (empty when there is no stored grant)."""
        record = self.store.get_token(user_name)
        return record.scopes if record else frozenset()

    def credentials_for(
        self, user_name: str, scopes: Sequence[str], *, reason: str = ""
    ) -> google.oauth2.credentials.Credentials:
        """Refreshing credentials acting as ``user_name``.

        Raises ``AuthorizationRequired`` when nothing is stored or any of
        ``scopes`` was not granted, before any API call is made.
        """
        record = self.store.get_token(user_name)
        if record is None:
            raise AuthorizationRequired(scopes, reason or "this needs your permission")
        if not set(scopes) <= record.scopes:
            raise AuthorizationRequired(scopes, reason or "this needs more permission")
        with self._lock:
            cached = self._cache.get(user_name)
        if cached is not None and cached[0] == record.sealed_refresh_token:
            return cached[1]
        try:
            refresh_token = self.cipher.open(record.sealed_refresh_token, aad=user_name)
        except (SealError, TokenKeyError) as exc:
            # Not deleted: a misconfigured key must not wipe everyone's grants.
            log.error(
                "cannot open a stored refresh token",
                extra={"fields": {"user": user_name, "problem": str(exc).splitlines()[0]}},
            )
            raise AuthorizationRequired(
                scopes, reason or "your stored permission is unreadable"
            ) from None
        if self.cipher.needs_reseal(record.sealed_refresh_token):
            record = self._put(user_name, refresh_token, record.scopes, record.email)
        credentials = self._build(refresh_token, record.scopes)
        with self._lock:
            if len(self._cache) >= MAX_CACHED_CREDENTIALS:
                self._cache.pop(next(iter(self._cache)))
            self._cache[user_name] = (record.sealed_refresh_token, credentials)
        return credentials

    def _build(
        self, refresh_token: str, scopes: Iterable[str]
    ) -> google.oauth2.credentials.Credentials:
        import google.oauth2.credentials

        return google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=refresh_token,
            token_uri=self.settings.oauth_token_url,
            client_id=self.settings.oauth_client_id,
            client_secret=self.settings.oauth_client_secret,
            scopes=sorted(scopes),
        )

    def call(
        self,
        user_name: str,
        scopes: Sequence[str],
        fn: Callable[[google.oauth2.credentials.Credentials], T],
        *,
        reason: str = "",
    ) -> T:
        """Run ``fn(credentials)`` as ``user_name``; a dead grant becomes ``AuthorizationRequired``.

        The access token is refreshed first (so ``invalid_grant`` is told
        apart from other failures); on ``invalid_grant`` or a 401 from the
        Chat API the stored grant is forgotten and the user is asked again.
        """
        import google.auth.exceptions

        credentials = self.credentials_for(user_name, scopes, reason=reason)
        again = reason or "your earlier permission expired or was revoked"
        try:
            if not credentials.valid:
                with self._refresh_lock:
                    if not credentials.valid:
                        credentials.refresh(UrllibRequest(self._timeout))  # type: ignore[no-untyped-call]
            return fn(credentials)
        except google.auth.exceptions.RefreshError as exc:
            if not _grant_is_gone(exc):
                raise
            self._drop(user_name, "refresh token rejected (invalid_grant)")
            raise AuthorizationRequired(scopes, again) from None
        except Unauthenticated:
            self._drop(user_name, "the API rejected the user's credentials (401)")
            raise AuthorizationRequired(scopes, again) from None

    def forget(self, user_name: str) -> bool:
        """Delete the stored grant without telling Google; True if one existed."""
        with self._lock:
            self._cache.pop(user_name, None)
        return self.store.delete_token(user_name)

    def _drop(self, user_name: str, why: str) -> None:
        self.forget(user_name)
        log.warning("forgot a user's grant", extra={"fields": {"user": user_name, "reason": why}})

    def revoke(self, user_name: str) -> RevokeResult:
        """Revoke the grant at Google and delete it here (deleted even if revocation fails)."""
        record = self.store.get_token(user_name)
        if record is None:
            self.forget(user_name)
            return RevokeResult(had_token=False, revoked=False)
        revoked = False
        try:
            token = self.cipher.open(record.sealed_refresh_token, aad=user_name)
        except (SealError, TokenKeyError):
            token = None
        if token is not None:
            revoked = revoke_token(self.settings.oauth_revoke_url, token, timeout=self._timeout)
        self.forget(user_name)
        log.info(
            "revoked a user's grant",
            extra={"fields": {"user": user_name, "confirmed_by_google": revoked}},
        )
        return RevokeResult(had_token=True, revoked=revoked)

    def _put(
        self, user_name: str, refresh_token: str, scopes: Iterable[str], email: str
    ) -> StoredToken:
        record = StoredToken(
            user_name=user_name,
            sealed_refresh_token=self.cipher.seal(refresh_token, aad=user_name),
            scopes=frozenset(scopes),
            email=email,
            updated_at=self._clock(),
        )
        self.store.put_token(record)
        with self._lock:
            self._cache.pop(user_name, None)
        return record

    # --- the callback -------------------------------------------------------------

    def handle_callback(self, request: HttpRequest) -> HttpResponse:
        """``GET /oauth/callback``: finish consent and send the browser back to Chat."""
        if request.method not in ("GET", "HEAD"):
            return _page(405, "Not here", "This address only receives sign-in redirects.")
        error = request.query.get("error")
        if error:
            log.info("user did not grant access", extra={"fields": {"oauth_error": error[:64]}})
            if error == "access_denied":
                return _page(
                    400,
                    "Access not granted",
                    "You declined, so nothing changed. Features that need your permission stay "
                    "switched off; run the command in Chat again whenever you want to grant it.",
                )
            return _page(400, "Sign-in failed", f"Google reported an error ({error[:64]}).")
        code, state_token = request.query.get("code"), request.query.get("state")
        if not code or not state_token:
            return _page(
                400, "Sign-in failed", "The sign-in response is missing its code or state."
            )
        try:
            state = self.signer.consume(state_token)
        except StateError as exc:
            log.warning("rejected an OAuth state", extra={"fields": {"reason": exc.reason}})
            return _page(400, "Sign-in link not valid", str(exc))
        except TokenKeyError:
            return _page(400, "Not configured", "User authorization is not configured.")
        try:
            grant = exchange_code(
                self.settings.oauth_token_url,
                code=code,
                redirect_uri=self.redirect_uri,
                client_id=str(self.settings.oauth_client_id),
                client_secret=str(self.settings.oauth_client_secret),
                timeout=self._timeout,
            )
        except (TokenEndpointError, UserAuthNotConfigured) as exc:
            log.warning(
                "code exchange failed",
                extra={"fields": {"user": state.user_name, "error": str(exc)[:80]}},
            )
            return _page(
                400, "Sign-in failed", "Google did not accept the sign-in. Start again from Chat."
            )
        expected = state.user_name.removeprefix("users/")
        subject = str(grant.id_claims.get("sub", ""))
        audience = grant.id_claims.get("aud")
        if (
            not subject
            or subject != expected
            or (audience and audience != self.settings.oauth_client_id)
        ):
            log.warning(
                "consenting account is not the Chat user who asked",
                extra={"fields": {"user": state.user_name, "has_id_token": bool(subject)}},
            )
            who = str(grant.id_claims.get("email") or "a different account")
            return _page(
                400,
                "Wrong account",
                f"You signed in as {who}, which is not the account that asked in Chat. "
                "Nothing was saved. Start again from Chat and choose the account you use there.",
            )
        existing = self.store.get_token(state.user_name)
        refresh_token = grant.refresh_token
        scopes = set(grant.scopes)
        if refresh_token is None:
            if existing is None:
                return _page(
                    400,
                    "Sign-in incomplete",
                    "Google did not return a refresh token. Remove the app's access in your "
                    "Google Account (Security > Third-party access) and try again.",
                )
            try:
                refresh_token = self.cipher.open(existing.sealed_refresh_token, aad=state.user_name)
            except SealError:
                return _page(400, "Sign-in incomplete", "Please start again from Chat.")
        if existing is not None:
            scopes |= existing.scopes
        try:
            self._put(state.user_name, refresh_token, scopes, str(grant.id_claims.get("email", "")))
        except TokenKeyError:
            return _page(400, "Not configured", "User authorization is not configured.")
        not_granted = sorted(set(state.scopes) - scopes)
        log.info(
            "stored a user's grant",
            extra={
                "fields": {
                    "user": state.user_name,
                    "scopes": sorted(scopes),
                    "not_granted": not_granted,
                }
            },
        )
        target = safe_redirect(state.redirect_after)
        if target:
            return HttpResponse(
                302,
                b"",
                {"Location": target, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
            )
        return _page(200, "Connected", "You can close this tab and return to Google Chat.")


def _page(status: int, title: str, message: str) -> HttpResponse:
    """A tiny HTML page for the browser; never echoes a code or token."""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        '<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HttpResponse(
        status,
        body.encode(),
        {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


def oauth_callback(request: HttpRequest, app: ChatApp) -> HttpResponse:
    """The ``/oauth/callback`` route (served by the chat_app function)."""
    try:
        user_auth: UserAuth = app.services.user_auth
        return user_auth.handle_callback(request)
    except Exception:
        log.exception("OAuth callback failed unexpectedly")
        return _page(400, "Sign-in failed", "Something went wrong. Start again from Chat.")


def oauth_routes(path: str = CALLBACK_PATH) -> dict[str, Route]:
    """The HTTP routes user OAuth adds to ``ChatApp.routes``."""
    return {path: oauth_callback}
