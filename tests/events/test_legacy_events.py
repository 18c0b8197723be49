"""What only the legacy format has; the cases both formats share are in test_both_formats.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.chat.events import load_body, parse_event
from shared.chat.events.models import CommandEvent, CommandType
from tests.events.conftest import FIXTURES, LEGACY

THREAD = "spaces/AAAAtEam01/threads/Tq1rS7bGm2o"


def test_slash_command_as_message() -> None:
    event = LEGACY.parse("slash_command_legacy")
    assert isinstance(event, CommandEvent)
    assert event.kind == "command"
    assert event.command_id == 1
    assert isinstance(event.command_id, int)
    assert event.command_name == "/remind"
    assert event.command_type is CommandType.SLASH_COMMAND
    assert event.argument_text == "15m stand-up"
    assert not event.is_dialog_request
    assert event.message is not None
    assert event.message.slash_command_id == 1
    assert event.thread is not None
    assert event.thread.name == THREAD


@pytest.mark.parametrize("path", sorted((FIXTURES / "legacy").glob("*.json")), ids=lambda p: p.stem)
def test_every_fixture_loads_from_bytes_without_its_token(path: Path) -> None:
    event = parse_event(load_body(path.read_bytes()))
    assert event.raw["type"]
    assert "token" not in event.raw
