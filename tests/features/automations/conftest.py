"""Fixtures for the automation tests: one Chat API emulator per module, reset per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from shared.wiring import Runtime, reset_runtime
from tests.features.automations.kit import ALERTS, DEV, make_runtime


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: ChatEmulator) -> ChatEmulator:
    emulator.reset()
    emulator.set_faults()
    emulator.set_quotas(False)
    emulator.add_space(ALERTS, display_name="Alerts", members=[DEV])
    return emulator


@pytest.fixture
def start(emu: ChatEmulator, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """``start(resolver=..., send=..., features=[...])``: the runtime ``workspace_events`` uses."""

    def build(**kwargs: Any) -> Runtime:
        return make_runtime(emu, tmp_path / "nudge.db", **kwargs)

    yield build
    reset_runtime()
