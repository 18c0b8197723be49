"""Opaque page tokens and page-size rules shared by the ``list`` methods."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from devkit.emulator.errors import invalid

MAX_PAGE_SIZE = 1000


def page_size(query: dict[str, Any], default: int) -> int:
    """``pageSize``: 0/absent -> ``default``; above 1000 -> 1000; negative -> 400."""
    size = int(query.get("pageSize", 0))
    if size < 0:
        raise invalid("page_size must not be negative.")
    return min(size or default, MAX_PAGE_SIZE)


def fingerprint(*parts: Any) -> str:
    """Binds a page token to the query that produced it."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def encode_token(offset: int, print_: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{print_}".encode()).decode().rstrip("=")


def decode_token(token: str | None, print_: str) -> int:
    """The offset in ``token``; 400 if it's malformed or from a different query."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset, _, seen = raw.partition(":")
        if seen != print_ or int(offset) < 0:
            raise ValueError(token)
        return int(offset)
    except ValueError:
        raise invalid("Invalid page token.") from None
