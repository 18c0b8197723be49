"""devkit.devkey and devkit.certs_server."""

from __future__ import annotations

import json
import os
import re
import stat
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from devkit import devkey as devkey_module
from devkit.certs_server import CertsServer
from devkit.devkey import DevKey, load_or_create
from shared.config import CHAT_ISSUER
from shared.core.certs import parse_certs
from shared.core.verify import verify_jwt
from tests.verify.conftest import ENDPOINT, NOW, PROJECT_NUMBER


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


# --- DevKey ---------------------------------------------------------------------------


def test_load_or_create_persists(tmp_path: Path) -> None:
    folder = tmp_path / "state" / ".nudge"
    first = load_or_create(folder)
    path = folder / devkey_module.KEY_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{16}", first.kid)
    again = load_or_create(folder)
    assert again.kid == first.kid
    assert again.cert_pem() == first.cert_pem()
    assert [p.name for p in folder.iterdir()] == [devkey_module.KEY_FILENAME]


def test_load_or_create_defaults_to_dot_nudge(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    key = load_or_create()
    assert (tmp_path / ".nudge" / devkey_module.KEY_FILENAME).exists()
    assert load_or_create(os.fspath(tmp_path / ".nudge")).kid == key.kid


def test_corrupt_key_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / devkey_module.KEY_FILENAME).write_text("nonsense", encoding="ascii")
    with pytest.raises(ValueError):
        load_or_create(tmp_path)


def test_kid_is_stable_per_key(devkey: DevKey) -> None:
    assert devkey_module.key_id(devkey.private_key.public_key()) == devkey.kid
    assert DevKey.from_pem(devkey.to_pem()).kid == devkey.kid


def test_certs_json_and_jwks_hold_the_same_key(devkey: DevKey) -> None:
    from_pem = parse_certs(devkey.certs_json())[devkey.kid]
    from_jwks = parse_certs(devkey.jwks())[devkey.kid]
    expected = devkey.private_key.public_key().public_numbers()
    assert from_pem.public_numbers() == from_jwks.public_numbers() == expected


def test_token_helpers(devkey: DevKey) -> None:
    def key_for(kid: str) -> RSAPublicKey | None:
        return parse_certs(devkey.certs_json()).get(kid)

    chat = verify_jwt(
        devkey.chat_token(PROJECT_NUMBER, now=NOW),
        key_for,
        audience=PROJECT_NUMBER,
        issuers=frozenset({CHAT_ISSUER}),
        now=NOW,
    )
    assert chat == {"iss": CHAT_ISSUER, "aud": PROJECT_NUMBER, "iat": NOW, "exp": NOW + 3600}
    oidc = verify_jwt(
        devkey.oidc_token(ENDPOINT, "x@example.com", email_verified=False, now=NOW, hd="x.com"),
        key_for,
        audience=ENDPOINT,
        issuers=frozenset({"https://accounts.google.com"}),
        now=NOW,
    )
    assert oidc["email"] == "x@example.com"
    assert oidc["email_verified"] is False
    assert oidc["hd"] == "x.com"
    trimmed = devkey.oidc_token(ENDPOINT, now=NOW, azp=None, sub=None, email_verified=None)
    payload = verify_jwt(
        trimmed,
        key_for,
        audience=ENDPOINT,
        issuers=frozenset({"https://accounts.google.com"}),
        now=NOW,
    )
    assert {"azp", "sub", "email_verified"}.isdisjoint(payload)


def test_sign_header(devkey: DevKey) -> None:
    token = devkey.sign({"a": 1}, header={"kid": "other", "x5t": "t"})
    head = json.loads(devkey_module.base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert head == {"alg": "RS256", "typ": "JWT", "kid": "other", "x5t": "t"}


# --- CertsServer ------------------------------------------------------------------------


def test_server_serves_certs_and_jwks(devkey: DevKey, rotated_key: DevKey) -> None:
    with CertsServer(devkey, max_age=120) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, headers, body = get(server.certs_url)
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=120"
        assert "Age" not in headers
        assert json.loads(body) == devkey.certs_json()
        status, _, body = get(server.jwks_url + "?x=1")
        assert json.loads(body) == devkey.jwks()
        server.add_key(rotated_key)
        assert set(json.loads(get(server.certs_url)[2])) == {devkey.kid, rotated_key.kid}
        server.set_keys(rotated_key)
        assert json.loads(get(server.jwks_url)[2]) == rotated_key.jwks()
        assert get(server.url + "/nope")[0] == 404
        assert server.hits == 5
        assert server.paths == ["/certs", "/jwks", "/certs", "/jwks", "/nope"]


def test_server_options(devkey: DevKey) -> None:
    server = CertsServer([devkey], max_age=None, age=3).start()
    try:
        status, headers, _ = get(server.certs_url)
        assert status == 200
        assert "Cache-Control" not in headers
        server.max_age = 50
        assert get(server.certs_url)[1]["Age"] == "3"
        server.fail_status = HTTPStatus.BAD_GATEWAY
        assert get(server.certs_url)[0] == 502
        assert server.start() is server  # idempotent
    finally:
        server.stop()
    server.stop()  # twice is fine


def test_server_stop_frees_the_port(devkey: DevKey) -> None:
    with CertsServer(devkey) as server:
        url = server.certs_url
    with pytest.raises(RuntimeError):
        _ = server.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)
