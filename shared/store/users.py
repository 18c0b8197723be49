"""What Nudge remembers about a person: their time zone, learned or set."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class ZoneSource(enum.StrEnum):
    CHAT = "chat"  # from a card click or dialog submission, which carry it
    EXPLICIT = "explicit"  # /remind timezone Europe/Berlin
    CALENDAR = "calendar"  # from the user's Google Calendar settings


@dataclass(frozen=True, slots=True)
class UserPrefs:
    user: str  # users/{id}
    zone: str = ""  # IANA name; "" while unknown
    zone_source: ZoneSource | None = None
    locale: str = ""
    updated_at: float = 0.0


class UserStore(Protocol):
    """Per-user preferences, keyed by ``users/{id}``."""

    def get_user(self, user: str) -> UserPrefs | None: ...

    def put_user(self, prefs: UserPrefs) -> None:
        """Insert or replace."""
        ...
