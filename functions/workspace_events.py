"""The Workspace Events door: a Pub/Sub CloudEvent in, a typed ``WorkspaceEvent`` out.

This version decodes and logs every event; the handlers for messages,
memberships, reactions and subscription lifecycle arrive with their issue.
"""

from __future__ import annotations

import logging

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.config import settings
from shared.log import configure
from shared.workspace.envelope import BadEnvelope, decode_cloud_event_data

log = logging.getLogger(__name__)


@functions_framework.cloud_event
def workspace_events(cloud_event: CloudEvent) -> None:
    """CloudEvent entry point for Workspace Events delivered through Pub/Sub."""
    current = settings()
    configure(current.log_level, current.project_id)
    try:
        event = decode_cloud_event_data(cloud_event.data)
    except BadEnvelope as exc:
        # A message that can never be decoded must not be retried forever.
        log.error(
            "Dropping an undecodable Pub/Sub message: %s",
            exc,
            extra={"fields": {"cloud_event_id": cloud_event["id"]}},
        )
        return
    log.info(
        "Received Workspace event %s",
        event.type,
        extra={"fields": {"ce_id": event.id, "ce_type": event.type, "subject": event.subject}},
    )
