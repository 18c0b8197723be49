"""Subscription target resources: a Chat space as ``//chat.googleapis.com/spaces/S``, and back."""

from __future__ import annotations

CHAT_TARGET_PREFIX = "//chat.googleapis.com/"
SUBSCRIPTION_SOURCE_PREFIX = "//workspaceevents.googleapis.com/"


def chat_target(space: str) -> str:
    """``//chat.googleapis.com/spaces/S`` for ``spaces/S``."""
    if not space.startswith("spaces/") or len(space.split("/")) != 2 or space == "spaces/":
        raise ValueError(f"expected a space name like spaces/AAA, not {space!r}")
    return CHAT_TARGET_PREFIX + space


def space_of_target(target: str) -> str:
    """``spaces/S`` for ``//chat.googleapis.com/spaces/S`` ("" for other targets)."""
    rest = target.removeprefix(CHAT_TARGET_PREFIX)
    return rest if rest != target and rest.startswith("spaces/") else ""
