"""What a storage backend provides: one repository per domain, over one database."""

from __future__ import annotations

from typing import Protocol

from shared.store.calendars import CalendarStore
from shared.store.events import EventLog
from shared.store.nonces import NonceStore
from shared.store.reminders import ReminderStore
from shared.store.spaces import SpaceSettingsStore
from shared.store.subscriptions import SubscriptionStore
from shared.store.tokens import TokenStore
from shared.store.users import UserStore


class Backend(Protocol):
    """A database and its repositories (SQLite, Firestore)."""

    @property
    def tokens(self) -> TokenStore: ...

    @property
    def nonces(self) -> NonceStore: ...

    @property
    def reminders(self) -> ReminderStore: ...

    @property
    def users(self) -> UserStore: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def subscriptions(self) -> SubscriptionStore: ...

    @property
    def spaces(self) -> SpaceSettingsStore: ...

    @property
    def calendars(self) -> CalendarStore: ...

    def close(self) -> None:
        """Release connections; the backend may not be used afterwards."""
        ...
