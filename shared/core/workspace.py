"""Workspace events to the features that handle them, by CloudEvent type.

``WorkspaceDispatcher.handle`` takes the data of the Pub/Sub CloudEvent that
``workspace_events`` receives. A message that can never be read is logged
with its reason and acknowledged (returning), so it cannot poison the
subscription; a handler's exception propagates, so Pub/Sub delivers again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from shared.core.feature import EventHandler, Feature
from shared.log import RequestContext, request_context
from shared.services import Services
from shared.workspace.envelope import BadEnvelope, WorkspaceEvent, decode_cloud_event_data

log = logging.getLogger(__name__)


class WorkspaceDispatcher:
    """Routes decoded Workspace events to every feature handler registered for their type."""

    def __init__(self, services: Services, features: Sequence[Feature]) -> None:
        self.services = services
        self.handlers: dict[str, list[EventHandler]] = {}
        for feature in features:
            for event_type, handlers in feature.event_handlers.items():
                self.handlers.setdefault(event_type, []).extend(handlers)

    def handle(self, data: Any, *, outer_id: str = "") -> list[WorkspaceEvent]:
        """Decode ``data`` and run its handlers; returns the events handled (empty if dropped)."""
        with request_context(RequestContext(outer_id or "workspace-event")):
            try:
                event = decode_cloud_event_data(data)
            except BadEnvelope as exc:
                log.error(
                    "Dropping an undecodable Pub/Sub message: %s",
                    exc,
                    extra={"fields": {"cloud_event_id": outer_id, "reason": str(exc)}},
                )
                return []
            self.dispatch(event)
            return [event]

    def dispatch(self, event: WorkspaceEvent) -> None:
        """Run the handlers for one decoded event."""
        handlers = self.handlers.get(event.type, ())
        fields: Mapping[str, Any] = {
            "ce_id": event.id,
            "ce_type": event.type,
            "subject": event.subject,
        }
        if not handlers:
            log.info("No handler for Workspace event %s", event.type, extra={"fields": fields})
            return
        for handler in handlers:
            handler(event, self.services)
        log.info("Handled Workspace event %s", event.type, extra={"fields": fields})
