"""The Workspace Events door: a Pub/Sub CloudEvent in, handled Workspace event out.

The CloudEvent's data is a Pub/Sub message carrying a Workspace CloudEvent
(``ce-*`` attributes, base64 JSON data). Returning acknowledges it; raising
makes Pub/Sub deliver it again.
"""

from __future__ import annotations

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.wiring import runtime


@functions_framework.cloud_event
def workspace_events(cloud_event: CloudEvent) -> None:
    """CloudEvent entry point for Workspace Events delivered through Pub/Sub."""
    runtime().workspace.handle(cloud_event.data, outer_id=str(cloud_event["id"]))
