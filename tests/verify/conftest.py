"""Fixtures for request verification: dev keys, a loopback certs server, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey

NOW = 1_700_000_000.0
PROJECT_NUMBER = "123456789012"
ENDPOINT = "https://us-central1-nudge-test.cloudfunctions.net/chat_app"
ADDON_SA = "service-123456789012@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def devkey() -> DevKey:
    return DevKey.generate()


@pytest.fixture(scope="session")
def impostor(devkey: DevKey) -> DevKey:
    """Another RSA key that claims the dev key's kid."""
    return DevKey.generate(kid=devkey.kid)


@pytest.fixture(scope="session")
def rotated_key() -> DevKey:
    return DevKey.generate()


@pytest.fixture
def server(devkey: DevKey) -> Iterator[CertsServer]:
    with CertsServer(devkey, max_age=300) as running:
        yield running


@pytest.fixture
def devkey_server_10s(devkey: DevKey) -> Iterator[CertsServer]:
    with CertsServer(devkey, max_age=10) as running:
        yield running


@pytest.fixture
def mono() -> FakeClock:
    """Monotonic clock for CertsCache."""
    return FakeClock(1000.0)


@pytest.fixture
def wall() -> FakeClock:
    """Wall clock for token times."""
    return FakeClock(NOW)
