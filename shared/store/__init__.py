"""Persistence: repository Protocols (``base``) and the embedded SQLite store (``sqlite``)."""

from __future__ import annotations

from shared.store.base import NonceStore, Store, StoredToken, TokenStore

__all__ = ["NonceStore", "Store", "StoredToken", "TokenStore"]
