"""The services a handler reaches through ``ctx.services``: typed, and built on first use.

``Services`` is a frozen record of ``Lazy`` cells, so nothing is imported or
built until a handler asks (a ``/help`` never pays for the Chat API client)
and a misspelt field is a ``TypeError``, not a silently ignored keyword.
Only the composition root (``shared.wiring``) builds one; tests pass
ready-made fakes to ``shared.wiring.build_services``.

    ctx.services.chat().create_message(space, {"text": "hi"})
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from shared.config import Settings

if TYPE_CHECKING:
    import google.auth.credentials

    from shared.auth.consent import Consent
    from shared.auth.grants import UserGrants
    from shared.calendar.client import CalendarClient
    from shared.calendar.meet import MeetClient
    from shared.calendar.people import PeopleClient
    from shared.chatapi.client import ChatClient
    from shared.store.calendars import CalendarStore
    from shared.store.events import EventLog
    from shared.store.nonces import NonceStore
    from shared.store.reminders import ReminderStore
    from shared.store.spaces import SpaceSettingsStore
    from shared.store.subscriptions import SubscriptionStore
    from shared.store.tokens import TokenStore
    from shared.store.users import UserStore

    UserChatFactory = Callable[[google.auth.credentials.Credentials], ChatClient]
    CalendarFactory = Callable[[google.auth.credentials.Credentials], CalendarClient]
    PeopleFactory = Callable[[google.auth.credentials.Credentials], PeopleClient]
    MeetFactory = Callable[[google.auth.credentials.Credentials], MeetClient]

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value built by ``build`` on the first call, once, even under concurrent calls."""

    __slots__ = ("_build", "_lock", "_value")

    def __init__(self, build: Callable[[], T]) -> None:
        self._build: Callable[[], T] | None = build
        self._lock = threading.Lock()
        self._value: T | None = None

    @classmethod
    def of(cls, value: T) -> Lazy[T]:
        """A cell that already holds ``value``."""
        cell: Lazy[T] = cls(lambda: value)
        cell._value, cell._build = value, None
        return cell

    @property
    def built(self) -> bool:
        return self._build is None

    def __call__(self) -> T:
        build = self._build
        if build is not None:
            with self._lock:
                build = self._build
                if build is not None:
                    self._value = build()
                    self._build = None
        return self._value  # type: ignore[return-value]  # set before _build is cleared

    def __repr__(self) -> str:
        return f"Lazy({'built' if self.built else 'not built'})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    """Clients and stores for handlers, tick jobs and routes. Call a field to get its value."""

    settings: Settings
    #: The Chat API client acting as the app.
    chat: Lazy[ChatClient]
    #: Makes a Chat API client acting as a user: ``services.user_chat()(credentials)``.
    user_chat: Lazy[UserChatFactory]
    #: Make Calendar, People and Meet clients acting as a user:
    #: ``services.calendar()(credentials)`` (inside ``grants().call``).
    calendar: Lazy[CalendarFactory]
    people: Lazy[PeopleFactory]
    meet: Lazy[MeetFactory]
    #: Users' stored OAuth grants and credentials acting as them.
    grants: Lazy[UserGrants]
    #: The OAuth consent flow (consent URL and callback).
    consent: Lazy[Consent]
    tokens: Lazy[TokenStore]
    nonces: Lazy[NonceStore]
    reminders: Lazy[ReminderStore]
    users: Lazy[UserStore]
    #: Which Workspace events were handled (at-least-once delivery, handled once).
    events: Lazy[EventLog]
    subscriptions: Lazy[SubscriptionStore]
    spaces: Lazy[SpaceSettingsStore]
    #: Connected calendars, their push channels, and meetings scheduled from Chat.
    calendars: Lazy[CalendarStore]
    #: "Now" for handlers and jobs (aware UTC); tests pass a fixed one.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
