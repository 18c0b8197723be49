"""Users' OAuth grants, as stored: the refresh token only ever sealed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A user's OAuth grant. ``sealed_refresh_token`` is ciphertext, never the token."""

    user_name: str
    sealed_refresh_token: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    email: str = ""
    updated_at: float = 0.0

    def __repr__(self) -> str:
        return (
            f"StoredToken(user_name={self.user_name!r}, scopes={sorted(self.scopes)!r}, "
            f"email={self.email!r}, updated_at={self.updated_at!r})"
        )


class TokenStore(Protocol):
    """Per-user OAuth grants, keyed by Chat user name (``users/{id}``)."""

    def get_token(self, user_name: str) -> StoredToken | None: ...

    def put_token(self, token: StoredToken) -> None:
        """Insert or replace; refuses values that are not sealed."""
        ...

    def delete_token(self, user_name: str) -> bool:
        """Remove the grant; True if there was one."""
        ...
