"""Users' OAuth grants: sealed storage, refreshing credentials, and forgetting dead ones.

A feature that acts as a user calls ``UserGrants.call(user, scopes, fn)``:
it raises ``AuthorizationRequired`` before any API call when the grant is
missing or lacks a scope, refreshes the access token, and turns a dead grant
(``invalid_grant``, or a 401 from the API) into ``AuthorizationRequired``
after forgetting it. What to *tell* the user is the account feature's job.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from shared.auth.endpoints import revoke_token
from shared.auth.errors import AuthorizationRequired
from shared.config import Settings
from shared.google.errors import Unauthenticated
from shared.google.transport import DEFAULT_TIMEOUT, AuthRequest
from shared.store.tokens import StoredToken, TokenStore
from shared.util.crypto import SealError, TokenCipher, TokenKeyError

if TYPE_CHECKING:
    import google.oauth2.credentials

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Credentials kept in memory per process (they hold the current access token).
MAX_CACHED_CREDENTIALS = 1024


@dataclass(frozen=True, slots=True)
class RevokeResult:
    """What ``UserGrants.revoke`` did: a stored grant existed / Google confirmed revocation."""

    had_token: bool
    revoked: bool


def _grant_is_gone(exc: Exception) -> bool:
    """True for a ``RefreshError`` saying the refresh token is dead (``invalid_grant``)."""
    details = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(details, dict) and details.get("error") == "invalid_grant":
        return True
    return "invalid_grant" in str(exc)


class UserGrants:
    """Stored grants for Nudge's users, and credentials that act as them."""

    def __init__(
        self,
        settings: Settings,
        tokens: TokenStore,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self._clock = clock
        self._timeout = timeout
        self._cipher: TokenCipher | None = None
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._cache: dict[str, tuple[str, google.oauth2.credentials.Credentials]] = {}

    @property
    def cipher(self) -> TokenCipher:
        """The token cipher; raises ``TokenKeyError`` without a usable ``NUDGE_TOKEN_KEY``."""
        if self._cipher is None:
            self._cipher = TokenCipher.from_setting(self.settings.token_key)
        return self._cipher

    def granted_scopes(self, user_name: str) -> frozenset[str]:
        """The scopes ``user_name`` has granted (empty when there is no stored grant)."""
        record = self.tokens.get_token(user_name)
        return record.scopes if record else frozenset()

    def stored(self, user_name: str) -> StoredToken | None:
        """The stored grant record (sealed), if any."""
        return self.tokens.get_token(user_name)

    def refresh_token_of(self, record: StoredToken) -> str:
        """Open a stored grant's refresh token; raises ``SealError`` or ``TokenKeyError``."""
        return self.cipher.open(record.sealed_refresh_token, aad=record.user_name)

    def save(
        self, user_name: str, refresh_token: str, scopes: Iterable[str], email: str
    ) -> StoredToken:
        """Seal and store a grant, replacing any earlier one."""
        record = StoredToken(
            user_name=user_name,
            sealed_refresh_token=self.cipher.seal(refresh_token, aad=user_name),
            scopes=frozenset(scopes),
            email=email,
            updated_at=self._clock(),
        )
        self.tokens.put_token(record)
        with self._lock:
            self._cache.pop(user_name, None)
        return record

    def credentials_for(
        self, user_name: str, scopes: Sequence[str], *, reason: str = ""
    ) -> google.oauth2.credentials.Credentials:
        """Refreshing credentials acting as ``user_name``.

        Raises ``AuthorizationRequired`` when nothing is stored or any of
        ``scopes`` was not granted, before any API call is made.
        """
        record = self.tokens.get_token(user_name)
        if record is None:
            raise AuthorizationRequired(scopes, reason or "this needs your permission")
        if not set(scopes) <= record.scopes:
            raise AuthorizationRequired(scopes, reason or "this needs more permission")
        with self._lock:
            cached = self._cache.get(user_name)
        if cached is not None and cached[0] == record.sealed_refresh_token:
            return cached[1]
        try:
            refresh_token = self.refresh_token_of(record)
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
            record = self.save(user_name, refresh_token, record.scopes, record.email)
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
        API the stored grant is forgotten and the user is asked again.
        """
        import google.auth.exceptions

        credentials = self.credentials_for(user_name, scopes, reason=reason)
        again = reason or "your earlier permission expired or was revoked"
        try:
            if not credentials.valid:
                with self._refresh_lock:
                    if not credentials.valid:
                        credentials.refresh(AuthRequest(self._timeout))  # type: ignore[no-untyped-call]
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
        return self.tokens.delete_token(user_name)

    def _drop(self, user_name: str, why: str) -> None:
        self.forget(user_name)
        log.warning("forgot a user's grant", extra={"fields": {"user": user_name, "reason": why}})

    def revoke(self, user_name: str) -> RevokeResult:
        """Revoke the grant at Google and delete it here (deleted even if revocation fails)."""
        record = self.tokens.get_token(user_name)
        if record is None:
            self.forget(user_name)
            return RevokeResult(had_token=False, revoked=False)
        revoked = False
        try:
            token: str | None = self.refresh_token_of(record)
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
