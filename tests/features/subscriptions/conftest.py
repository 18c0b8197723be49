"""A Nudge runtime against the fake Google (OAuth server + Chat/Workspace Events emulator)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from shared.config import Settings
from shared.wiring import Runtime, reset_runtime, use_runtime
from tests.features.subscriptions.kit import (
    APPROVED_APP_SCOPES,
    APPROVED_APP_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    DEV,
    Stack,
    settings_env,
)


@pytest.fixture(scope="module")
def google() -> Iterator[tuple[OAuthServer, ChatEmulator]]:
    with OAuthServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user_id=DEV[6:]) as oauth:
        emulator = ChatEmulator(tokeninfo_url=oauth.tokeninfo_url).start()
        emulator.register_token(APPROVED_APP_TOKEN, kind="app", scopes=APPROVED_APP_SCOPES)
        try:
            yield oauth, emulator
        finally:
            emulator.stop()


@pytest.fixture
def stack(google: tuple[OAuthServer, ChatEmulator], tmp_path: Path) -> Iterator[Stack]:
    """A fresh emulator state and store; the runtime is the process's, as in production."""
    oauth, emulator = google
    emulator.reset()
    emulator.set_pending_polls(0)
    env = settings_env(oauth, emulator, tmp_path / "nudge.db")
    runtime = Runtime(Settings.from_env(env))
    use_runtime(runtime)
    try:
        yield Stack(oauth, emulator, runtime)
    finally:
        reset_runtime()
