"""Keeping a user's meeting reminders in step with their calendar (docs/decisions/0019).

``sync_calendar`` runs one sync as the user: a full one (bounded to meetings
ending after yesterday) the first time, after a settings change and after a
``410``; otherwise an incremental one with the stored sync token. Each event it
sees goes through ``apply_event``, which creates, moves, withdraws or leaves the
instance's reminder, and updates a reminder already posted when its meeting
moved, was cancelled or declined. Everything is idempotent: reminder IDs derive
from the instance, writes are compare-and-set, and an older view of an event
(by its ``updated`` time) never overwrites a newer one, so overlapping syncs
(a push and the sweep) and retried jobs are safe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.calendar.models import CalendarEvent
from shared.features.meetings import plan, posts
from shared.features.meetings.notify import update_posted
from shared.features.meetings.scopes import READ
from shared.services import Services
from shared.store.calendars import CalendarLink, LinkState
from shared.store.reminders import Reminder, ReminderState

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

    from shared.calendar.client import CalendarClient

log = logging.getLogger(__name__)

#: A full sync reads meetings that end after this long ago (nothing earlier needs a reminder).
FULL_SYNC_LOOKBACK = timedelta(days=1)
#: Compare-and-set attempts on one record before giving up (the next sync finishes it).
ATTEMPTS = 3
#: Pending posts read per page when a full sync withdraws what it no longer saw.
PAGE = 200


@dataclass
class SyncReport:
    """What one sync did."""

    user: str
    full: bool = False
    #: A 410 made the incremental sync start over in full.
    resynced: bool = False
    pages: int = 0
    items: int = 0
    scheduled: int = 0
    changed: int = 0
    withdrawn: int = 0
    #: Posted reminders updated in place (moved, cancelled, declined).
    updated: int = 0
    zone: str = ""


def sync_calendar(
    services: Services, user: str, *, now: datetime, full: bool = False
) -> SyncReport | None:
    """Sync ``user``'s connected calendar; ``None`` when it is not connected (ACTIVE).

    Raises ``AuthorizationRequired`` when the grant is gone and ``ApiError`` when
    Calendar fails (the caller records it and retries later).
    """
    link = services.calendars().get_link(user)
    if link is None or link.state is not LinkState.ACTIVE:
        return None
    report = SyncReport(user)

    def run(credentials: Credentials) -> None:
        client = services.calendar()(credentials)
        _run(services, client, link, report, now=now, full=full or not link.sync_token)

    services.grants().call(user, [READ], run, reason="to keep your meeting reminders in sync")
    return report


def _run(
    services: Services,
    client: CalendarClient,
    link: CalendarLink,
    report: SyncReport,
    *,
    now: datetime,
    full: bool,
) -> None:
    from shared.calendar.client import SyncTokenExpired

    if not full:
        try:
            token = _pages(services, client, link, report, now=now, sync_token=link.sync_token)
        except SyncTokenExpired:
            log.info(
                "sync token expired (410); syncing in full", extra={"fields": {"user": link.user}}
            )
            report.resynced = True
            full = True
    if full:
        link = replace(link, generation=link.generation + 1)
        report.full = True
        token = _pages(services, client, link, report, now=now, sync_token=None)
        report.withdrawn += _withdraw_unseen(services, link, now=now)
    _finish(services, replace(link, zone=report.zone or link.zone), report, token=token, now=now)


def _pages(
    services: Services,
    client: CalendarClient,
    link: CalendarLink,
    report: SyncReport,
    *,
    now: datetime,
    sync_token: str | None,
) -> str:
    """Apply every page of one sync; returns the new sync token."""
    time_min = None if sync_token else now - FULL_SYNC_LOOKBACK
    token = ""
    for page in client.sync(link.calendar_id, sync_token=sync_token, time_min=time_min):
        report.pages += 1
        if page.zone and page.zone != link.zone:
            link = replace(link, zone=page.zone)
        report.zone = link.zone
        for event in page.items:
            report.items += 1
            outcome = apply_event(services, link, event, now=now)
            if outcome:
                setattr(report, outcome, getattr(report, outcome) + 1)
        if page.next_sync_token:
            token = page.next_sync_token
    return token


# --- one event ---------------------------------------------------------------------------


def apply_event(
    services: Services, link: CalendarLink, event: CalendarEvent, *, now: datetime
) -> str:
    """Bring the reminder of ``event`` in line with it; returns what changed (a
    ``SyncReport`` counter's name) or ``""``."""
    store = services.reminders()
    post_id = posts.post_id(link.user, link.calendar_id, event.id)
    for _ in range(ATTEMPTS):
        existing = store.get(post_id)
        if existing is not None and _stale(existing, event):
            return ""
        verdict = plan.verdict(event, link, now=now)
        if verdict.remind:
            outcome = _want(services, link, event, existing, now=now)
        else:
            outcome = _unwant(services, link, existing, verdict.reason, now=now)
        if outcome is not None:
            return outcome
    log.warning(
        "a meeting reminder kept changing; the next sync retries",
        extra={"fields": {"post": post_id}},
    )
    return ""


def _stale(post: Reminder, event: CalendarEvent) -> bool:
    """True when ``post`` was written from a newer view of ``event`` than this one."""
    stored = str(post.payload.get("updated", ""))
    if not stored or event.updated is None or event.cancelled:
        return False
    try:
        return datetime.fromisoformat(stored) > event.updated
    except ValueError:
        return False


def _want(
    services: Services,
    link: CalendarLink,
    event: CalendarEvent,
    existing: Reminder | None,
    *,
    now: datetime,
) -> str | None:
    """A reminder should be pending; ``None`` means a write lost a race (try again)."""
    store = services.reminders()
    meeting = posts.Meeting.of(event, link)
    if existing is None:
        try:
            store.add(posts.new_post(meeting, link, now=now))
        except ValueError:
            return None  # another sync added it meanwhile
        return "scheduled"
    before = posts.meeting_of(existing)
    moved = posts.start_key(meeting.start) != existing.due_key.split("#", 1)[0]
    if existing.state is ReminderState.ACTIVE:
        wanted = posts.rearmed(existing, meeting, link, now=now)
        if not moved and existing.due_key != wanted.due_key:
            wanted = replace(
                wanted, due_key=existing.due_key, next_fire=existing.next_fire
            )  # snoozed
        if _same(existing, wanted):
            return ""
        return "changed" if store.save(wanted) is not None else None
    if existing.state is not ReminderState.DONE:
        return ""  # DISABLED or PAUSED: its space refused it; left as the owner knows it
    # Already posted: show what changed on the posted message, and remind again if moved.
    shown = replace(meeting, notice="moved", was_start=before.start) if moved else meeting
    if moved and shown.start > now:
        wanted = posts.rearmed(existing, shown, link, now=now)
    else:
        wanted = posts.with_meeting(existing, shown)
    if _same(existing, wanted):
        return ""
    saved = store.save(wanted)
    if saved is None:
        return None
    if existing.last_message and before.shown() != shown.shown():
        update_posted(
            services,
            existing.last_message,
            shown,
            existing.id,
            now=now,
            shared_space=bool(existing.space),
        )
        return "updated"
    return "changed"


def _unwant(
    services: Services, link: CalendarLink, existing: Reminder | None, reason: str, *, now: datetime
) -> str | None:
    """No reminder should be pending: withdraw it, and say why on one already posted."""
    if existing is None:
        return ""
    store = services.reminders()
    notice = reason if reason in (plan.CANCELLED, plan.DECLINED) else ""
    if existing.state is ReminderState.ACTIVE and not existing.last_message:
        return "withdrawn" if store.delete(existing.id) else None
    if not existing.last_message or not notice:
        if existing.state is ReminderState.ACTIVE:
            done = replace(existing, state=ReminderState.DONE, next_fire=None)
            return "withdrawn" if store.save(done) is not None else None
        return ""
    meeting = posts.meeting_of(existing)
    if meeting.notice == notice:
        return ""
    shown = replace(meeting, notice=notice)
    done = replace(posts.with_meeting(existing, shown), state=ReminderState.DONE, next_fire=None)
    if store.save(done) is None:
        return None
    update_posted(
        services,
        existing.last_message,
        shown,
        existing.id,
        now=now,
        shared_space=bool(existing.space),
    )
    return "updated"


def _same(a: Reminder, b: Reminder) -> bool:
    return (a.next_fire, a.due_key, a.space, a.state, a.text, dict(a.payload)) == (
        b.next_fire,
        b.due_key,
        b.space,
        b.state,
        b.text,
        dict(b.payload),
    )


# --- after a full sync -----------------------------------------------------------------------


def _withdraw_unseen(services: Services, link: CalendarLink, *, now: datetime) -> int:
    """Withdraw pending reminders the full sync (``link.generation``) did not see: their
    events were deleted while the sync token was invalid."""
    store = services.reminders()
    stale: list[Reminder] = []
    offset: int | None = 0
    while offset is not None:
        page = store.owned_by(link.user, kind=posts.KIND, offset=offset, limit=PAGE)
        stale.extend(p for p in page.items if _generation(p) < link.generation)
        offset = page.next_offset
    withdrawn = 0
    for post in stale:
        if post.state is not ReminderState.ACTIVE:
            continue
        outcome = _unwant(services, link, post, plan.CANCELLED, now=now)
        withdrawn += outcome in ("withdrawn", "updated")
    return withdrawn


def _generation(post: Reminder) -> int:
    try:
        return int(post.payload.get("generation", 0) or 0)
    except (TypeError, ValueError):
        return 0


def _finish(
    services: Services, link: CalendarLink, report: SyncReport, *, token: str, now: datetime
) -> None:
    """Store the new sync token and zone, and when the sweep should come back."""
    from shared.features.meetings import zones

    store = services.calendars()
    every = services.settings.calendar_sweep_seconds
    for _ in range(ATTEMPTS):
        current = store.get_link(link.user)
        if current is None or current.state is not LinkState.ACTIVE:
            return
        first = current.full_synced_at == 0
        updated = replace(
            current,
            sync_token=token or current.sync_token,
            synced_at=now.timestamp(),
            full_synced_at=now.timestamp() if report.full else current.full_synced_at,
            generation=max(current.generation, link.generation),
            zone=link.zone or current.zone,
            next_sync=now.timestamp() + every,
            failures=0,
            note="",
        )
        saved = store.save_link(updated)
        if saved is not None:
            zones.agree(
                services, saved, first_sync=first, upcoming=report.scheduled + report.changed
            )
            return
    log.info(
        "the link changed during the sync; the next sync stores its token",
        extra={"fields": {"user": link.user}},
    )


def pending_meetings(services: Services, user: str) -> Iterable[Reminder]:
    """Every pending meeting reminder of ``user`` (for disconnecting and listing)."""
    store = services.reminders()
    offset: int | None = 0
    while offset is not None:
        page = store.owned_by(user, kind=posts.KIND, offset=offset, limit=PAGE)
        yield from page.items
        offset = page.next_offset
