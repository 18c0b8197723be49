"""URL-safe base64 without padding (RFC 4648 section 5), as JWTs and signed tokens use it."""

from __future__ import annotations

import base64
import binascii
import re

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """``data`` as unpadded URL-safe base64."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded (or padded) URL-safe base64; raises ``ValueError`` on anything else.

    Stricter than ``base64.urlsafe_b64decode``, which silently skips characters
    outside the alphabet: here any such character is an error.
    """
    stripped = text.rstrip("=")
    if not _ALPHABET.fullmatch(stripped) or len(stripped) % 4 == 1:
        raise ValueError("not URL-safe base64")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error:
        raise ValueError("not URL-safe base64") from None
