"""Auth errors that cross layers. Kept import-light: the core imports this on every request."""

from __future__ import annotations

from collections.abc import Sequence


class AuthorizationRequired(Exception):
    """A handler needs the acting user's OAuth grant for ``scopes``.

    Raise it from a handler (or let ``UserAuth.credentials_for`` raise it); the
    core answers with a consent prompt instead of an error.
    """

    def __init__(self, scopes: Sequence[str], reason: str = "") -> None:
        self.scopes = tuple(scopes)
        self.reason = reason or "this needs your permission"
        super().__init__(f"authorization required for {', '.join(self.scopes)}: {self.reason}")
