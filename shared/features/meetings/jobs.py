"""Deferred meetings work: ``meetings.sync`` (a push arrived, or a command asked)."""

from __future__ import annotations

import logging

from shared.features.meetings import links
from shared.google.errors import ApiError
from shared.services import Services
from shared.workspace.models import JobEvent

log = logging.getLogger(__name__)


def sync_job(job: JobEvent, services: Services) -> None:
    """Connect (if pending) and sync ``job.args["user"]``'s calendar.

    A Calendar failure is recorded on the link and left to the sweep, which backs
    off, rather than retried by Pub/Sub at once: pushes come in bursts.
    """
    user = str(job.args.get("user", ""))
    if not user.startswith("users/"):
        log.warning("meetings.sync without a user; dropped", extra={"fields": {"job": job.id}})
        return
    try:
        links.activate(services, user, now=services.clock())
    except ApiError as exc:
        log.info(
            "calendar sync failed; the sweep retries",
            extra={"fields": {"user": user, "error": str(exc)[:200]}},
        )
