"""The local development signing key: mints tokens that look like Chat's.

``load_or_create()`` makes an RSA-2048 key and a self-signed certificate on
first use and keeps them in ``.nudge/devkey.pem`` (one file, mode 0600), so a
local Nudge pointed at :mod:`devkit.certs_server` accepts the dev tokens.
Never deploy with this key's certs: anyone with the file can sign requests.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from shared.config import CHAT_ISSUER

DEFAULT_DIRECTORY = Path(".nudge")
KEY_FILENAME = "devkey.pem"
OIDC_ISSUER = "https://accounts.google.com"
TOKEN_LIFETIME_SECONDS = 3600
_END_KEY = "-----END PRIVATE KEY-----"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JWTs use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """A stable kid: the first 16 hex chars of sha256 over the DER public key."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def _self_signed(private_key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nudge-devkit")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(private_key, hashes.SHA256())
    )


@dataclass(frozen=True)
class DevKey:
    """An RSA key, its self-signed cert and kid; signs RS256 JWTs."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    kid: str

    @classmethod
    def generate(cls, kid: str | None = None) -> DevKey:
        """A fresh in-memory key (``kid`` forces a kid, e.g. to forge one in tests)."""
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(private_key, _self_signed(private_key), kid or key_id(private_key.public_key()))

    @classmethod
    def from_pem(cls, text: str) -> DevKey:
        """Load the private key + certificate written by :meth:`to_pem`."""
        key_part, sep, cert_part = text.partition(_END_KEY)
        if not sep:
            raise ValueError("no private key in dev key file")
        private_key = serialization.load_pem_private_key((key_part + sep).encode(), None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("dev key is not RSA")
        certificate = x509.load_pem_x509_certificate(cert_part.strip().encode())
        if certificate.public_key() != private_key.public_key():
            raise ValueError("dev key certificate does not match the key")
        return cls(private_key, certificate, key_id(private_key.public_key()))

    def to_pem(self) -> str:
        """The private key followed by the certificate, PEM."""
        key = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return key.decode() + self.cert_pem()

    def cert_pem(self) -> str:
        """The self-signed certificate, PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, claims: Mapping[str, Any], *, header: Mapping[str, Any] | None = None) -> str:
        """An RS256 JWT over ``claims`` with this key's kid (``header`` adds/overrides fields)."""
        head = {"alg": "RS256", "typ": "JWT", "kid": self.kid, **(header or {})}
        signing_input = (
            b64url(json.dumps(head, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
        )
        signature = self.private_key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return signing_input + "." + b64url(signature)

    def chat_token(self, audience: str, *, now: float | None = None, **overrides: Any) -> str:
        """A project-number-mode token, as ``chat@system.gserviceaccount.com`` signs them.

        ``overrides`` replace claims; an override of ``None`` removes the claim.
        """
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": CHAT_ISSUER,
            "aud": audience,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_SECONDS,
        }
        return self.sign(_apply(claims, overrides))

    def oidc_token(
        self,
        audience: str,
        email: str | None = CHAT_ISSUER,
        *,
        email_verified: object = True,
        now: float | None = None,
        **overrides: Any,
    ) -> str:
        """A Google OIDC ID token for endpoint-URL or add-on mode.

        ``email``/``email_verified`` of ``None`` leave the claim out, as do
        ``overrides`` of ``None``; other overrides replace claims.
        """
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": OIDC_ISSUER,
            "aud": audience,
            "azp": email,
            "sub": str(int(hashlib.sha256(str(email).encode()).hexdigest()[:15], 16)),
            "email": email,
            "email_verified": email_verified,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_SECONDS,
        }
        claims = _apply({}, claims)  # drop the None ones
        return self.sign(_apply(claims, overrides))

    def certs_json(self) -> dict[str, str]:
        """``{kid: PEM cert}``, the shape of Google's x509 certs endpoints."""
        return {self.kid: self.cert_pem()}

    def jwk(self) -> dict[str, str]:
        """This key as one JWK."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
        }

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """``{"keys": [jwk]}``, the shape of Google's JWKS endpoints."""
        return {"keys": [self.jwk()]}


def _apply(claims: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def load_or_create(directory: str | os.PathLike[str] = DEFAULT_DIRECTORY) -> DevKey:
    """The dev key kept in ``directory`` (made, with the directory, on first use)."""
    folder = Path(directory)
    path = folder / KEY_FILENAME
    try:
        return DevKey.from_pem(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        pass
    key = DevKey.generate()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".devkey-", dir=folder)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.to_pem())
        # Another process may have won the race; keep its key so tokens stay valid.
        try:
            os.link(tmp, path)
        except FileExistsError:
            return DevKey.from_pem(path.read_text(encoding="ascii"))
        except OSError:  # a filesystem without hard links
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return key
