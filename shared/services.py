"""Lazily built, process-wide clients and stores that handlers reach through ``ctx``.

Nothing here is imported or built until a handler asks for it, so a request
that only answers ``/help`` never pays for the Chat API client's imports.
Tests pass ready-made fakes to the constructor instead.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from shared.config import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    import google.auth.credentials

    from shared.auth.oauth import UserAuth
    from shared.chatapi.client import ChatClient
    from shared.store.base import Store

    UserChatFactory = Callable[[google.auth.credentials.Credentials], ChatClient]


class Services:
    """Holds the app's Chat API client and stores, built on first use."""

    def __init__(self, settings: Settings, **ready: Any) -> None:
        self.settings = settings
        self._ready: dict[str, Any] = dict(ready)
        self._lock = threading.RLock()  # a service may build another while building

    def _get(self, name: str, build: Any) -> Any:
        value = self._ready.get(name)
        if value is None:
            with self._lock:
                value = self._ready.get(name)
                if value is None:
                    value = build()
                    self._ready[name] = value
        return value

    @property
    def chat(self) -> ChatClient:
        """The Chat API client, authenticated as the app."""

        def build() -> ChatClient:
            from shared.auth.app import app_credentials
            from shared.chatapi.client import ChatClient

            return ChatClient(
                app_credentials(self.settings), endpoint=self.settings.chat_api_endpoint
            )

        client: ChatClient = self._get("chat", build)
        return client

    @property
    def store(self) -> Store:
        """The app's store (SQLite at ``settings.database`` unless one was passed in)."""

        def build() -> Store:
            from shared.store.sqlite import SqliteStore

            return SqliteStore.from_settings(self.settings)

        store: Store = self._get("store", build)
        return store

    @property
    def user_auth(self) -> UserAuth:
        """Users' OAuth grants: consent prompts, the callback, user credentials."""

        def build() -> UserAuth:
            from shared.auth.oauth import UserAuth

            return UserAuth(self.settings, self.store)

        user_auth: UserAuth = self._get("user_auth", build)
        return user_auth

    @property
    def user_chat(self) -> UserChatFactory:
        """Builds a Chat API client acting as a user: ``services.user_chat(credentials)``."""

        def build() -> UserChatFactory:
            from shared.chatapi.client import ChatClient

            endpoint = self.settings.chat_api_endpoint

            def make(credentials: google.auth.credentials.Credentials) -> ChatClient:
                return ChatClient(credentials, endpoint=endpoint)

            return make

        factory: UserChatFactory = self._get("user_chat", build)
        return factory
