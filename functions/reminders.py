"""The reminders door: a Cloud Scheduler tick in, a summary of what was posted out.

The reminders feature (store, schedule grammar, exactly-once delivery) arrives
with its own issue; this entry point already accepts the tick Google sends.
"""

from __future__ import annotations

import logging

import functions_framework
from cloudevents.http.event import CloudEvent

from shared.config import settings
from shared.log import configure

log = logging.getLogger(__name__)


@functions_framework.cloud_event
def reminders_tick(cloud_event: CloudEvent) -> None:
    """CloudEvent entry point for the once-a-minute scheduler tick."""
    current = settings()
    configure(current.log_level, current.project_id)
    log.info(
        "Reminders tick received; no reminder store is configured in this version",
        extra={"fields": {"tick_time": cloud_event.get("time"), "posted": 0}},
    )
