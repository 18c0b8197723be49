"""Deterministic IDs that make retried message writes safe.

``client_message_id`` names a message (``messageId``: ``client-``, at most 63
characters of ``[a-z0-9-]``); ``request_id`` is an idempotency key
(``requestId``, a UUID). Derive both from what identifies the logical post,
e.g. ``(reminder_id, occurrence)``, so every retry, and every redelivery of
the job that sends it, reuses the same value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/nudge/chatapi/request-id")
_MESSAGE_ID = re.compile(r"^client-[a-z0-9-]{1,56}$")
#: Length of the hash part: 32 base32 characters = 160 bits.
_HASH_CHARS = 32


def _canonical(parts: tuple[str | int, ...]) -> bytes:
    if not parts:
        raise ValueError("at least one part is needed to derive an ID")
    # JSON keeps ("a", "b") and ("a\x1fb",) and ("1",) vs (1,) apart.
    return json.dumps(list(parts), ensure_ascii=False, separators=(",", ":")).encode()


def client_message_id(*parts: str | int) -> str:
    """``client-`` plus 32 base32 characters of SHA-256(parts): 39 chars, ``[a-z2-7-]``."""
    digest = hashlib.sha256(_canonical(parts)).digest()
    encoded = base64.b32encode(digest).decode("ascii").rstrip("=").lower()
    return "client-" + encoded[:_HASH_CHARS]


def request_id(*parts: str | int) -> str:
    """A UUIDv5 of ``parts``: the same parts always give the same request ID."""
    return str(uuid.uuid5(_NAMESPACE, _canonical(parts).decode()))


def is_client_message_id(value: str) -> bool:
    """True if ``value`` is a valid client-assigned message ID."""
    return bool(_MESSAGE_ID.match(value))
