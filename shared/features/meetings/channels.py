"""Calendar push channels: created, renewed a day before they expire, stopped on disconnect.

A channel is saved *before* ``events.watch`` is called (with the SHA-256 of its
random token), because Calendar may deliver the ``sync`` message before it
answers. Renewing creates the new channel first and then stops the old one,
so no change falls between them; a 404 on stop means it is already gone.
Channels are created only where ``NUDGE_CALENDAR_PUSH_URL`` is set.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.features.meetings.scopes import READ
from shared.google.errors import ApiError
from shared.services import Services
from shared.store.calendars import CalendarLink, WatchChannel

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

    from shared.calendar.client import CalendarClient

log = logging.getLogger(__name__)

#: What Nudge asks for; Google may give less ("the more restrictive value is used").
TTL = timedelta(days=7)
#: Renew a channel this long before it expires.
RENEW_BEFORE = timedelta(days=1)
#: A channel saved for a ``watch`` that never answered is forgotten after this long.
ABANDONED_AFTER = timedelta(minutes=10)


def token_hash(token: str) -> str:
    """What is stored of a channel's token (the token itself never is)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def needs_channel(services: Services, link: CalendarLink, *, now: datetime) -> bool:
    """Whether ``link`` has no live channel, or one that expires within ``RENEW_BEFORE``."""
    if not services.settings.calendar_push_url:
        return False
    live = [c for c in services.calendars().channels_of(link.user) if c.resource_id]
    cutoff = (now + RENEW_BEFORE).timestamp()
    return not any(c.expiration > cutoff for c in live)


def ensure_channel(services: Services, link: CalendarLink, *, now: datetime) -> str:
    """Create or renew ``link``'s channel as the user when due; returns what it did
    (``off``, ``ok``, ``created``, ``renewed``). Raises ``ApiError``/``AuthorizationRequired``."""
    if not services.settings.calendar_push_url:
        return "off"
    _forget_abandoned(services, link.user, now=now)
    if not needs_channel(services, link, now=now):
        return "ok"
    old = services.calendars().channels_of(link.user)

    def run(credentials: Credentials) -> str:
        client = services.calendar()(credentials)
        _watch(services, client, link, now=now)
        for channel in old:
            _stop(services, client, channel)
        return "renewed" if any(c.resource_id for c in old) else "created"

    return services.grants().call(link.user, [READ], run, reason="to watch your calendar")


def _watch(
    services: Services, client: CalendarClient, link: CalendarLink, *, now: datetime
) -> None:
    store = services.calendars()
    token = secrets.token_urlsafe(32)
    channel = WatchChannel(
        id=str(uuid.uuid4()),
        user=link.user,
        calendar_id=link.calendar_id,
        token_hash=token_hash(token),
        created_at=now.timestamp(),
    )
    store.put_channel(channel)  # before watch: the sync message may come first
    address = str(services.settings.calendar_push_url)
    try:
        answer = client.watch(
            link.calendar_id,
            channel_id=channel.id,
            address=address,
            token=token,
            ttl_seconds=int(TTL.total_seconds()),
        )
    except ApiError:
        store.delete_channel(channel.id)
        raise
    store.put_channel(
        replace(channel, resource_id=answer.resource_id, expiration=answer.expiration)
    )
    log.info(
        "watching a calendar",
        extra={"fields": {"user": link.user, "channel": channel.id, "expires": answer.expiration}},
    )


def _stop(services: Services, client: CalendarClient, channel: WatchChannel) -> None:
    """Stop one channel (404: already gone) and forget it."""
    if channel.resource_id:
        try:
            client.stop_channel(channel.id, channel.resource_id)
        except ApiError as exc:
            log.warning(
                "could not stop a calendar channel; it expires by itself",
                extra={"fields": {"channel": channel.id, "error": str(exc)[:200]}},
            )
    services.calendars().delete_channel(channel.id)


def stop_all(services: Services, user: str) -> int:
    """Stop and forget every channel of ``user`` (best effort: without a grant, Google
    cannot be asked, and the channels expire by themselves). Returns how many."""
    channels = services.calendars().channels_of(user)
    if not channels:
        return 0
    from shared.auth.errors import AuthorizationRequired

    def run(credentials: Credentials) -> None:
        client = services.calendar()(credentials)
        for channel in channels:
            _stop(services, client, channel)

    try:
        services.grants().call(user, [READ], run)
    except (AuthorizationRequired, ApiError) as exc:
        log.info(
            "could not stop calendar channels at Google; forgetting them",
            extra={"fields": {"user": user, "why": type(exc).__name__}},
        )
        for channel in channels:
            services.calendars().delete_channel(channel.id)
    return len(channels)


def _forget_abandoned(services: Services, user: str, *, now: datetime) -> None:
    cutoff = (now - ABANDONED_AFTER).timestamp()
    for channel in services.calendars().channels_of(user):
        if not channel.resource_id and channel.created_at < cutoff:
            services.calendars().delete_channel(channel.id)
