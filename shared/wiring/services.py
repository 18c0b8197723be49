"""Building services: the store the settings choose, and the clients handlers reach.

``build_services`` is the one place clients and stores are constructed; tests pass
ready-made fakes to it. ``per_credentials`` keeps one client per user grant.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from shared.config import DEFAULT_LOCAL_DATABASE, ConfigError, Settings
from shared.services import Lazy, Services

if TYPE_CHECKING:
    import google.auth.credentials

    from shared.auth.consent import Consent
    from shared.auth.grants import UserGrants
    from shared.chatapi.client import ChatClient
    from shared.chatapi.pacing import Pacer
    from shared.services import CalendarFactory, MeetFactory, PeopleFactory, UserChatFactory
    from shared.store.backend import Backend


def database_path(settings: Settings) -> str | None:
    """The SQLite file for ``settings`` (``None`` when the store is Firestore).

    Locally the default is SQLite in ``.nudge/``. On Cloud Functions the default
    is Firestore: only ``/tmp`` is writable there and each instance has its own
    disk, so SQLite is refused unless chosen outright for a single instance
    (``NUDGE_STORE=sqlite`` and ``NUDGE_DATABASE`` under ``/tmp``). Raises
    ``ConfigError`` saying what to set; the runtime calls this at start-up.
    """
    if settings.on_cloud_functions and settings.store is None and settings.database:
        # NUDGE_DATABASE alone used to choose SQLite here; say so rather than ignore it.
        raise ConfigError(
            f"NUDGE_DATABASE={settings.database} is set, but on Cloud Functions the store is "
            "Firestore unless NUDGE_STORE=sqlite chooses SQLite. Set NUDGE_STORE=firestore "
            "(or unset NUDGE_DATABASE) for the shared store, or NUDGE_STORE=sqlite with "
            "NUDGE_DATABASE under /tmp for a single-instance deployment (max instances 1)."
        )
    if settings.store_backend == "firestore":
        return None
    if not settings.on_cloud_functions:
        return settings.database or DEFAULT_LOCAL_DATABASE
    path = settings.database
    if not path or not os.path.normpath(path).startswith("/tmp/"):  # noqa: S108 - the rule itself
        raise ConfigError(
            f"NUDGE_STORE=sqlite on Cloud Functions needs NUDGE_DATABASE under /tmp (got "
            f"{path or 'nothing'}): only /tmp is writable there, and every instance has its own "
            "disk, so this works only with max instances 1. Set NUDGE_STORE=firestore for a "
            "store every instance shares."
        )
    return path


def build_backend(settings: Settings, *, clock: Callable[[], float] = time.time) -> Backend:
    """The storage backend ``settings`` choose: SQLite or Firestore (``NUDGE_STORE``)."""
    path = database_path(settings)
    if path is None:
        from shared.store.firestore import FirestoreBackend

        return FirestoreBackend(
            project=settings.project_id,
            database=settings.firestore_database,
            prefix=settings.firestore_prefix,
            clock=clock,
        )
    from shared.store.sqlite import SqliteBackend

    return SqliteBackend(path, clock=clock)


C = TypeVar("C")


def per_credentials(
    build: Callable[[google.auth.credentials.Credentials], C],
) -> Callable[[google.auth.credentials.Credentials], C]:
    """``build`` once per credentials object, reused while the object lives.

    ``UserGrants`` keeps one credentials object per user, so a user's client (and
    the API description it parsed, tens of milliseconds of CPU) is built once per
    process rather than on every sync; a new grant is a new object, a new client.
    """
    clients: weakref.WeakKeyDictionary[google.auth.credentials.Credentials, C]
    clients = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    def make(credentials: google.auth.credentials.Credentials) -> C:
        with lock:
            client = clients.get(credentials)
            if client is None:
                client = clients[credentials] = build(credentials)
        return client

    return make


def build_services(
    settings: Settings,
    *,
    backend: Backend | None = None,
    chat: ChatClient | None = None,
    user_chat: UserChatFactory | None = None,
    calendar: CalendarFactory | None = None,
    pacer: Pacer | None = None,
    clock: Callable[[], float] = time.time,
) -> Services:
    """Services for ``settings``; anything passed in is used as is (tests pass fakes).

    ``clock`` (wall-clock seconds) is what the store, grants and consent read.
    """

    def make_backend() -> Backend:
        return backend if backend is not None else build_backend(settings, clock=clock)

    store = Lazy(make_backend)

    def make_pacer() -> Pacer:
        from shared.chatapi.pacing import Pacer

        return pacer or Pacer()

    shared_pacer = Lazy(make_pacer)

    def make_chat() -> ChatClient:
        if chat is not None:
            return chat
        from shared.auth.app import app_credentials
        from shared.chatapi.client import ChatClient

        return ChatClient(
            app_credentials(settings), endpoint=settings.chat_api_endpoint, pacer=shared_pacer()
        )

    def make_user_chat() -> UserChatFactory:
        if user_chat is not None:
            return user_chat
        from shared.chatapi.client import ChatClient

        def make(credentials: google.auth.credentials.Credentials) -> ChatClient:
            return ChatClient(
                credentials, endpoint=settings.chat_api_endpoint, pacer=shared_pacer()
            )

        return per_credentials(make)

    def make_calendar() -> CalendarFactory:
        if calendar is not None:
            return calendar
        from shared.calendar.client import CalendarClient

        def make(credentials: google.auth.credentials.Credentials) -> CalendarClient:
            return CalendarClient(credentials, endpoint=settings.calendar_api_endpoint)

        return per_credentials(make)

    def make_people() -> PeopleFactory:
        from shared.calendar.people import PeopleClient

        def make(credentials: google.auth.credentials.Credentials) -> PeopleClient:
            return PeopleClient(credentials, endpoint=settings.people_api_endpoint)

        return per_credentials(make)

    def make_meet() -> MeetFactory:
        from shared.calendar.meet import MeetClient

        def make(credentials: google.auth.credentials.Credentials) -> MeetClient:
            return MeetClient(credentials, endpoint=settings.meet_api_endpoint)

        return per_credentials(make)

    def make_grants() -> UserGrants:
        from shared.auth.grants import UserGrants

        return UserGrants(settings, store().tokens, clock=clock)

    grants = Lazy(make_grants)

    def make_consent() -> Consent:
        from shared.auth.consent import Consent

        return Consent(settings, grants(), store().nonces, clock=clock)

    return Services(
        settings=settings,
        chat=Lazy(make_chat),
        user_chat=Lazy(make_user_chat),
        calendar=Lazy(make_calendar),
        people=Lazy(make_people),
        meet=Lazy(make_meet),
        grants=grants,
        consent=Lazy(make_consent),
        tokens=Lazy(lambda: store().tokens),
        nonces=Lazy(lambda: store().nonces),
        reminders=Lazy(lambda: store().reminders),
        users=Lazy(lambda: store().users),
        events=Lazy(lambda: store().events),
        subscriptions=Lazy(lambda: store().subscriptions),
        spaces=Lazy(lambda: store().spaces),
        calendars=Lazy(lambda: store().calendars),
        clock=lambda: datetime.fromtimestamp(clock(), UTC),
    )
