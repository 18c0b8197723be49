"""Decode a Chat request body into a JSON object, refusing what no event can be."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from shared.chat.events.fields import BadEvent


def load_body(body: bytes, *, max_bytes: int = 1_000_000, max_depth: int = 64) -> dict[str, Any]:
    """Decode a request body into a JSON object, or raise ``BadEvent``.

    Rejects bodies over ``max_bytes``, bytes that are not UTF-8, text that is
    not JSON (``NaN``/``Infinity`` included), a top level that is not an
    object, and nesting deeper than ``max_depth`` (checked without recursion).
    """
    if len(body) > max_bytes:
        raise BadEvent(f"The request body is larger than {max_bytes} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadEvent("The request body is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise BadEvent(f"The request body is nested deeper than {max_depth} levels") from None
    except ValueError:  # JSONDecodeError, and integers too long to convert
        raise BadEvent("The request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadEvent(f"The request body must be a JSON object, not {_json_kind(value)}")
    if _depth_exceeds(value, max_depth):
        raise BadEvent(f"The request body is nested deeper than {max_depth} levels")
    return value


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _json_kind(value: Any) -> str:
    return "an array" if isinstance(value, list) else "a " + type(value).__name__


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    """Whether containers nest deeper than ``max_depth`` (the top object is 1).

    Walks one level at a time, so attacker-controlled nesting costs no recursion.
    """
    level: list[Any] = [value]
    depth = 1
    while level:
        if depth > max_depth:
            return True
        below: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            below.extend(child for child in children if isinstance(child, dict | list))
        level = below
        depth += 1
    return False
