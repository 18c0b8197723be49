"""A connected calendar's life: asked for, connected, synced, broken, disconnected.

``/meetings connect`` stores a PENDING link and asks for the grant. Whoever
comes next with the grant in place (the command run again, the ``meetings.sync``
job, or the tick's sweep) ``activate``s it: ACTIVE, a full sync, a push channel.
A sync that finds the grant gone marks the link BROKEN and tells the user once.
``disconnect`` stops the channels, withdraws pending meeting reminders,
forgets the link and the grant's calendar scopes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.auth.errors import AuthorizationRequired
from shared.chat.responses import Reply
from shared.features.meetings import channels, scopes
from shared.features.meetings.notify import tell
from shared.features.meetings.sync import SyncReport, pending_meetings, sync_calendar
from shared.google.errors import ApiError
from shared.services import Services
from shared.store.calendars import CalendarLink, LinkState
from shared.util.crypto import SealError, TokenKeyError

log = logging.getLogger(__name__)

#: A PENDING link is checked this often for the grant, and forgotten after ``PENDING_FOR``.
PENDING_RECHECK = timedelta(minutes=1)
PENDING_FOR = timedelta(days=7)
#: Backoff after failed syncs: doubling from a minute, at most an hour.
MAX_BACKOFF = timedelta(hours=1)
#: How often a calendar whose push channel Google refused is swept (as with push off).
WITHOUT_PUSH = timedelta(minutes=5)


def has_read_grant(services: Services, user: str) -> bool:
    return scopes.READ in services.grants().granted_scopes(user)


def request(services: Services, user: str, *, now: datetime) -> CalendarLink:
    """The user's link, created PENDING (or a BROKEN one made PENDING again)."""
    store = services.calendars()
    email = ""
    stored = services.grants().stored(user)
    if stored is not None:
        email = stored.email
    for _ in range(3):
        link = store.get_link(user)
        if link is None:
            try:
                return store.add_link(
                    CalendarLink(
                        user=user,
                        email=email,
                        state=LinkState.PENDING,
                        next_sync=now.timestamp(),
                        created_at=now.timestamp(),
                    )
                )
            except ValueError:
                continue
        if link.state is not LinkState.BROKEN:
            return link
        saved = store.save_link(
            replace(link, state=LinkState.PENDING, next_sync=now.timestamp(), note="")
        )
        if saved is not None:
            return saved
    raise RuntimeError("the calendar link kept changing; try again")


def activate(services: Services, user: str, *, now: datetime) -> SyncReport | None:
    """Connect a PENDING link whose grant is there, and sync an ACTIVE one (with its channel).

    Returns the sync's report, or ``None`` when there is nothing to sync yet.
    Marks the link BROKEN (and tells the user) when the grant is gone; records a
    Calendar failure on the link (the sweep backs off and retries) and re-raises it.
    """
    store = services.calendars()
    link = store.get_link(user)
    if link is None:
        return None
    if link.state is LinkState.PENDING:
        if not has_read_grant(services, user):
            return None
        stored = services.grants().stored(user)
        link = store.save_link(
            replace(
                link,
                state=LinkState.ACTIVE,
                sync_token="",
                email=link.email or (stored.email if stored else ""),
                next_sync=now.timestamp(),
            )
        )
        if link is None:
            return None  # changed meanwhile; whoever changed it carries on
    if link.state is not LinkState.ACTIVE:
        return None
    try:
        report = sync_calendar(services, user, now=now)
        _channel(services, user, now=now)
    except AuthorizationRequired:
        broken(
            services, user, now=now, why="Nudge's access to your calendar was revoked or expired"
        )
        return None
    except ApiError as exc:
        failed(services, user, now=now, error=exc)
        raise
    return report


def _channel(services: Services, user: str, *, now: datetime) -> None:
    link = services.calendars().get_link(user)
    if link is None or link.state is not LinkState.ACTIVE:
        return
    try:
        channels.ensure_channel(services, link, now=now)
    except ApiError as exc:
        # Push is an optimisation: the sweep keeps the calendar in sync without it, as
        # often as when push is off, and tries the channel again each time.
        log.warning(
            "could not create a calendar push channel; polling instead",
            extra={"fields": {"user": user, "error": str(exc)[:300]}},
        )
        soon = (now + WITHOUT_PUSH).timestamp()
        current = services.calendars().get_link(user)
        if current is not None and (current.next_sync is None or current.next_sync > soon):
            services.calendars().save_link(replace(current, next_sync=soon))


def broken(services: Services, user: str, *, now: datetime, why: str) -> None:
    """The grant is gone: stop syncing and tell the user, once."""
    store = services.calendars()
    link = store.get_link(user)
    if link is None or link.state is LinkState.BROKEN:
        return
    saved = store.save_link(replace(link, state=LinkState.BROKEN, next_sync=None, note=why))
    if saved is None:
        return
    log.warning("calendar access lost", extra={"fields": {"user": user}})
    tell(
        services,
        user,
        Reply(
            "⚠️ I can no longer read your calendar, so meeting reminders may be out of date. "
            "Type /meetings connect to connect it again."
        ),
        "broken",
        int(now.timestamp()),
    )


def failed(services: Services, user: str, *, now: datetime, error: ApiError) -> None:
    """A sync failed: come back later (doubling, at most an hour), and say why in /meetings."""
    store = services.calendars()
    for _ in range(3):
        link = store.get_link(user)
        if link is None or link.state is not LinkState.ACTIVE:
            return
        failures = link.failures + 1
        wait = min(timedelta(minutes=2 ** min(failures - 1, 6)), MAX_BACKOFF)
        note = f"last sync failed: {error.reason}"
        saved = store.save_link(
            replace(link, failures=failures, next_sync=(now + wait).timestamp(), note=note)
        )
        if saved is not None:
            return


@dataclass(frozen=True, slots=True)
class Disconnected:
    had_link: bool
    channels: int
    withdrawn: int


def disconnect(services: Services, user: str) -> Disconnected:
    """Stop the channels, withdraw pending meeting reminders, forget the link and the
    grant's calendar scopes (the rest of the grant stays for other features)."""
    stopped = channels.stop_all(services, user)
    withdrawn = 0
    reminders = services.reminders()
    for post in list(pending_meetings(services, user)):
        withdrawn += reminders.delete(post.id)
    had = services.calendars().delete_link(user)
    _drop_scopes(services, user)
    return Disconnected(had_link=had, channels=stopped, withdrawn=withdrawn)


def _drop_scopes(services: Services, user: str) -> None:
    grants = services.grants()
    record = grants.stored(user)
    if record is None or not record.scopes & scopes.ALL:
        return
    kept = record.scopes - scopes.ALL
    if not kept - {"openid"}:
        grants.revoke(user)  # nothing else uses it: revoke at Google too
        return
    try:
        refresh_token = grants.refresh_token_of(record)
    except (SealError, TokenKeyError):  # an unreadable grant is simply forgotten
        grants.forget(user)
        return
    grants.save(user, refresh_token, kept, record.email)
