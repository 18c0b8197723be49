"""Hostile input through the deployed door: names that try to mention or link, odd command
names, and a link scanner's HEAD on the OAuth callback. None may reach a reply unescaped,
answer 500, or change state."""

from __future__ import annotations

import copy
import json
import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from shared.auth.errors import AuthorizationRequired
from shared.chat.cards import LEGACY
from shared.chat.events.models import (
    Annotation,
    CommandEvent,
    EventFormat,
    Message,
    Space,
    SpaceType,
    User,
    UserType,
)
from shared.config import Settings
from shared.core.context import Context
from shared.core.router import Router
from shared.features.account.commands import invite
from shared.features.account.prompts import grant_more_card
from shared.google.errors import AlreadyExists, PermissionDenied
from shared.services import Lazy
from shared.wiring import build_services, runtime
from tests.scenarios.conftest import ChatHarness, fixture, fixture_names

#: What a hostile display name, email, space name or API error text looks like.
HOSTILE = '<users/all> <https://evil.example|Click to verify> *urgent* <a href="x">y</a>'
#: Sequences that mean the hostile text got through unescaped.
DANGEROUS = ("<users/all>", "<https://evil", '<a href="x">', "<a href=")


def poison(value: Any) -> Any:
    """Every displayName, email and formatted-text field replaced by ``HOSTILE``."""
    if isinstance(value, dict):
        return {
            k: HOSTILE if k in ("displayName", "email") else poison(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [poison(v) for v in value]
    return value


def without_headers(value: Any) -> Any:
    """Card headers are plain text (no markup, no mentions), so they may hold anything."""
    if isinstance(value, dict):
        return {k: without_headers(v) for k, v in value.items() if k != "header"}
    if isinstance(value, list):
        return [without_headers(v) for v in value]
    return value


def assert_inert(body: Any) -> None:
    """No mention, link or markup from hostile text survives in message or widget text."""
    text = json.dumps(without_headers(body), ensure_ascii=False)
    for bad in DANGEROUS:
        assert bad not in text, (bad, text[:500])


@pytest.mark.parametrize("kind", ["legacy", "addon"])
def test_every_reply_escapes_hostile_names(
    make_harness: Callable[..., ChatHarness], kind: str
) -> None:
    harness = make_harness("project_number" if kind == "legacy" else "addon")
    for name in fixture_names(kind):
        response = harness.post(poison(fixture(kind, name)))
        assert response.status_code == 200, (name, response.get_data(as_text=True))
        assert_inert(response.json)


def test_help_unknown_commands_and_the_welcome_escape_hostile_names(
    harness: ChatHarness,
) -> None:
    for name in ("added_to_space_room", "added_to_space_dm", "message", "message_dm"):
        event = poison(fixture("legacy", name))
        event["space"]["displayName"] = HOSTILE
        event.setdefault("message", {})["argumentText"] = HOSTILE
        response = harness.post(event)
        assert response.status_code == 200
        assert_inert(response.json)


class FakeUserChat:
    """Stands in for the Chat API as the user: one joins, one exists, one fails."""

    def create_membership(self, space: str, user: str) -> dict[str, Any]:
        if user.endswith("exists"):
            raise AlreadyExists("exists", status=409, reason="ALREADY_EXISTS")
        if user.endswith("denied"):
            raise PermissionDenied(HOSTILE, status=403, reason=HOSTILE)
        return {"name": f"{space}/members/1", "state": "JOINED"}


class FakeGrants:
    def call(self, user: str, scopes: Any, fn: Callable[[Any], Any], *, reason: str = "") -> Any:
        return fn(object())


def test_invite_escapes_names_typed_emails_and_api_errors(tmp_path: Any) -> None:
    settings = Settings(database=str(tmp_path / "n.db"))
    services = replace(
        build_services(settings, user_chat=lambda credentials: FakeUserChat()),  # type: ignore[arg-type, return-value]
        grants=Lazy.of(FakeGrants()),  # type: ignore[arg-type]
    )
    people = [
        User(name="users/joined", display_name=HOSTILE),
        User(name="users/exists", display_name=HOSTILE),
        User(name="users/denied", display_name=HOSTILE),
    ]
    annotations = tuple(
        Annotation(type="USER_MENTION", user=replace(p, type=UserType.HUMAN)) for p in people
    )
    event = CommandEvent(
        format=EventFormat.LEGACY,
        user=User(name="users/caller", display_name=HOSTILE),
        space=Space("spaces/S", SpaceType.SPACE, display_name=HOSTILE),
        command_id=4,
        command_name="/invite",
        argument_text=f"@a @b @c <users/all>@evil.example {HOSTILE}",
        message=Message(text="/invite", annotations=annotations),
    )
    ctx = Context(settings, "c", Router(), services, logging.getLogger("t"))
    reply = invite(event, ctx)
    assert "Joined" in reply.text
    assert "Already members" in reply.text
    assert "Could not add" in reply.text
    assert_inert(reply.text)


def test_the_grant_more_card_escapes_the_reason_and_app_name() -> None:
    card = grant_more_card(
        AuthorizationRequired(["https://www.googleapis.com/auth/chat.memberships"], HOSTILE),
        "https://accounts.example/consent",
        frozenset({"openid"}),
        HOSTILE,
    )
    assert_inert(card.text)
    assert_inert([c.to_dict(LEGACY) for c in card.cards])


@pytest.mark.parametrize("name", ["/help me", "   ", "/", "/\u00a0help", "/help\tnow"])
def test_a_command_name_of_any_shape_never_answers_500(harness: ChatHarness, name: str) -> None:
    event = copy.deepcopy(fixture("legacy", "slash_command_legacy"))
    for annotation in event["message"]["annotations"]:
        if "slashCommand" in annotation:
            annotation["slashCommand"]["commandName"] = name
    response = harness.post(event)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        assert_inert(response.json)


def test_head_on_the_oauth_callback_runs_nothing(make_harness: Callable[..., ChatHarness]) -> None:
    harness = make_harness(
        "project_number",
        NUDGE_PUBLIC_URL="https://nudge.example/chat",
        NUDGE_OAUTH_CLIENT_ID="client",
        NUDGE_OAUTH_CLIENT_SECRET="secret",
        NUDGE_TOKEN_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    )
    harness.post(fixture("legacy", "message_dm"))  # the runtime is built by a first request
    consent = runtime().services.consent()
    url = consent.url("users/1", ["openid"], email="a@example.com")
    token = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]
    query = urllib.parse.urlencode({"code": "4/abc", "state": token})
    for method in ("HEAD", "POST", "PUT"):
        response = harness.client.open(f"/oauth/callback?{query}", method=method)
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "GET"
    state = consent.signer.verify(token)
    # The state's single use is still there to take: nothing consumed it.
    assert runtime().services.nonces().use_nonce(state.nonce, float(state.expires_at)) is True
