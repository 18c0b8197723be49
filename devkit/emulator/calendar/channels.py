"""Notification channels (``Channel``), the checks of an ``events.watch`` body, and push knobs.

A channel lives at most 7 days: ``params.ttl`` (seconds, a string; default
604800) and ``expiration`` (Unix ms) can only shorten that, "the more
restrictive value is used" (§1.7). Addresses must be HTTPS (§1.2); plain
HTTP is accepted for loopback receivers only, so that tests can listen.
"""

from __future__ import annotations

import ipaddress
import random
import urllib.parse
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from devkit.emulator.calendar.errors import CalendarError, invalid, required
from devkit.emulator.calendar.store import base32hex_id

Json = dict[str, Any]

DEFAULT_TTL_S = 604_800
MAX_TTL_S = 604_800


@dataclass
class PushConfig:
    """Delivery knobs; all off by default. ``*_next`` act on the next N messages."""

    drop_next: int = 0
    duplicate_next: int = 0
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    timeout_s: float = 5.0
    retries: int = 3
    backoff_s: float = 1.0
    unauthorized_hosts: list[str] = field(default_factory=list)
    seed: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> PushConfig:
        if not isinstance(data, dict):
            raise ValueError("push settings must be a JSON object")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown push settings: {', '.join(unknown)}")
        config = cls(**data)
        for name in ("drop_rate", "duplicate_rate"):
            if not 0.0 <= float(getattr(config, name)) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]")
        if min(config.drop_next, config.duplicate_next, config.retries) < 0:
            raise ValueError("counts must not be negative")
        return config

    def to_json(self) -> Json:
        return asdict(self)


@dataclass
class Channel:
    id: str
    resource_id: str
    resource_uri: str
    token: str | None
    address: str
    expiration_ms: int
    calendar_id: str
    user: str
    created: float
    state: str = "active"  # active | stopped | expired
    number: int = 0
    steps: random.Random = field(default_factory=random.Random)

    def to_json(self) -> Json:
        out: Json = {
            "kind": "api#channel",
            "id": self.id,
            "resourceId": self.resource_id,
            "resourceUri": self.resource_uri,
            "expiration": str(self.expiration_ms),
        }
        if self.token is not None:
            out["token"] = self.token
        return out


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _ttl(params: Any) -> int:
    raw = params.get("ttl") if isinstance(params, dict) else None
    if raw is None:
        return DEFAULT_TTL_S
    try:
        value = int(str(raw))
    except ValueError:
        raise invalid("Invalid value for params.ttl.", "params.ttl") from None
    if value <= 0:
        raise invalid("Invalid value for params.ttl.", "params.ttl")
    return min(value, MAX_TTL_S)


def new_channel(user: str, calendar_id: str, requested: str, body: Json, now: float) -> Channel:
    """A channel from an ``events.watch`` body; raises Calendar's 400s."""
    channel_id = str(body.get("id") or "")
    address = str(body.get("address") or "")
    if not channel_id:
        raise required("Channel id is required.", "id")
    if len(channel_id) > 64:
        raise invalid("Channel id must be at most 64 characters.", "id")
    if str(body.get("type") or "") not in ("web_hook", "webhook"):
        raise invalid("Unknown channel type.", "type")
    if not address:
        raise required("Channel address is required.", "address")
    token = body.get("token")
    if token is not None and len(str(token)) > 256:
        raise invalid("Channel token must be at most 256 characters.", "token")
    parsed = urllib.parse.urlsplit(address)
    if parsed.scheme != "https" and not (
        parsed.scheme == "http" and _loopback(parsed.hostname or "")
    ):
        raise CalendarError(
            400, f"WebHook callback must be HTTPS: {address}", "push.webhookUrlNotHttps"
        )
    now_ms = int(now * 1000)
    expiration = now_ms + _ttl(body.get("params") or {}) * 1000
    if body.get("expiration") is not None:
        try:
            expiration = min(expiration, int(str(body["expiration"])))
        except ValueError:
            raise invalid("Invalid channel expiration.", "expiration") from None
        if expiration <= now_ms:
            raise invalid("Channel expiration must be in the future.", "expiration")
    quoted = urllib.parse.quote(requested, safe="@")
    return Channel(
        channel_id,
        base32hex_id(f"resource/{calendar_id}", 27),
        f"https://www.googleapis.com/calendar/v3/calendars/{quoted}/events?alt=json",
        None if token is None else str(token),
        address,
        expiration,
        calendar_id,
        user,
        now,
        steps=random.Random(channel_id),
    )
