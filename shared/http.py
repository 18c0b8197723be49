"""Framework-free HTTP values: what a door hands the core, and what it gets back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """An inbound request. Header names are matched case-insensitively."""

    method: str
    path: str
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """An outbound response; ``body`` is already encoded."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": "application/json", **(headers or {})})

    @classmethod
    def error(cls, status: int, code: str, message: str, **extra: str) -> HttpResponse:
        """A JSON error body: ``{"error": {"code": ..., "message": ...}}``."""
        return cls.json(status, {"error": {"code": code, "message": message}}, extra or None)

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain") -> HttpResponse:
        return cls(status, text.encode(), {"Content-Type": f"{content_type}; charset=utf-8"})

    @classmethod
    def redirect(cls, location: str) -> HttpResponse:
        return cls(302, b"", {"Location": location, "Cache-Control": "no-store"})
