"""What only the add-on format has; the cases both formats share are in test_both_formats.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.chat.events import load_body, parse_event
from shared.chat.events.models import CardClickEvent, DialogCancelEvent
from tests.events.conftest import ADDON, FIXTURES


def test_dialog_cancel_without_a_message() -> None:
    event = ADDON.parse("dialog_cancel")
    assert isinstance(event, DialogCancelEvent)
    assert event.function == "saveReminder"
    assert event.message is None  # the legacy twin carries an empty message


def test_invoked_function_is_the_fallback() -> None:
    payload = ADDON.load("card_clicked")
    payload["commonEventObject"]["parameters"] = {"id": "r-42"}
    payload["commonEventObject"]["invokedFunction"] = "snooze"
    event = parse_event(payload)
    assert isinstance(event, CardClickEvent)
    assert event.function == "snooze"


@pytest.mark.parametrize("path", sorted((FIXTURES / "addon").glob("*.json")), ids=lambda p: p.stem)
def test_tokens_never_reach_raw(path: Path) -> None:
    event = parse_event(load_body(path.read_bytes()))
    assert "authorizationEventObject" not in event.raw
    assert "chat" in event.raw
    assert "ya29" not in json.dumps(dict(event.raw))
    assert "FAKE" not in repr(event)


@pytest.mark.parametrize("path", sorted((FIXTURES / "addon").glob("*.json")), ids=lambda p: p.stem)
def test_add_on_and_legacy_twins_agree(path: Path) -> None:
    twin = FIXTURES / "legacy" / path.name
    addon = parse_event(load_body(path.read_bytes()))
    legacy = parse_event(load_body(twin.read_bytes()))
    assert type(addon) is type(legacy)
    assert addon.kind == legacy.kind
    assert addon.user == legacy.user
    assert addon.space.is_dm == legacy.space.is_dm
