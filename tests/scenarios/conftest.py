"""Drive ``chat_app`` as Google would: through functions-framework, with signed tokens.

Tokens are signed by a throwaway development key whose certs a loopback certs
server publishes; each test picks the verification mode through the env.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from flask.testing import FlaskClient

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from shared.config import Settings
from shared.core.feature import Feature
from shared.wiring import Runtime, load_features, use_runtime

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "events"
PROJECT_NUMBER = "424242424242"
ENDPOINT_URL = "https://us-central1-nudge-test.cloudfunctions.net/chat_app"
ADDON_SA = "service-424242424242@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
CHAT_SA = "chat@system.gserviceaccount.com"


def fixture(kind: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / kind / f"{name}.json").read_text())
    return data


def fixture_names(kind: str) -> list[str]:
    return sorted(p.stem for p in (FIXTURES / kind).glob("*.json"))


def reset_process_caches() -> None:
    """Forget settings, the built app and cached certs, as a fresh instance would."""
    from shared.wiring import reset_runtime

    reset_runtime()


@dataclass
class ChatHarness:
    """A chat_app under test plus the means to sign requests for it."""

    client: FlaskClient
    key: DevKey
    certs: CertsServer
    mode: str

    def token(self, **overrides: Any) -> str:
        if self.mode == "project_number":
            return self.key.chat_token(PROJECT_NUMBER, **overrides)
        overrides.setdefault("email", ADDON_SA if self.mode == "addon" else CHAT_SA)
        return self.key.oidc_token(ENDPOINT_URL, **overrides)

    def post(
        self, body: bytes | dict[str, Any] | list[Any], token: str | None = "sign", **headers: str
    ) -> Any:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        if token == "sign":
            token = self.token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.post(
            "/", data=data, headers={"Content-Type": "application/json", **headers}
        )


def _env(mode: str, certs_url: str) -> dict[str, str]:
    env = {
        "NUDGE_COMMAND_IDS": "/help=1",
        "NUDGE_LOG_LEVEL": "DEBUG",
        "NUDGE_PROJECT_ID": "nudge-test",
        "NUDGE_DATABASE": ":memory:",
    }
    if mode == "project_number":
        env |= {"NUDGE_CHAT_AUDIENCE": PROJECT_NUMBER, "NUDGE_CHAT_CERTS_URL": certs_url}
    else:
        env |= {"NUDGE_CHAT_AUDIENCE": ENDPOINT_URL, "NUDGE_OIDC_CERTS_URL": certs_url}
    if mode == "addon":
        env["NUDGE_ADDON_SERVICE_ACCOUNT"] = ADDON_SA
    return env


@pytest.fixture(scope="session")
def dev_key() -> DevKey:
    return DevKey.generate()


@pytest.fixture
def make_harness(
    dev_key: DevKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., ChatHarness]]:
    servers: list[CertsServer] = []

    def build(
        mode: str = "project_number", *, extra_features: Sequence[Feature] = (), **extra_env: str
    ) -> ChatHarness:
        """chat_app for ``mode``; ``extra_features`` are installed beside the built-in ones."""
        certs = CertsServer(dev_key, max_age=3600).start()
        servers.append(certs)
        for name, value in (_env(mode, certs.certs_url) | extra_env).items():
            monkeypatch.setenv(name, value)
        reset_process_caches()
        if extra_features:
            settings = Settings.from_env(os.environ)
            use_runtime(Runtime(settings, features=[*load_features(), *extra_features]))
        app = functions_framework.create_app("chat_app", str(ROOT / "main.py"), "http")
        return ChatHarness(app.test_client(), dev_key, certs, mode)

    yield build
    for server in servers:
        server.stop()
    reset_process_caches()


@pytest.fixture
def harness(make_harness: Callable[..., ChatHarness]) -> ChatHarness:
    return make_harness("project_number")
