"""/subscribe, /unsubscribe and *Reauthorize* through chat_app, in both formats.

Google is on loopback: the fake OAuth server (consent, tokens, tokeninfo) and
the Chat API emulator, which serves the Workspace Events API too. Events are
signed with the development key (``make_harness``); Workspace lifecycle events
reach the same runtime through the ``workspace_events`` door.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from devkit.sample_events import Persona
from shared.features.subscriptions.cards import REAUTHORIZE
from shared.services import Services
from shared.store.subscriptions import SubscriptionRecord
from shared.wiring import runtime
from tests.features.subscriptions.kit import (
    AUTH,
    CLIENT_ID,
    CLIENT_SECRET,
    DEV,
    DM,
    SPACE,
    TOPIC,
    pubsub_event,
    settings_env,
)
from tests.scenarios.conftest import ChatHarness
from tests.scenarios.test_reminders_kit import (
    Answer,
    Button,
    ChatSession,
    click_event,
    read_answer,
)

FORMATS = ["legacy", "addon"]
PUBLIC_URL = "https://nudge.example.com/chat"
IDS = {"/help": 1, "/subscribe": 11, "/unsubscribe": 12}
ME = Persona()  # users/100000000000000000001 in spaces/AAAA ("Local team")
ME_IN_DM = Persona(space=DM, space_type="DIRECT_MESSAGE", space_display_name="")


@pytest.fixture(scope="module")
def google() -> Iterator[tuple[OAuthServer, ChatEmulator]]:
    with OAuthServer(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user_id=DEV[6:], email=ME.email
    ) as oauth:
        emulator = ChatEmulator(tokeninfo_url=oauth.tokeninfo_url).start()
        try:
            yield oauth, emulator
        finally:
            emulator.stop()


class Subscriber(ChatSession):
    """A chat session that can also consent at the fake Google and feed Workspace events."""

    oauth: OAuthServer
    emulator: ChatEmulator

    @property
    def services(self) -> Services:
        return runtime().services

    def post(self, event: dict[str, Any]) -> Answer:
        response = self.harness.post(event)
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.json
        if "basicAuthorizationPrompt" in body:  # the add-on's consent prompt
            return Answer("config", raw=body)
        return read_answer(body, self.kind)

    def say(self, text: str, persona: Persona = ME, mentions: Any = ()) -> Answer:
        event = self.event(text, persona, mentions)
        return self.post(event)

    def event(self, text: str, persona: Persona = ME, mentions: Any = ()) -> dict[str, Any]:
        from devkit.sample_events import addon_message_event, legacy_message_event

        build = legacy_message_event if self.kind == "legacy" else addon_message_event
        return build(text, persona, IDS)

    def consent_url(self, answer: Answer) -> str:
        raw = answer.raw
        if self.kind == "legacy" and raw.get("actionResponse", {}).get("type") == "REQUEST_CONFIG":
            return str(raw["actionResponse"]["url"])
        if "basicAuthorizationPrompt" in raw:
            return str(raw["basicAuthorizationPrompt"]["authorizationUrl"])
        links = [value["openLink"]["url"] for value in _walk(answer.cards) if "openLink" in value]
        assert links, raw
        return str(links[0])

    def consent(self, url: str) -> None:
        location = self.oauth.authorize(url)
        query = urllib.parse.urlsplit(location).query
        answer = self.harness.client.get(f"/oauth/callback?{query}")
        assert answer.status_code in (200, 302), answer.get_data(as_text=True)

    def deliver(self, suffix: str) -> None:
        from functions.workspace_events import workspace_events

        for record in self.emulator.published(clear=True):
            if record["message"]["attributes"]["ce-type"].endswith("." + suffix):
                workspace_events(pubsub_event(record))


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


@pytest.fixture
def session(
    make_harness: Callable[..., ChatHarness],
    google: tuple[OAuthServer, ChatEmulator],
    tmp_path: Path,
) -> Callable[[str], Subscriber]:
    oauth, emulator = google

    def build(kind: str) -> Subscriber:
        emulator.reset()
        emulator.set_pending_polls(1)  # every mutation's operation is polled once
        env = settings_env(oauth, emulator, tmp_path / f"{kind}.db")
        env |= {
            "NUDGE_PUBLIC_URL": PUBLIC_URL,
            "NUDGE_COMMAND_IDS": ",".join(f"{k}={v}" for k, v in IDS.items()),
        }
        if kind == "addon":
            env["NUDGE_APP_FORMAT"] = "addon"
        harness = make_harness("project_number" if kind == "legacy" else "addon", **env)
        subscriber = Subscriber(harness, kind)
        subscriber.oauth, subscriber.emulator = oauth, emulator
        return subscriber

    return build


def scopes_in(url: str) -> set[str]:
    return set(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["scope"].split())


@pytest.mark.parametrize("kind", FORMATS)
def test_subscribe_asks_for_access_then_subscribes_and_unsubscribes(
    session: Callable[[str], Subscriber], kind: str
) -> None:
    me = session(kind)
    first = me.say("/subscribe messages reactions --names-only")
    url = me.consent_url(first)
    assert {AUTH + "chat.messages.readonly", AUTH + "chat.messages.reactions.readonly"} <= (
        scopes_in(url)
    )
    assert AUTH + "chat.memberships.readonly" not in scopes_in(url)  # only what was chosen
    assert me.emulator.subscriptions() == []
    me.consent(url)

    done = me.say("/subscribe messages reactions --names-only")
    assert done.private
    assert "Watching this space: messages and reactions (names only, as you)" in done.text
    [live] = me.emulator.subscriptions()
    assert live["payloadOptions"] == {"includeResource": False}
    assert live["authority"] == DEV
    assert live["notificationEndpoint"] == {"pubsubTopic": TOPIC}
    [record] = me.services.subscriptions().subscriptions_for(SPACE)
    assert (record.name, record.creator, record.authority) == (live["name"], DEV, DEV)
    assert not record.include_resource

    again = me.say("/subscribe memberships")  # Google allows one per person per space
    assert again.private
    assert "You already have a subscription for this space" in again.text
    assert "/unsubscribe first" in again.text
    assert "ALREADY_EXISTS" not in again.text
    assert len(me.emulator.subscriptions()) == 1

    gone = me.say("/unsubscribe")
    assert "Stopped watching this space: messages and reactions" in gone.text
    assert me.emulator.subscriptions() == []
    assert me.services.subscriptions().subscriptions_for(SPACE) == []
    assert "no subscription" in me.say("/unsubscribe").text


def test_a_meetings_meet_subscription_is_not_this_spaces_own(
    session: Callable[[str], Subscriber],
) -> None:
    """A /meet meeting's Meet space is watched for the space, but it is no /subscribe."""
    me = session("legacy")
    meet = SubscriptionRecord(
        name="subscriptions/meet1",
        target="//meet.googleapis.com/spaces/jQCFfuBOdN5z",
        space=SPACE,
        event_types=("google.workspace.meet.transcript.v2.fileGenerated",),
        authority=DEV,
        creator=DEV,
        include_resource=False,
    )
    me.services.subscriptions().put_subscription(meet)
    me.consent(me.consent_url(me.say("/subscribe messages")))
    done = me.say("/subscribe messages")
    assert "Watching this space: messages" in done.text
    gone = me.say("/unsubscribe")
    assert "Stopped watching this space: messages" in gone.text
    assert "transcripts" not in gone.text
    assert [r.name for r in me.services.subscriptions().subscriptions_for(SPACE)] == [meet.name]


@pytest.mark.parametrize("kind", FORMATS)
def test_an_existing_subscription_is_found_with_list_and_recorded(
    session: Callable[[str], Subscriber], kind: str
) -> None:
    me = session(kind)
    me.consent(me.consent_url(me.say("/subscribe --full")))
    # Made elsewhere (another Nudge instance, or before the store was reset): not in the store.
    made = me.say("/subscribe --full")
    assert "Watching this space" in made.text
    for record in me.services.subscriptions().subscriptions_for(SPACE):
        me.services.subscriptions().delete_subscription(record.name)
    found = me.say("/subscribe messages")
    assert "You already have a subscription for this space" in found.text
    [record] = me.services.subscriptions().subscriptions_for(SPACE)
    assert record.name == me.emulator.subscriptions()[0]["name"]
    assert "messages" in found.text


@pytest.mark.parametrize("kind", FORMATS)
def test_direct_messages_are_refused_politely(
    session: Callable[[str], Subscriber], kind: str
) -> None:
    me = session(kind)
    for command in ("/subscribe", "/unsubscribe"):
        answer = me.say(command, ME_IN_DM)
        assert "works only in a space" in answer.text
    assert me.emulator.subscriptions() == []


@pytest.mark.parametrize("kind", FORMATS)
def test_unknown_words_get_the_usage_with_the_text_made_inert(
    session: Callable[[str], Subscriber], kind: str
) -> None:
    me = session(kind)
    answer = me.say("/subscribe messages <users/all>")
    assert answer.private
    assert "<users/all>" not in answer.text
    assert "/subscribe [messages]" in answer.text


@pytest.mark.parametrize("kind", FORMATS)
def test_subscribe_alone_offers_a_dialog(session: Callable[[str], Subscriber], kind: str) -> None:
    me = session(kind)
    help_card = me.say("/subscribe")
    assert help_card.card_ids == ["subscribe-help"]
    choose = help_card.button("Choose…")
    assert choose.opens_dialog
    dialog = me.press(choose, ME, dialog="REQUEST_DIALOG")
    assert dialog.kind == "dialog"
    submit = Button("Subscribe", "subscriptions.submit", {})
    form = {
        "families": {"stringInputs": {"value": ["messages", "memberships"]}},
        "payload": {"stringInputs": {"value": ["resource"]}},
        "as": {"stringInputs": {"value": ["me"]}},
    }
    # No grant yet: the dialog stays, with a Grant access link and the choices kept.
    asked = me.press(submit, ME, dialog="SUBMIT_DIALOG", form=form)
    assert asked.kind == "dialog"
    assert "press Grant access" in asked.card_text()
    url = me.consent_url(asked)
    assert AUTH + "chat.memberships.readonly" in scopes_in(url)
    me.consent(url)
    closed = me.press(submit, ME, dialog="SUBMIT_DIALOG", form=form)
    assert (closed.kind, closed.toast) == ("close", "Subscribed.")
    [live] = me.emulator.subscriptions()
    assert {t.split(".")[3] for t in live["eventTypes"]} == {"message", "membership"}
    empty = {"families": {"stringInputs": {"value": []}}}
    refused = me.press(submit, ME, dialog="SUBMIT_DIALOG", form=empty)
    assert "Choose at least one thing" in refused.card_text()


@pytest.mark.parametrize("kind", FORMATS)
def test_a_suspension_is_fixed_by_reauthorizing(
    session: Callable[[str], Subscriber], kind: str
) -> None:
    me = session(kind)
    me.consent(me.consent_url(me.say("/subscribe messages memberships reactions")))
    me.say("/subscribe messages memberships reactions")
    [live] = me.emulator.subscriptions()
    name = live["name"]

    # The user withdraws access at Google; Workspace suspends the subscription.
    me.oauth.revoke_all()
    me.services.grants().forget(DEV)  # what Nudge does once Google refuses the token
    me.emulator.published(clear=True)
    me.emulator.suspend_subscription(name, "USER_SCOPE_REVOKED")
    me.deliver("suspended")
    [notice] = [m for m in me.emulator.messages(DM) if "cardsV2" in m]
    assert "withdrew some of the access" in notice["text"]
    posted = Answer("new", message=notice, name=notice["name"])
    reauthorize = posted.button("Reauthorize", name=name)
    assert reauthorize.function == REAUTHORIZE

    # Pressing it without a usable grant asks for consent first ...
    asked = me.press(reauthorize, ME_IN_DM, message=posted)
    assert asked.private
    me.consent(me.consent_url(asked))
    assert me.emulator.subscriptions()[0]["state"] == "SUSPENDED"

    # ... and once granted, it reactivates and renews.
    resumed = me.press(reauthorize, ME_IN_DM, message=posted)
    assert resumed.kind == "update"
    assert "Subscription resumed" in resumed.card_text()
    [after] = me.emulator.subscriptions()
    assert after["state"] == "ACTIVE"
    assert after["updateTime"] > live["updateTime"]
    record = me.services.subscriptions().get_subscription(name)
    assert record is not None
    assert record.state == "ACTIVE"

    # Someone else pressing it is refused.
    other = Persona(user_id="100000000000000000002", display_name="Alex", space=DM)
    refused = me.post(click_event(kind, reauthorize, other))
    assert "Only the person who subscribed" in refused.text
