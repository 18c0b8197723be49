"""The tick door: a Cloud Scheduler tick (through Pub/Sub) in, every feature's tick jobs run."""

from __future__ import annotations

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.wiring import runtime


@functions_framework.cloud_event
def reminders_tick(cloud_event: CloudEvent) -> None:
    """CloudEvent entry point for the once-a-minute scheduler tick."""
    runtime().tick(cloud_event.get("time"))
