"""Every storage backend behind one fixture, so one contract suite runs against each.

``backend`` is parametrized by backend name; each test gets an empty database:
a fresh SQLite file, or a project of its own on the Firestore emulator (which
tests/google_emulators/firestore.py starts once per session). The Firestore
cases need gcloud, so where it is installed (or with NUDGE_CI=1) they may not
skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.store.backend import Backend
from shared.store.sqlite import SqliteBackend

BACKENDS = [
    "sqlite",
    pytest.param("firestore", marks=[pytest.mark.needs("gcloud"), pytest.mark.emulator]),
]


class Clock:
    """A settable wall clock (epoch seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=BACKENDS)
def make_backend(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> Iterator[Callable[[], Backend]]:
    """Opens (another handle on) the same empty database of the parametrized backend."""
    opened: list[Backend] = []
    if request.param == "firestore":
        from shared.store.firestore import FirestoreBackend

        project: str = request.getfixturevalue("firestore_project")

        def open_backend() -> Backend:
            return FirestoreBackend(project=project, clock=clock)

    else:

        def open_backend() -> Backend:
            return SqliteBackend(tmp_path / "nudge.db", clock=clock)

    def make() -> Backend:
        backend = open_backend()
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        backend.close()


@pytest.fixture
def backend(make_backend: Callable[[], Backend]) -> Backend:
    return make_backend()
