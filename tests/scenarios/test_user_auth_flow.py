"""User OAuth through the deployed chat_app: consent, callback, encrypted grant, then the API.

Everything Google would be runs on loopback: the fake OAuth server (consent,
token, tokeninfo), the Chat API emulator (which checks user tokens at that
tokeninfo endpoint), and a signed Chat event for each step.
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from devkit.sample_events import Persona, legacy_message_event
from tests.scenarios.conftest import ChatHarness

PERSONA = Persona()  # users/100000000000000000001 in spaces/AAAA
ALEX = {"name": "users/100000000000000000002", "displayName": "Alex Example", "type": "HUMAN"}
IVY = {"name": "users/100000000000000000003", "displayName": "Ivy Invitee", "type": "HUMAN"}
PUBLIC_URL = "https://nudge.example.com/chat"
CHAT_REDIRECT = "https://chat.google.com/api/bot_config_complete?token=abc"


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[OAuthServer, ChatEmulator]]:
    oauth = OAuthServer(
        client_id="nudge-client", client_secret="nudge-secret", user_id=PERSONA.user_id,
        email=PERSONA.email,
    ).start()  # fmt: skip
    emulator = ChatEmulator(tokeninfo_url=oauth.tokeninfo_url)
    emulator.start()
    try:
        yield oauth, emulator
    finally:
        emulator.stop()
        oauth.stop()


def invite_event(*people: dict[str, str]) -> dict[str, Any]:
    text = "/invite " + " ".join(f"@{p['displayName']}" for p in people)
    event = legacy_message_event(text, PERSONA, {"/invite": 4})
    event["configCompleteRedirectUrl"] = CHAT_REDIRECT
    message = event["message"]
    message["text"] = text
    for person in people:
        mention = f"@{person['displayName']}"
        message["annotations"].append(
            {
                "type": "USER_MENTION",
                "startIndex": text.index(mention),
                "length": len(mention),
                "userMention": {"user": person, "type": "MENTION"},
            }
        )
    return event


def test_invite_asks_for_consent_then_acts_as_the_user(
    make_harness: Callable[..., ChatHarness],
    google: tuple[OAuthServer, ChatEmulator],
    tmp_path: Path,
) -> None:
    oauth, emulator = google
    database = tmp_path / "nudge.db"
    harness = make_harness(
        "project_number",
        **oauth.settings_env(),
        NUDGE_TOKEN_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        NUDGE_DATABASE=str(database),
        NUDGE_PUBLIC_URL=PUBLIC_URL,
        NUDGE_CHAT_API_ENDPOINT=emulator.url,
        NUDGE_COMMAND_IDS="/help=1,/invite=4",
    )

    # 1. No grant yet: Chat gets a private REQUEST_CONFIG with Google's consent URL.
    first = harness.post(invite_event(ALEX, IVY)).json
    assert first["actionResponse"]["type"] == "REQUEST_CONFIG"
    consent = first["actionResponse"]["url"]
    assert consent.startswith(oauth.auth_url + "?")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(consent).query))
    assert query["redirect_uri"] == PUBLIC_URL + "/oauth/callback"
    assert "https://www.googleapis.com/auth/chat.memberships" in query["scope"].split()

    # 2. The browser consents at Google and comes back to chat_app's callback.
    location = oauth.authorize(consent)
    callback = urllib.parse.urlsplit(location)
    assert location.startswith(PUBLIC_URL + "/oauth/callback?")
    answer = harness.client.get(f"/oauth/callback?{callback.query}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == CHAT_REDIRECT
    replay = harness.client.get(f"/oauth/callback?{callback.query}")
    assert replay.status_code == 400

    # 3. Now /invite acts as the user against the (emulated) Chat API.
    second = harness.post(invite_event(ALEX, IVY)).json
    assert second["privateMessageViewer"]["name"] == f"users/{PERSONA.user_id}"
    assert "Alex Example" in second["text"]
    assert "Invited" in second["text"]
    with urllib.request.urlopen(emulator.url + "_emulator/spaces/AAAA/members") as response:
        members = {
            m["member"]["name"]: m["state"] for m in json.loads(response.read())["memberships"]
        }
    assert members[ALEX["name"]] == "JOINED"
    assert members[IVY["name"]] == "INVITED"

    # The refresh token Google issued is not stored in clear anywhere.
    issued = list(oauth._state.refresh)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert issued
    assert all(token.encode() not in raw for token in issued)
    with sqlite3.connect(database) as db:
        assert all(
            t not in repr(db.execute("SELECT * FROM user_tokens").fetchall()) for t in issued
        )
