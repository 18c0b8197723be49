"""Fixtures for the simulator's tests: a real emulator, a scripted app, the WSGI client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from devkit.devkey import DevKey
from devkit.emulator import ChatEmulator
from devkit.web.app import WebApp
from devkit.web.events import Actor, Person
from devkit.web.exchanges import ExchangeLog
from devkit.web.simulator import Simulator
from devkit.web.upstream import AppClient, EmulatorClient
from tests.devkit.web.scripted_app import ScriptedApp

DEV = Person("users/100000000000000000001", "Dev User")
ALEX = Person("users/100000000000000000002", "Alex Example")
COMMAND_IDS = {"/help": 1, "/remind": 5}
AUDIENCE = "424242424242"


@pytest.fixture
def chat_emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator(port=0) as emulator:
        yield emulator


@pytest.fixture
def scripted_app() -> Iterator[ScriptedApp]:
    with ScriptedApp() as app:
        yield app


@pytest.fixture(scope="session")
def dev_key() -> DevKey:
    return DevKey.generate()


@pytest.fixture
def simulator(chat_emulator: ChatEmulator, scripted_app: ScriptedApp, dev_key: DevKey) -> Simulator:
    return Simulator(
        EmulatorClient(chat_emulator.url),
        AppClient(scripted_app.url, dev_key, AUDIENCE),
        COMMAND_IDS,
        ExchangeLog(),
    )


@pytest.fixture
def client(simulator: Simulator) -> Client:
    return Client(WebApp(simulator))


def actor(person: Person = DEV, fmt: str = "legacy", zone: str = "Europe/Berlin") -> Actor:
    return Actor(person, "addon" if fmt == "addon" else "legacy", "en-GB", zone)
