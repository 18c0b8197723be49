"""The /invite flow against devkit's Chat API emulator with the real ChatClient.

The emulator introspects user access tokens at the fake OAuth server's
tokeninfo endpoint, so this proves the stored, refreshed token is a real one.
Skipped until ``devkit.emulator.ChatEmulator`` exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.oauth_server import OAuthServer
from shared.config import Settings
from shared.http import HttpRequest, HttpResponse

from .conftest import USER_NAME, AppServer, FakeUserChat, RecordingServer
from .test_flow import Stack, build, consent, request_config_url

emulator_module = pytest.importorskip("devkit.emulator")
ChatEmulator: Any = getattr(emulator_module, "ChatEmulator", None)
if ChatEmulator is None:
    pytest.skip("devkit.emulator.ChatEmulator is not available yet", allow_module_level=True)

IVY = {"name": "users/100000000000000000003", "displayName": "Ivy Invitee", "type": "HUMAN"}
ALEX = {"name": "users/100000000000000000002", "displayName": "Alex Example", "type": "HUMAN"}


@pytest.fixture
def emulated(
    oauth: OAuthServer,
    make_settings: Callable[..., Settings],
    chat_redirect: RecordingServer,
) -> Iterator[Stack]:
    with ChatEmulator(host="127.0.0.1", port=0, tokeninfo_url=oauth.tokeninfo_url) as emulator:
        holder: list[Stack] = []

        def dispatch(request: HttpRequest) -> HttpResponse:
            return holder[0].app.dispatch(request)

        server = AppServer(dispatch)
        settings = make_settings(NUDGE_PUBLIC_URL=server.url, NUDGE_CHAT_API_ENDPOINT=emulator.url)
        app = build(settings, None)  # the real ChatClient, acting as the user
        holder.append(Stack(server, app, settings, oauth, FakeUserChat(""), chat_redirect))
        yield holder[0]
        server.stop()


def test_invite_through_the_emulator(emulated: Stack) -> None:
    url = request_config_url(emulated.send("/invite @Ivy Invitee", mention=IVY))
    assert consent(emulated, url)[0] == 302
    body = emulated.send("/invite @Ivy Invitee", mention=IVY)
    assert body["privateMessageViewer"]["name"] == USER_NAME
    assert "Invited (they need to accept):* Ivy Invitee" in body["text"]
    body = emulated.send("/invite @Alex Example", mention=ALEX)
    assert "Already members:* Alex Example" in body["text"]
