"""Subscription target resources: a Chat space as ``//chat.googleapis.com/spaces/S``, a Meet
space as ``//meet.googleapis.com/spaces/M``, and back."""

from __future__ import annotations

CHAT_TARGET_PREFIX = "//chat.googleapis.com/"
MEET_TARGET_PREFIX = "//meet.googleapis.com/"
SUBSCRIPTION_SOURCE_PREFIX = "//workspaceevents.googleapis.com/"


def _space_name(space: str) -> str:
    if not space.startswith("spaces/") or len(space.split("/")) != 2 or space == "spaces/":
        raise ValueError(f"expected a space name like spaces/AAA, not {space!r}")
    return space


def chat_target(space: str) -> str:
    """``//chat.googleapis.com/spaces/S`` for ``spaces/S``."""
    return CHAT_TARGET_PREFIX + _space_name(space)


def space_of_target(target: str) -> str:
    """``spaces/S`` for ``//chat.googleapis.com/spaces/S`` ("" for other targets)."""
    rest = target.removeprefix(CHAT_TARGET_PREFIX)
    return rest if rest != target and rest.startswith("spaces/") else ""


def meet_target(space: str) -> str:
    """``//meet.googleapis.com/spaces/M`` for the Meet space ``spaces/M`` (not a meeting code)."""
    return MEET_TARGET_PREFIX + _space_name(space)


def meet_space_of_target(target: str) -> str:
    """``spaces/M`` for ``//meet.googleapis.com/spaces/M`` ("" for other targets)."""
    rest = target.removeprefix(MEET_TARGET_PREFIX)
    if rest == target or not rest.startswith("spaces/") or len(rest.split("/")) != 2:
        return ""
    return rest if rest != "spaces/" else ""


def is_meet_target(target: str) -> bool:
    return bool(meet_space_of_target(target))
