"""``POST /calendar/notifications``: Google Calendar's change notifications, checked and queued.

Calendar signs nothing: a delivery is trusted only when its channel ID names a
channel Nudge made, its resource ID is that channel's, and its token hashes to
the stored hash (compared in constant time). Anything else gets 403 and
changes nothing. The body is empty and says nothing about the change, so a
genuine ``exists`` delivery marks the calendar due for the sweep and defers a
``meetings.sync`` job keyed by (channel, message number): a replayed delivery
is the same job, run once. The route answers at once; ``sync`` messages (sent
when a channel is created, possibly before ``watch`` answered) are accepted
and ignored.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import replace

from shared.core.context import Context
from shared.core.defer import JobsUnavailable
from shared.features.meetings.channels import token_hash
from shared.http import HttpRequest, HttpResponse
from shared.store.calendars import LinkState
from shared.workspace.jobs import JobNotQueued

log = logging.getLogger(__name__)

PATH = "/calendar/notifications"
SYNC_JOB = "meetings.sync"
_STATES = frozenset({"sync", "exists", "not_exists"})
_FORBIDDEN = HttpResponse.error(403, "unknown_channel", "Not a notification channel of this app.")


def calendar_notification(request: HttpRequest, ctx: Context) -> HttpResponse:
    """Accept one Calendar push (see the module docstring)."""
    channel_id = (request.header("X-Goog-Channel-ID") or "").strip()
    resource_id = (request.header("X-Goog-Resource-ID") or "").strip()
    token = request.header("X-Goog-Channel-Token") or ""
    state = (request.header("X-Goog-Resource-State") or "").strip()
    number = (request.header("X-Goog-Message-Number") or "").strip()
    if not channel_id or len(channel_id) > 64 or state not in _STATES:
        return HttpResponse.error(
            400, "not_a_notification", "Expected a Google Calendar push notification."
        )
    store = ctx.services.calendars()
    channel = store.get_channel(channel_id)
    # Hash and compare even for an unknown channel, so timing tells nothing.
    offered = token_hash(token[:256])
    stored = channel.token_hash if channel is not None else token_hash("\x00unknown")
    token_ok = hmac.compare_digest(offered, stored)
    if channel is None or not token_ok:
        log.warning(
            "rejected a calendar notification",
            extra={"fields": {"known_channel": channel is not None, "state": state}},
        )
        return _FORBIDDEN
    if not channel.resource_id:
        # watch() has not answered yet: only its sync message can come now.
        return HttpResponse(200, b"") if state == "sync" else _FORBIDDEN
    if not hmac.compare_digest(channel.resource_id.encode(), resource_id.encode()):
        log.warning(
            "rejected a calendar notification: wrong resource",
            extra={"fields": {"channel": channel_id}},
        )
        return _FORBIDDEN
    if state == "sync":
        return HttpResponse(200, b"")
    link = store.get_link(channel.user)
    if link is None or link.state is not LinkState.ACTIVE:
        return HttpResponse(200, b"")  # disconnected; the channel is being stopped or expires
    now = ctx.services.clock().timestamp()
    if link.next_sync is None or link.next_sync > now:
        store.save_link(replace(link, next_sync=now))  # lost race: someone else scheduled it
    if ctx.can_defer:
        try:
            ctx.defer(SYNC_JOB, key=f"{channel_id}:{number or 'unnumbered'}", user=channel.user)
        except (JobsUnavailable, JobNotQueued):  # marked due: the next tick's sweep syncs it
            log.warning("could not queue a calendar sync; the sweep will", exc_info=True)
    return HttpResponse(200, b"")
