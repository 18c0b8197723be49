"""The Firestore backend: one database, one repository per domain."""

from __future__ import annotations

import time
from collections.abc import Callable

from google.cloud import firestore

from shared.store.firestore.calendars import FirestoreCalendars
from shared.store.firestore.database import FirestoreDatabase
from shared.store.firestore.reminders import FirestoreReminders
from shared.store.firestore.tokens import FirestoreNonces, FirestoreTokens
from shared.store.firestore.users import FirestoreUsers
from shared.store.firestore.workspace import (
    FirestoreEventLog,
    FirestoreSpaceSettings,
    FirestoreSubscriptions,
)

DEFAULT_DATABASE = "(default)"
DEFAULT_PREFIX = "nudge_"


class FirestoreBackend:
    """Every repository Nudge needs, in Firestore collections named ``{prefix}{domain}``.

    ``project`` ``None`` lets the client library decide (Application Default
    Credentials, or ``GOOGLE_CLOUD_PROJECT`` with the emulator). Nothing is sent
    until the first call, which checks the stored schema version.
    """

    def __init__(
        self,
        *,
        project: str | None = None,
        database: str = DEFAULT_DATABASE,
        prefix: str = DEFAULT_PREFIX,
        clock: Callable[[], float] = time.time,
        client: firestore.Client | None = None,
    ) -> None:
        if client is None:
            client = firestore.Client(project=project, database=database)
        self.db = FirestoreDatabase(client, prefix=prefix, clock=clock)
        self.tokens = FirestoreTokens(self.db)
        self.nonces = FirestoreNonces(self.db)
        self.reminders = FirestoreReminders(self.db)
        self.users = FirestoreUsers(self.db)
        self.events = FirestoreEventLog(self.db)
        self.subscriptions = FirestoreSubscriptions(self.db)
        self.spaces = FirestoreSpaceSettings(self.db)
        self.calendars = FirestoreCalendars(self.db)

    def __repr__(self) -> str:
        return f"FirestoreBackend({self.db!r})"

    def close(self) -> None:
        self.db.close()
