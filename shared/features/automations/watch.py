"""Every message a space's subscription reports: keyword alerts first, then the webhook.

Messages sent by bots (Nudge included) never reach here (the dispatcher drops them), and
one whose payload holds only its name is fetched first (with ``chat.bot`` Nudge can read
only some messages; one it cannot read is skipped). Alerts answer ``created`` and
``updated`` (one alert per message either way); the webhook forwards ``created`` only.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from shared.features.automations import records
from shared.features.automations.matching import Match, match
from shared.google.errors import NotFound, PermissionDenied
from shared.workspace.models import ChatMessageEvent
from shared.workspace.parse import message_from

if TYPE_CHECKING:
    from shared.features.automations.webhooks import Deliverer
    from shared.services import Services
    from shared.store.spaces import SpaceSettings
    from shared.workspace.models import WorkspaceEvent

log = logging.getLogger(__name__)


def wants_alerts(settings: SpaceSettings) -> bool:
    return bool(settings.alert_space and (settings.watch_words or settings.watch_pattern))


def wants_webhook(settings: SpaceSettings) -> bool:
    return (
        settings.webhook_mode in ("all", "matches")
        and bool(settings.webhook_url)
        and bool(settings.webhook_secret)
    )


def _with_body(event: ChatMessageEvent, services: Services) -> ChatMessageEvent | None:
    """The event with its message's body (fetched for a names-only payload), or ``None``."""
    if not event.names_only:
        return event
    try:
        data = services.chat().get_message(event.message.name)
    except (NotFound, PermissionDenied):
        log.info(
            "cannot read a names-only message; skipping it",
            extra={"fields": {"ce_id": event.id, "message": event.message.name}},
        )
        return None
    fetched = replace(event, message=message_from(data), names_only=False)
    return None if fetched.is_from_a_bot else fetched


def on_message(event: WorkspaceEvent, services: Services, deliverer: Deliverer) -> None:
    """The ``message.v1.created``/``updated`` handler."""
    if not isinstance(event, ChatMessageEvent) or event.action not in ("created", "updated"):
        return
    if event.is_from_a_bot:
        return
    settings = records.load(services, event.space)
    alerts = wants_alerts(settings)
    hook = event.action == "created" and wants_webhook(settings)
    if not (alerts or hook):
        return
    full = _with_body(event, services)
    if full is None:
        return
    found = (
        match(settings.watch_words, settings.watch_pattern, full.message.text)
        if settings.watch_words or settings.watch_pattern
        else Match()
    )
    if alerts and found:
        from shared.features.automations.alerts import post_alert

        post_alert(full, settings, found, services)
    if hook and (settings.webhook_mode == "all" or found):
        deliverer.deliver(full, settings, services, found)
