"""The Firestore backend (Native mode), for deployments with more than one instance.

``FirestoreBackend`` is loaded on first access, so that ``indexes`` (what the
queries need provisioned) can be read without importing the client library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.store.firestore.backend import FirestoreBackend


def __getattr__(name: str) -> object:
    if name == "FirestoreBackend":
        from shared.store.firestore.backend import FirestoreBackend

        return FirestoreBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FirestoreBackend"]
