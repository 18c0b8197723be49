"""Reading untrusted JSON without surprises: the wrong type reads as empty."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def obj(value: Any, *keys: str) -> dict[str, Any]:
    """``value[k1][k2]...`` if every step is an object, else ``{}``."""
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return dict(value) if isinstance(value, Mapping) else {}


def arr(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""
