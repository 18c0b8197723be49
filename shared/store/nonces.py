"""Single-use markers, such as the nonce of an OAuth ``state``."""

from __future__ import annotations

from typing import Protocol


class NonceStore(Protocol):
    """Records nonces until they expire, so each can be used once."""

    def use_nonce(self, nonce: str, expires_at: float) -> bool:
        """Record ``nonce``; True the first time, False if it was already used."""
        ...
