"""Fixtures for the receive path: a runtime with a recording feature, and the door in each form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.config import Settings
from shared.wiring import Runtime, build_services, reset_runtime, use_runtime
from tests.workspace.kit import ALL_TYPES, FORMS, Door, Recorder, make_door


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(ALL_TYPES)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(verify_requests=False, database=str(tmp_path / "nudge.db"))


@pytest.fixture
def runtime(settings: Settings, recorder: Recorder) -> Iterator[Runtime]:
    """The process's runtime: SQLite in a temporary file, only the recording feature."""
    current = Runtime(settings, features=[recorder.feature], services=build_services(settings))
    use_runtime(current)
    yield current
    reset_runtime()


@pytest.fixture(params=FORMS)
def door(request: pytest.FixtureRequest, runtime: Runtime) -> Door:
    return make_door(request.param)
