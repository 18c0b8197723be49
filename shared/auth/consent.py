"""The OAuth web-server flow: the consent URL out, and the callback's code and state back in.

``Consent.url`` builds Google's consent page address with a signed,
expiring, single-use ``state`` bound to the Chat user. ``Consent.complete``
checks that state, exchanges the code, checks that the Google account that
consented is the Chat user who asked, and stores the grant. It returns data
or raises ``ConsentFailed`` with a reason code; the pages people see belong
to the account feature.
"""

from __future__ import annotations

import logging
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from shared.auth.endpoints import TokenEndpointError, exchange_code
from shared.auth.grants import UserGrants
from shared.auth.state import StateError, StateSigner
from shared.config import Settings
from shared.google.transport import DEFAULT_TIMEOUT
from shared.google.urls import chat_redirect
from shared.store.nonces import NonceStore
from shared.util.crypto import SealError, TokenKeyError

log = logging.getLogger(__name__)

OPENID_SCOPE = "openid"
CALLBACK_PATH = "/oauth/callback"


class ConsentNotConfigured(Exception):
    """User OAuth settings are missing; ``str(exc)`` names them."""


class ConsentFailed(Exception):
    """The callback cannot finish. ``reason`` is a code for the page to show:

    ``denied`` (the person declined), ``provider_error``, ``incomplete_response``,
    ``state_malformed``/``state_signature``/``state_expired``/``state_replayed``,
    ``not_configured``, ``exchange_failed``, ``wrong_account``,
    ``no_refresh_token``, ``unreadable_grant``. ``detail`` is safe to show.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ConsentResult:
    """A finished consent: who, what they granted, what they did not, where to go next."""

    user_name: str
    scopes: frozenset[str]
    not_granted: tuple[str, ...]
    redirect: str | None


class Consent:
    """Starts and finishes consent for ``settings``' OAuth client."""

    def __init__(
        self,
        settings: Settings,
        grants: UserGrants,
        nonces: NonceStore,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.grants = grants
        self._nonces = nonces
        self._clock = clock
        self._timeout = timeout
        self._signer: StateSigner | None = None

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
    def signer(self) -> StateSigner:
        if self._signer is None:
            keys = self.grants.cipher.derive("oauth-state/v1")
            self._signer = StateSigner(keys, self._nonces, clock=self._clock)
        return self._signer

    @property
    def redirect_uri(self) -> str:
        base = self.settings.endpoint_url
        if not base:
            raise ConsentNotConfigured("NUDGE_PUBLIC_URL is not set")
        return base.rstrip("/") + CALLBACK_PATH

    def url(
        self,
        user_name: str,
        scopes: Sequence[str],
        *,
        email: str = "",
        redirect_after: str | None = None,
    ) -> str:
        """Google's consent page asking ``user_name`` for ``scopes`` (plus ``openid``).

        Raises ``ConsentNotConfigured`` or ``TokenKeyError`` when user OAuth is not set up.
        """
        missing = self.missing_settings()
        if missing:
            raise ConsentNotConfigured("user authorization needs " + ", ".join(missing))
        wanted = list(dict.fromkeys([*scopes, OPENID_SCOPE]))
        local = not self.settings.on_cloud_functions
        state = self.signer.sign(
            user_name, wanted, chat_redirect(redirect_after, allow_loopback=local)
        )
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
        if email:
            query["login_hint"] = email
        separator = "&" if "?" in self.settings.oauth_auth_url else "?"
        return self.settings.oauth_auth_url + separator + urllib.parse.urlencode(query)

    def complete(self, query: Mapping[str, str]) -> ConsentResult:
        """Finish consent from the callback's query; raises ``ConsentFailed``."""
        error = query.get("error")
        if error:
            log.info("user did not grant access", extra={"fields": {"oauth_error": error[:64]}})
            raise ConsentFailed("denied" if error == "access_denied" else "provider_error", error)
        code, token = query.get("code"), query.get("state")
        if not code or not token:
            raise ConsentFailed("incomplete_response")
        try:
            state = self.signer.consume(token)
        except StateError as exc:
            log.warning("rejected an OAuth state", extra={"fields": {"reason": exc.reason}})
            raise ConsentFailed(f"state_{exc.reason}", str(exc)) from None
        except TokenKeyError:
            raise ConsentFailed("not_configured") from None
        try:
            grant = exchange_code(
                self.settings.oauth_token_url,
                code=code,
                redirect_uri=self.redirect_uri,
                client_id=str(self.settings.oauth_client_id),
                client_secret=str(self.settings.oauth_client_secret),
                timeout=self._timeout,
            )
        except (TokenEndpointError, ConsentNotConfigured) as exc:
            log.warning(
                "code exchange failed",
                extra={"fields": {"user": state.user_name, "error": str(exc)[:80]}},
            )
            raise ConsentFailed("exchange_failed") from None
        subject = str(grant.id_claims.get("sub", ""))
        audience = grant.id_claims.get("aud")
        if (
            not subject
            or subject != state.user_name.removeprefix("users/")
            or (audience and audience != self.settings.oauth_client_id)
        ):
            log.warning(
                "consenting account is not the Chat user who asked",
                extra={"fields": {"user": state.user_name, "has_id_token": bool(subject)}},
            )
            raise ConsentFailed("wrong_account", str(grant.id_claims.get("email") or ""))
        existing = self.grants.stored(state.user_name)
        refresh_token = grant.refresh_token
        scopes = set(grant.scopes)
        if refresh_token is None:
            if existing is None:
                raise ConsentFailed("no_refresh_token")
            try:
                refresh_token = self.grants.refresh_token_of(existing)
            except (SealError, TokenKeyError):
                raise ConsentFailed("unreadable_grant") from None
        if existing is not None:
            scopes |= existing.scopes
        try:
            self.grants.save(
                state.user_name, refresh_token, scopes, str(grant.id_claims.get("email", ""))
            )
        except TokenKeyError:
            raise ConsentFailed("not_configured") from None
        not_granted = tuple(sorted(set(state.scopes) - scopes))
        log.info(
            "stored a user's grant",
            extra={
                "fields": {
                    "user": state.user_name,
                    "scopes": sorted(scopes),
                    "not_granted": list(not_granted),
                }
            },
        )
        return ConsentResult(
            state.user_name,
            frozenset(scopes),
            not_granted,
            chat_redirect(
                state.redirect_after, allow_loopback=not self.settings.on_cloud_functions
            ),
        )
