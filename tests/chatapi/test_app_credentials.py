"""app_credentials: fixed token (emulator), key file, and ADC, always with explicit scopes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import google.auth
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth.app import app_credentials
from shared.config import CHAT_BOT_SCOPE, Settings


def test_fixed_token_for_the_emulator() -> None:
    credentials = app_credentials(Settings(chat_api_token="local-token"))
    assert credentials.token == "local-token"
    assert credentials.valid


def test_service_account_key_file_is_scoped(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "p",
                "private_key_id": "1",
                "private_key": pem,
                "client_email": "nudge@p.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    scopes = (
        "https://www.googleapis.com/auth/chat.bot",
        "https://www.googleapis.com/auth/chat.app.memberships",
    )
    credentials: Any = app_credentials(Settings(service_account_file=str(path), chat_scopes=scopes))
    assert tuple(credentials.scopes) == scopes
    assert credentials.service_account_email == "nudge@p.iam.gserviceaccount.com"


def test_adc_gets_the_configured_scopes(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    sentinel = object()

    def fake_default(scopes: Any = None, **kwargs: Any) -> tuple[object, str]:
        seen["scopes"] = scopes
        return sentinel, "proj"

    monkeypatch.setattr(google.auth, "default", fake_default)
    assert app_credentials(Settings()) is sentinel
    assert seen["scopes"] == [CHAT_BOT_SCOPE]
