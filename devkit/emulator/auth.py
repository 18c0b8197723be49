"""Who is calling: bearer tokens to principals (app or user) with OAuth scopes.

Resolution order for ``Authorization: Bearer T``:

1. tokens registered with ``TokenRegistry.register`` (or ``POST /_emulator/tokens``);
2. if a ``tokeninfo_url`` is configured, ``GET {url}?access_token=T`` like
   Google's tokeninfo endpoint: 200 with ``{sub, scope, email}`` is a user
   (an app if ``scope`` has ``chat.bot``), 400/401 means an invalid token
   (the API then answers 401), anything else 503;
3. otherwise the app with scope ``chat.bot`` (a permissive local default).

The token ``local-app-token`` is pre-registered as the app (``make run``
uses it), so it never reaches tokeninfo.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from devkit.emulator.discovery import SCOPE_PREFIX, full_scope
from devkit.emulator.errors import INVALID_CREDENTIALS, ApiError

Kind = Literal["user", "app", "webhook"]
APP_USER = "users/app"
APP_DISPLAY_NAME = "Nudge (local)"
DEFAULT_APP_TOKEN = "local-app-token"  # noqa: S105 - a well-known local token
_CACHE_SIZE = 1024
_TOKENINFO_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``user`` is ``users/{id}`` (``users/app`` for the app)."""

    kind: Kind
    user: str = APP_USER
    scopes: frozenset[str] = field(default_factory=frozenset)
    display_name: str = APP_DISPLAY_NAME
    email: str | None = None

    @property
    def key(self) -> str:
        """Identity for idempotency checks (``requestId`` reuse)."""
        return f"{self.kind}:{self.user}"

    @property
    def is_app(self) -> bool:
        return self.kind in ("app", "webhook")

    def effective_scopes(self) -> frozenset[str]:
        """Scopes that count for this kind of auth (``chat.bot``/``chat.app.*`` are app-only)."""
        app_only = {s for s in self.scopes if _is_app_scope(s)}
        return frozenset(app_only if self.is_app else self.scopes - app_only)

    def has_scope(self, *scopes: str) -> bool:
        wanted = {full_scope(s) for s in scopes}
        return bool(wanted & self.effective_scopes())


def _is_app_scope(scope: str) -> bool:
    short = scope.removeprefix(SCOPE_PREFIX)
    return short == "chat.bot" or short.startswith("chat.app.")


def app_principal(scopes: Iterable[str] = ("chat.bot",)) -> Principal:
    return Principal("app", APP_USER, frozenset(full_scope(s) for s in scopes))


def webhook_principal(space: str) -> Principal:
    return Principal("webhook", f"users/webhook-{space.rsplit('/', 1)[-1]}", frozenset())


class TokenRegistry:
    """Thread-safe map of bearer tokens to principals, with optional tokeninfo lookups."""

    def __init__(self, tokeninfo_url: str | None = None) -> None:
        self.tokeninfo_url = tokeninfo_url
        self._lock = threading.Lock()
        self._tokens: dict[str, Principal] = {DEFAULT_APP_TOKEN: app_principal()}
        self._cache: OrderedDict[str, Principal] = OrderedDict()

    def register(
        self,
        token: str,
        *,
        kind: Kind = "user",
        user: str | None = None,
        scopes: Iterable[str] = (),
        display_name: str | None = None,
        email: str | None = None,
    ) -> Principal:
        """Map ``token`` to a principal; ``scopes`` may be short (``chat.bot``) or full URLs."""
        if kind not in ("user", "app"):
            raise ValueError("kind must be 'user' or 'app'")
        if kind == "user" and not (user or "").startswith("users/"):
            raise ValueError("a user token needs user='users/{id}'")
        principal = Principal(
            kind=kind,
            user=user if kind == "user" and user else APP_USER,
            scopes=frozenset(full_scope(s) for s in scopes),
            display_name=display_name or (APP_DISPLAY_NAME if kind == "app" else str(user)),
            email=email,
        )
        with self._lock:
            self._tokens[token] = principal
        return principal

    def resolve(self, token: str) -> Principal:
        """The principal for ``token``; raises ``ApiError`` 401 (invalid) or 503."""
        with self._lock:
            known = self._tokens.get(token) or self._cache.get(token)
        if known is not None:
            return known
        if not self.tokeninfo_url:
            return app_principal()
        principal = self._introspect(token)
        with self._lock:
            self._cache[token] = principal
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return principal

    def _introspect(self, token: str) -> Principal:
        assert self.tokeninfo_url is not None
        separator = "&" if "?" in self.tokeninfo_url else "?"
        url = self.tokeninfo_url + separator + urllib.parse.urlencode({"access_token": token})
        try:
            with urllib.request.urlopen(url, timeout=_TOKENINFO_TIMEOUT_S) as response:  # noqa: S310
                info = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code in (400, 401):
                raise ApiError(401, INVALID_CREDENTIALS, "UNAUTHENTICATED") from None
            raise ApiError(503, f"tokeninfo answered {exc.code}", "UNAVAILABLE") from None
        except (OSError, ValueError) as exc:
            raise ApiError(503, f"tokeninfo unreachable ({exc})", "UNAVAILABLE") from None
        if not isinstance(info, dict):
            raise ApiError(401, INVALID_CREDENTIALS, "UNAUTHENTICATED")
        scopes = frozenset(full_scope(s) for s in str(info.get("scope", "")).split())
        if full_scope("chat.bot") in scopes:
            return Principal("app", APP_USER, scopes)
        sub = str(info.get("sub") or info.get("user_id") or "")
        if not sub:
            raise ApiError(401, INVALID_CREDENTIALS, "UNAUTHENTICATED")
        email = info.get("email")
        return Principal(
            "user",
            f"users/{sub}",
            scopes,
            display_name=str(info.get("name") or email or f"users/{sub}"),
            email=str(email) if email else None,
        )
