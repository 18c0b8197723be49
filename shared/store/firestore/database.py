"""One Firestore database (Native mode): the client, prefixed collections, schema on first use.

The client finds the Firestore emulator by itself: with ``FIRESTORE_EMULATOR_HOST``
set it talks plain gRPC to it with anonymous credentials. The gRPC client is
thread-safe, so one database serves every thread of an instance.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from google.cloud import firestore

from shared.store.firestore.migrations import migrate

log = logging.getLogger(__name__)

_RESERVED_ID = re.compile(r"^(\.{1,2}|__.*__)$")


def doc_id(key: str) -> str:
    """The document ID for ``key`` (a reminder ID, ``users/123``, a nonce), one-to-one.

    Firestore IDs may not contain ``/``, be ``.`` or ``..``, or look like
    ``__x__``; percent-encoding covers all three without two keys sharing an ID.
    """
    if not key:
        raise ValueError("an empty key has no document")
    encoded = quote(key, safe="")
    if _RESERVED_ID.match(encoded):
        encoded = encoded.replace(".", "%2E").replace("_", "%5F")
    return encoded


class FirestoreDatabase:
    """The client and the collections named ``{prefix}{name}``, migrated on first use."""

    def __init__(
        self, client: firestore.Client, *, prefix: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.clock = clock
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FirestoreDatabase({self.client.project!r}, prefix={self.prefix!r})"

    def collection(self, name: str) -> firestore.CollectionReference:
        """The collection ``{prefix}{name}``; the first call checks (or writes) the schema."""
        if not self._ready:
            self._ensure_schema()
        return self.client.collection(self.prefix + name)

    def write_option(self, **precondition: Any) -> Any:
        """A write precondition: ``exists=True`` or ``last_update_time=...``."""
        return self.client.write_option(**precondition)

    def _ensure_schema(self) -> None:
        with self._lock:
            if self._ready:
                return
            applied = migrate(self.client, self.prefix, now=self.clock())
            if applied:
                log.info(
                    "migrated the store schema",
                    extra={"fields": {"prefix": self.prefix, "versions": applied}},
                )
            self._ready = True

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]
        # The public close() releases only the HTTP session; the gRPC channel
        # lives on the transport, which exists once the first call was made.
        transport = getattr(self.client, "_transport", None)
        if transport is not None:
            transport.close()
