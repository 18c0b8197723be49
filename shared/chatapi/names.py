"""Resource names and request parameters for the Chat API: checked, completed, or left out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def given(**params: Any) -> dict[str, Any]:
    """The query parameters that were actually given (``None`` means leave it out)."""
    return {key: value for key, value in params.items() if value is not None}


def space_of(name: str) -> str | None:
    """``spaces/AAA`` from ``spaces/AAA/messages/x`` (``None`` for ``users/…``)."""
    parts = name.split("/")
    if len(parts) >= 2 and parts[0] == "spaces" and parts[1]:
        return f"spaces/{parts[1]}"
    return None


def require_space(space: str) -> str:
    if space_of(space) != space:
        raise ValueError(f"expected a space name like spaces/AAA, not {space!r}")
    return space


def user_name(user: str) -> str:
    """``users/123`` or ``users/someone@example.com``; a bare ID or email gets the prefix."""
    if not user or user == "users/":
        raise ValueError("a user ID or email is required")
    return user if user.startswith("users/") else f"users/{user}"


def mask(update_mask: str | Sequence[str]) -> str:
    mask = update_mask if isinstance(update_mask, str) else ",".join(update_mask)
    if not mask:
        raise ValueError("update_mask is required (e.g. 'text' or 'cards_v2')")
    return mask
