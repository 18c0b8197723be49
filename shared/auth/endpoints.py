"""Google's OAuth token and revocation endpoints.

Requests go through ``shared.google.transport``, so the URL policy applies
(https, or http only to loopback) and nothing here logs or raises a code,
token or secret.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.google.transport import DEFAULT_TIMEOUT, TransportError, send
from shared.google.urls import UnsafeUrl
from shared.util.b64 import b64url_decode


class TokenEndpointError(Exception):
    """The endpoint refused (``error`` is its OAuth error code) or could not be reached."""

    def __init__(self, error: str, status: int | None = None, description: str = "") -> None:
        super().__init__(f"{error} (HTTP {status})" if status else error)
        self.error = error
        self.status = status
        self.description = description


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A successful token response. Keep ``refresh_token`` out of logs and reprs."""

    access_token: str = field(repr=False)
    expires_in: int
    scopes: frozenset[str]
    refresh_token: str | None = field(default=None, repr=False)
    id_claims: Mapping[str, Any] = field(default_factory=dict)


def post_form(
    url: str, fields: Mapping[str, str], *, timeout: float = DEFAULT_TIMEOUT
) -> tuple[int, dict[str, Any]]:
    """POST ``fields`` form-encoded; returns (status, JSON body or ``{}``). Raises on no answer."""
    try:
        result = send(
            "POST",
            url,
            body=urllib.parse.urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            timeout=timeout,
        )
    except UnsafeUrl:
        raise TokenEndpointError("bad_endpoint_url") from None
    except TransportError as exc:
        raise TokenEndpointError("unreachable", None, str(exc)) from None
    body = result.json()
    return result.status, body if isinstance(body, dict) else {}


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The payload of a JWT, *unverified*.

    Only for an ID token taken straight from the token endpoint's TLS
    response (OpenID Connect Core 3.1.3.7 allows skipping the signature check
    then). Never use this on a token that came from anyone else.
    """
    parts = id_token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except ValueError:
        raise ValueError("JWT payload is not base64 JSON") from None
    if not isinstance(claims, dict):
        raise ValueError("JWT payload is not an object")
    return claims


def _grant(status: int, body: Mapping[str, Any]) -> TokenGrant:
    if status != 200 or "access_token" not in body:
        raise TokenEndpointError(
            str(body.get("error") or "token_request_failed"),
            status,
            str(body.get("error_description") or ""),
        )
    claims: dict[str, Any] = {}
    if body.get("id_token"):
        try:
            claims = id_token_claims(str(body["id_token"]))
        except ValueError:
            raise TokenEndpointError("bad_id_token", status) from None
    return TokenGrant(
        access_token=str(body["access_token"]),
        expires_in=int(body.get("expires_in") or 3600),
        scopes=frozenset(str(body.get("scope") or "").split()),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        id_claims=claims,
    )


def exchange_code(
    token_url: str,
    *,
    code: str,
    redirect_uri: str,
    client_id: str,
    client_secret: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> TokenGrant:
    """``grant_type=authorization_code``; raises ``TokenEndpointError``."""
    status, body = post_form(
        token_url,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": client_secret,
        },
        timeout=timeout,
    )
    return _grant(status, body)


def revoke_token(revoke_url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Revoke a refresh (or access) token; True when Google confirmed it."""
    try:
        status, _ = post_form(revoke_url, {"token": token}, timeout=timeout)
    except TokenEndpointError:
        return False
    return status == 200
