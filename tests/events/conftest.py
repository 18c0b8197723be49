"""Fixture loading for the event parser tests, and the two wire formats side by side."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.chat.events import parse_event
from shared.chat.events.models import EventFormat, TimeZone, UserType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
ADA = "users/112233445566778899001"
EVENT_TIME = datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)


def fixture_path(fmt: str, name: str) -> Path:
    return FIXTURES / fmt / f"{name}.json"


def load_fixture(fmt: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_path(fmt, name).read_text(encoding="utf-8"))
    return data


@pytest.fixture
def load() -> Callable[[str, str], dict[str, Any]]:
    """``load("legacy", "message")`` -> the decoded fixture."""
    return load_fixture


@dataclass(frozen=True)
class Format:
    """One wire format: its fixture folder and what its fixtures carry that the other's don't."""

    folder: str
    event_format: EventFormat
    redirect: str  # the configCompleteRedirectUrl in its fixtures
    time_zone: TimeZone  # the user's time zone in its card and dialog fixtures

    def load(self, name: str) -> dict[str, Any]:
        return load_fixture(self.folder, name)

    def parse(self, name: str) -> Any:
        """Parse fixture ``name``, checking what every fixture of either format says."""
        event = parse_event(self.load(name))
        assert event.format is self.event_format
        assert event.user.name == ADA
        assert event.user.email == "ada@example.com"
        assert event.user.display_name == "Ada Lovelace"
        assert event.user.type is UserType.HUMAN
        assert event.event_time == EVENT_TIME
        return event


ADDON = Format(
    "addon",
    EventFormat.ADDON,
    "https://chat.google.com/api/bot_config_complete?token=AddOn456",
    TimeZone(id="America/Toronto", offset_ms=-18_000_000),
)
LEGACY = Format(
    "legacy",
    EventFormat.LEGACY,
    "https://chat.google.com/api/bot_config_complete?token=AbCdEf123",
    TimeZone(id="Europe/Berlin", offset_ms=3_600_000),
)


@pytest.fixture(params=[ADDON, LEGACY], ids=lambda f: f.folder)
def fmt(request: pytest.FixtureRequest) -> Format:
    """Each wire format in turn: a test taking ``fmt`` runs once per format."""
    param: Format = request.param
    return param
