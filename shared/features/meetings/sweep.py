"""The tick's calendar sweep: the polling that keeps calendars right when pushes are lost.

Every tick takes the links whose ``next_sync`` has come (a push sets it to now;
a sync sets it ``calendar_sweep_seconds`` ahead), claims each by moving
``next_sync`` on (compare-and-set, so overlapping ticks never sync one calendar
twice), and then, a few at a time: connects PENDING links whose grant arrived,
runs an incremental sync of ACTIVE ones, and renews their push channel when it
is a day from expiring. With push off, this alone keeps meeting reminders in
sync, within ``calendar_sweep_seconds``.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.core.ticks import Tick, TickReport
from shared.features.meetings import links
from shared.google.errors import ApiError
from shared.services import Services
from shared.store.calendars import CalendarLink, LinkState

log = logging.getLogger(__name__)

JOB = "meetings.sweep"
#: Links claimed per tick at most.
MAX_PER_TICK = 500
#: Syncs in flight at once (each mostly waits on Calendar).
WORKERS = 8
#: Stop starting syncs this many seconds before the tick's deadline.
MARGIN_SECONDS = 5.0
#: A claim keeps other ticks off a link this long (longer than any sync).
CLAIM = timedelta(minutes=5)


@dataclass
class _Counts:
    synced: int = 0
    connected: int = 0
    failed: int = 0
    released: int = 0


def sweep(tick: Tick, services: Services) -> TickReport:
    """Claim and sync the due calendars (see the module docstring)."""
    now = tick.now
    store = services.calendars()
    claimed: list[CalendarLink] = []
    for link in store.links_due(now.timestamp(), limit=MAX_PER_TICK):
        taken = store.save_link(replace(link, next_sync=(now + CLAIM).timestamp()))
        if taken is not None:
            claimed.append(taken)
    counts = _Counts()

    def one(link: CalendarLink) -> None:
        if tick.time_left() <= MARGIN_SECONDS:
            _release(services, link.user, now)
            counts.released += 1
            return
        try:
            _sweep_one(services, link, now=now, counts=counts)
        except ApiError:
            counts.failed += 1  # recorded on the link by links.activate
        except Exception:
            log.exception("calendar sweep failed for a user", extra={"fields": {"user": link.user}})
            counts.failed += 1
            _release(services, link.user, now + timedelta(minutes=5))

    if claimed:
        with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sweep") as pool:
            list(pool.map(one, claimed))
    left = len(store.links_due(now.timestamp(), limit=MAX_PER_TICK))
    return TickReport(
        JOB,
        done=counts.synced + counts.connected,
        left=left + counts.released,
        notes=f"claimed {len(claimed)}, connected {counts.connected}, failed {counts.failed}",
    )


def _sweep_one(services: Services, link: CalendarLink, *, now: datetime, counts: _Counts) -> None:
    if link.state is LinkState.PENDING:
        if links.has_read_grant(services, link.user):
            links.activate(services, link.user, now=now)
            counts.connected += 1
        elif now.timestamp() - link.created_at > links.PENDING_FOR.total_seconds():
            services.calendars().delete_link(link.user)  # never granted: forget the request
        else:
            _release(services, link.user, now + links.PENDING_RECHECK)
        return
    if link.state is LinkState.ACTIVE:
        links.activate(services, link.user, now=now)
        counts.synced += 1
        return
    # BROKEN: nothing to do until /meetings connect.
    services.calendars().save_link(replace(link, next_sync=None))


def _release(services: Services, user: str, at: datetime) -> None:
    """Give a claimed link back, due at ``at``."""
    store = services.calendars()
    link = store.get_link(user)
    if link is not None:
        store.save_link(replace(link, next_sync=at.timestamp()))
