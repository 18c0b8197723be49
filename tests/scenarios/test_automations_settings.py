"""``/nudge settings`` through chat_app in both formats: managers only, a dialog that checks
everything, compare-and-set saves, a webhook secret shown once, and the hook it configures
delivering through ``workspace_events`` with that secret."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from devkit.sample_events import Persona
from shared.features.automations.webhooks import open_secret, verify
from shared.store.spaces import SpaceSettings
from shared.util.crypto import looks_sealed
from tests.features.automations.kit import Receiver, chat_message, deliver
from tests.scenarios.conftest import ChatHarness
from tests.scenarios.test_reminders_kit import (
    ADA,
    BOB,
    COMMAND_IDS,
    FORMATS,
    SPACE,
    Answer,
    ChatSession,
    text_input,
)

TOKEN_KEY = base64.b64encode(b"s" * 32).decode()
ALERTS = "spaces/ALERTS"
ELSEWHERE = "spaces/ELSEWHERE"  # Nudge is there, Ada is not
GROUP = Persona(
    user_id="222", display_name="Bob Stone", space="spaces/groupchat", space_type="GROUP_CHAT"
)
Session = Callable[..., ChatSession]


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: ChatEmulator) -> ChatEmulator:
    emulator.reset()
    ada = {"name": ADA.user["name"], "displayName": "Ada Lovelace"}
    bob = {"name": BOB.user["name"], "displayName": "Bob Stone"}
    emulator.add_space(SPACE, display_name="Team", members=[ada | {"role": "ROLE_MANAGER"}, bob])
    emulator.add_space(ALERTS, display_name="Alerts", members=[ada])
    emulator.add_space(ELSEWHERE, display_name="Elsewhere", members=[bob])
    return emulator


@pytest.fixture
def chat_session(make_harness: Callable[..., ChatHarness], emu: ChatEmulator) -> Session:
    ids = ",".join(f"{name}={number}" for name, number in COMMAND_IDS.items())

    def build(kind: str, **env: str) -> ChatSession:
        mode = "project_number" if kind == "legacy" else "addon"
        harness = make_harness(
            mode,
            NUDGE_COMMAND_IDS=ids,
            NUDGE_CHAT_API_ENDPOINT=emu.url,
            NUDGE_CHAT_API_TOKEN="any-app-token",
            NUDGE_TOKEN_KEY=TOKEN_KEY,
            **env,
        )
        return ChatSession(harness, kind)

    return build


def widgets(answer: Answer) -> list[dict[str, Any]]:
    return [w for section in answer.dialog["sections"] for w in section["widgets"]]


def field_names(answer: Answer) -> list[str]:
    return [
        body["name"]
        for widget in widgets(answer)
        for body in widget.values()
        if isinstance(body, dict) and "name" in body
    ]


def open_dialog(session: ChatSession, persona: Persona = ADA) -> Answer:
    shown = session.say("/nudge settings", persona)
    assert (shown.kind, shown.private, shown.card_ids) == ("new", True, ["automations-summary"])
    edit = shown.button("Edit settings…")
    assert edit.opens_dialog
    dialog = session.press(edit, persona, message=shown, dialog="REQUEST_DIALOG")
    assert dialog.kind == "dialog"
    return dialog


def form(**values: str) -> dict[str, Any]:
    fields = {
        "welcome_text": "",
        "watch_words": "",
        "watch_pattern": "",
        "alert_space": "",
        "webhook_url": "",
        "webhook_mode": "off",
    } | values
    out = {name: text_input(value) for name, value in fields.items()}
    if values.get("welcome_on"):
        out["welcome_on"] = text_input("on")
    else:
        out.pop("welcome_on", None)
    return out


def stored(session: ChatSession, space: str = SPACE) -> SpaceSettings | None:
    return session.services.spaces().get_space(space)


def shown_secret(answer: Answer) -> str:
    text = answer.card_text()
    start = text.index("whsec_")
    return text[start : text.index("<", start)]


@pytest.mark.parametrize("kind", FORMATS)
def test_a_manager_edits_the_settings_and_bad_input_is_explained_first(
    chat_session: Session, kind: str
) -> None:
    session = chat_session(kind)
    dialog = open_dialog(session)
    assert field_names(dialog) == [
        "welcome_on",
        "welcome_text",
        "watch_words",
        "watch_pattern",
        "alert_space",
        "webhook_url",
        "webhook_mode",
    ]
    bad = session.press(
        dialog.button("Save"),
        dialog="SUBMIT_DIALOG",
        form=form(
            welcome_on="on",
            watch_words="deploy, ***",
            watch_pattern=r"(a)\1",
            alert_space=ELSEWHERE,
            webhook_url="https://10.0.0.1/hook",
            webhook_mode="all",
        ),
    )
    assert bad.kind == "dialog"
    errors = bad.card_text()
    assert "Write a welcome text, or switch the welcome off." in errors
    assert "has no letters or digits" in errors
    assert "not valid RE2" in errors
    assert f"You need to be a member of {ELSEWHERE}" in errors
    assert "resolves to a private address (10.0.0.1)" in errors
    assert stored(session) is None

    good = session.press(
        bad.button("Save"),
        dialog="SUBMIT_DIALOG",
        form=form(
            welcome_on="on",
            welcome_text="Hello <b>there</b>!",
            watch_words="deploy, release blocker",
            watch_pattern=r"\bINC-\d+",
            alert_space="https://chat.google.com/room/ALERTS?cls=7",
            webhook_url="https://93.184.216.34/nudge",
            webhook_mode="matches",
        ),
    )
    # A first webhook gets a secret, shown this once in the redrawn dialog.
    assert good.kind == "dialog"
    secret = shown_secret(good)
    saved = stored(session)
    assert saved is not None
    assert (saved.welcome_on, saved.welcome_text) == (True, "Hello <b>there</b>!")
    assert saved.watch_words == ("deploy", "release blocker")
    assert (saved.watch_pattern, saved.alert_space) == (r"\bINC-\d+", ALERTS)
    assert (saved.webhook_url, saved.webhook_mode) == ("https://93.184.216.34/nudge", "matches")
    assert saved.updated_by == ADA.user["name"]
    assert looks_sealed(saved.webhook_secret)
    assert secret not in saved.webhook_secret
    assert open_secret(session.services.settings, SPACE, saved.webhook_secret) == secret

    again = session.press(
        good.button("Save"),
        dialog="SUBMIT_DIALOG",
        form=form(
            welcome_on="on",
            welcome_text="Hello <b>there</b>!",
            watch_words="deploy, release blocker",
            watch_pattern=r"\bINC-\d+",
            alert_space=ALERTS,
            webhook_url="https://93.184.216.34/other-path",
            webhook_mode="matches",
        ),
    )
    assert (again.kind, again.toast) == ("close", "Automations saved.")  # same host: same secret
    resaved = stored(session)
    assert resaved is not None
    assert resaved.webhook_secret == saved.webhook_secret

    summary = session.say("/nudge settings")
    text = summary.card_text()
    assert "Hello &lt;b&gt;there&lt;/b&gt;!" in text  # stored as typed, shown escaped
    assert "deploy, release blocker" in text
    assert "a signing secret is set" in text
    assert "whsec_" not in text


@pytest.mark.parametrize("kind", FORMATS)
def test_people_who_do_not_manage_the_space_are_refused(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    refused = session.say("/nudge settings", BOB)
    assert (refused.kind, refused.private) == ("new", True)
    assert refused.text == "Only this space's managers can change Nudge's automations here."
    # Ada's summary card, if Bob pressed its button, opens only a refusal.
    shown = session.say("/nudge settings")
    edit = shown.button("Edit settings…")
    blocked = session.press(edit, BOB, message=shown, dialog="REQUEST_DIALOG")
    assert blocked.kind == "dialog"
    assert "managers" in blocked.card_text()
    assert "welcome_text" not in json.dumps(blocked.dialog)
    # A save from a dialog Bob should never have had is refused too.
    dialog = open_dialog(session)
    closed = session.press(
        dialog.button("Save"), BOB, dialog="SUBMIT_DIALOG", form=form(welcome_on="on")
    )
    assert closed.kind == "close"
    assert "managers" in closed.toast
    if kind == "legacy":
        assert closed.status == "PERMISSION_DENIED"
    assert stored(session) is None
    # In a group chat (no managers) every member may.
    assert session.say("/nudge settings", GROUP).card_ids == ["automations-summary"]


@pytest.mark.parametrize("kind", FORMATS)
def test_a_change_made_meanwhile_is_not_overwritten(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    dialog = open_dialog(session)
    store = session.services.spaces()
    assert store.put_space(SpaceSettings(space=SPACE, watch_words=("other",))) is not None
    mine = form(watch_words="mine")
    conflict = session.press(dialog.button("Save"), dialog="SUBMIT_DIALOG", form=mine)
    assert conflict.kind == "dialog"
    assert "Someone changed these settings while you were editing them" in conflict.card_text()
    assert "mine" in json.dumps(conflict.dialog)  # what was typed is still there
    current = stored(session)
    assert current is not None
    assert current.watch_words == ("other",)
    saved = session.press(conflict.button("Save"), dialog="SUBMIT_DIALOG", form=mine)
    assert saved.kind == "close"
    current = stored(session)
    assert current is not None
    assert current.watch_words == ("mine",)


@pytest.mark.parametrize("kind", FORMATS)
def test_new_secret_replaces_it_and_shows_it_once(chat_session: Session, kind: str) -> None:
    session = chat_session(kind)
    dialog = open_dialog(session)
    first = session.press(dialog.button("New secret"), dialog="SUBMIT_DIALOG", form=form())
    second = session.press(first.button("New secret"), dialog="SUBMIT_DIALOG", form=form())
    one, two = shown_secret(first), shown_secret(second)
    assert one != two
    saved = stored(session)
    assert saved is not None
    assert open_secret(session.services.settings, SPACE, saved.webhook_secret) == two
    # The dialog keeps working: the secret alone changed, so the next save is not a conflict.
    closed = session.press(second.button("Save"), dialog="SUBMIT_DIALOG", form=form())
    assert closed.kind == "close"


@pytest.mark.parametrize("kind", FORMATS)
def test_a_hook_set_in_the_dialog_delivers_signed_with_the_secret_shown(
    chat_session: Session, kind: str
) -> None:
    with Receiver() as receiver:
        session = chat_session(kind, NUDGE_ALLOW_PRIVATE_WEBHOOKS="true")
        dialog = open_dialog(session)
        saved = session.press(
            dialog.button("Save"),
            dialog="SUBMIT_DIALOG",
            form=form(webhook_url=receiver.url + "/hook", webhook_mode="all"),
        )
        secret = shown_secret(saved)
        deliver(
            "google.workspace.chat.message.v1.created",
            chat_message("hello from the space", space=SPACE),
        )
        (got,) = receiver.received
    assert verify(secret, got.body, got.headers["x-nudge-signature-256"])
    assert json.loads(got.body)["message"]["text"] == "hello from the space"
