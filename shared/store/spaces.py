"""Per-space settings for the built-in automations: welcome, keyword alerts, webhooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class SpaceSettings:
    """What a space's managers chose. Every field has a harmless default (all off)."""

    space: str
    welcome_on: bool = False
    welcome_text: str = ""
    #: Whole words (case-insensitive) that raise an alert, and/or one RE2 pattern.
    watch_words: tuple[str, ...] = field(default_factory=tuple)
    watch_pattern: str = ""
    alert_space: str = ""
    #: Outgoing webhook: an https URL, its sealed HMAC secret, what it forwards.
    webhook_url: str = ""
    webhook_secret: str = ""  # sealed with NUDGE_TOKEN_KEY, never plain
    webhook_mode: str = "off"  # off | all | matches
    webhook_failures: int = 0
    webhook_disabled_reason: str = ""
    updated_by: str = ""
    updated_at: float = 0.0
    version: int = 0


class SpaceSettingsStore(Protocol):
    def get_space(self, space: str) -> SpaceSettings | None: ...

    def put_space(self, settings: SpaceSettings) -> SpaceSettings | None:
        """Write if the stored version is still ``settings.version`` (new: 0); the stored
        settings (version bumped), or ``None`` when someone changed them meanwhile."""
        ...
