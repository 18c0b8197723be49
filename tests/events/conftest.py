"""Fixture loading for the event parser tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"


def fixture_path(fmt: str, name: str) -> Path:
    return FIXTURES / fmt / f"{name}.json"


@pytest.fixture
def load() -> Callable[[str, str], dict[str, Any]]:
    """``load("legacy", "message")`` -> the decoded fixture."""

    def _load(fmt: str, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(fixture_path(fmt, name).read_text(encoding="utf-8"))
        return data

    return _load
