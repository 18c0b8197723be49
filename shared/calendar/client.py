"""``CalendarClient``: Calendar v3 (events, channels, settings) with retries and typed errors.

Built on ``shared.google.api.ApiClient``, like the Chat and Workspace Events
clients; Calendar's older error body is classified by ``errors.py``. The
``api_endpoint`` replaces ``rootUrl + servicePath``, so it ends in
``calendar/v3/`` (REFERENCE-calendar.md §9.6).

Sync (§2): ``list_events`` fetches one page, ``sync`` every page of a full
or incremental sync with the same parameters until ``nextSyncToken``. A
``syncToken`` may not come with ``timeMin``/``timeMax``/``orderBy``
(``ValueError`` before any request), and a 410 is ``SyncTokenExpired``.

Retries: reads, ``patch_event`` and ``stop_channel`` are retried on 429,
rate limits, 5xx and timeouts; ``quotaExceeded`` never within a call.
``insert_event`` is retried on 5xx only when the body has a client ``id``
(a ``409 duplicate`` then means an earlier attempt made it, and the event is
fetched); without one only rate limits, answered before anything is done.
``watch`` is retried on rate limits only: another attempt after a lost answer
would need a new channel id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from shared.calendar.errors import (
    SyncTokenExpired,
    execute_calendar,
    read_retryable,
    throttled_only,
)
from shared.calendar.models import CalendarEvent, Channel, EventPage
from shared.config import DEFAULT_CALENDAR_API_ENDPOINT
from shared.google.api import ApiClient, Json
from shared.google.errors import AlreadyExists, ApiError, NotFound
from shared.google.paging import MAX_PAGES

log = logging.getLogger(__name__)

__all__ = ["CalendarClient", "SyncTokenExpired"]

MAX_RESULTS = 2500
#: Google's limits on a watch request (§1.2).
MAX_CHANNEL_ID = 64
MAX_CHANNEL_TOKEN = 256
SEND_UPDATES = ("all", "externalOnly", "none")


def rfc3339(value: dt.datetime) -> str:
    """An aware datetime as RFC 3339 in UTC (``2026-10-01T12:00:00Z``); naive ones are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Calendar times need a time zone (an aware datetime)")
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class _Resources:
    def __init__(self, service: Any) -> None:
        self.events = service.events()
        self.channels = service.channels()
        self.settings = service.settings()


class CalendarClient(ApiClient):
    """Google Calendar v3 as a user's credentials (see ``ApiClient`` for the options)."""

    api = "calendar"
    version = "v3"
    default_endpoint = DEFAULT_CALENDAR_API_ENDPOINT

    def _resources(self, service: Any) -> _Resources:
        return _Resources(service)

    def _execute(self, request: Any, *, method: str, target: str, space: str | None) -> Json:
        return execute_calendar(request, method=method, target=target)

    def _retryable(self, error: ApiError, attempt: int) -> bool:
        return read_retryable(error, attempt)

    # --- events.list --------------------------------------------------------------------------

    def list_events(
        self,
        calendar_id: str = "primary",
        *,
        sync_token: str | None = None,
        page_token: str | None = None,
        time_min: dt.datetime | None = None,
        time_max: dt.datetime | None = None,
        single_events: bool = True,
        max_results: int = MAX_RESULTS,
        order_by: str | None = None,
        deadline: float | None = None,
    ) -> EventPage:
        """One page of ``events.list``; raises ``SyncTokenExpired`` on a 410.

        ``ValueError`` (no request made) for a ``sync_token`` with ``time_min``,
        ``time_max`` or ``order_by`` (§2.2), ``order_by="startTime"`` without
        ``single_events``, a ``max_results`` outside 1..2500, or a naive datetime.
        """
        if sync_token and (time_min is not None or time_max is not None or order_by):
            raise ValueError("a sync token cannot be used with time_min, time_max or order_by")
        if order_by == "startTime" and not single_events:
            raise ValueError('order_by="startTime" needs single_events=True')
        if not 1 <= max_results <= MAX_RESULTS:
            raise ValueError(f"max_results must be within 1..{MAX_RESULTS}")
        params: Json = {
            "calendarId": calendar_id,
            "singleEvents": single_events,
            "maxResults": max_results,
        }
        if sync_token:
            params["syncToken"] = sync_token
        if page_token:
            params["pageToken"] = page_token
        if time_min is not None:
            params["timeMin"] = rfc3339(time_min)
        if time_max is not None:
            params["timeMax"] = rfc3339(time_max)
        if order_by:
            params["orderBy"] = order_by
        data = self._call(
            "events.list",
            lambda r: r.events.list(**params),
            target=calendar_id,
            deadline=deadline,
        )
        return EventPage.from_api(data)

    def sync(
        self,
        calendar_id: str = "primary",
        *,
        sync_token: str | None = None,
        time_min: dt.datetime | None = None,
        max_results: int = MAX_RESULTS,
        deadline: float | None = None,
    ) -> Iterator[EventPage]:
        """Every page of a full (no ``sync_token``; ``time_min`` allowed) or incremental sync.

        Pages are fetched lazily with the same parameters (``singleEvents=true``),
        the last one carrying ``next_sync_token``; ``deadline`` bounds each
        page's call. ``ValueError`` at once for ``sync_token`` with ``time_min``;
        ``SyncTokenExpired`` (a 410) from whichever page meets it.
        """
        if sync_token and time_min is not None:
            raise ValueError("a sync token cannot be used with time_min")
        if time_min is not None:
            rfc3339(time_min)  # refuse a naive datetime now, not on the first next()
        return self._sync_pages(calendar_id, sync_token, time_min, max_results, deadline)

    def _sync_pages(
        self,
        calendar_id: str,
        sync_token: str | None,
        time_min: dt.datetime | None,
        max_results: int,
        deadline: float | None,
    ) -> Iterator[EventPage]:
        page_token: str | None = None
        seen: set[str] = set()
        page: EventPage | None = None
        for _ in range(MAX_PAGES):
            page = self.list_events(
                calendar_id,
                sync_token=sync_token,
                page_token=page_token,
                time_min=time_min,
                single_events=True,
                max_results=max_results,
                deadline=deadline,
            )
            yield page
            page_token = page.next_page_token
            if page.next_sync_token or not page_token or page_token in seen:
                break
            seen.add(page_token)
        if page is not None and not page.next_sync_token:  # a looping or forgetful server
            log.warning("sync ended without a sync token", extra={"fields": {"id": calendar_id}})

    # --- single events ------------------------------------------------------------------------

    def get_event(
        self, calendar_id: str, event_id: str, *, deadline: float | None = None
    ) -> CalendarEvent:
        """``events.get`` (cancelled events too: get always returns them)."""
        data = self._call(
            "events.get",
            lambda r: r.events.get(calendarId=calendar_id, eventId=event_id),
            target=f"{calendar_id}/events/{event_id}",
            deadline=deadline,
        )
        return CalendarEvent.from_api(data)

    def insert_event(
        self,
        calendar_id: str,
        body: Mapping[str, Any],
        *,
        conference: bool = True,
        send_updates: str = "all",
        deadline: float | None = None,
    ) -> tuple[CalendarEvent, bool]:
        """``events.insert``: ``(event, created)``.

        With ``conference``, ``conferenceDataVersion=1`` is sent and, unless the
        body has ``conferenceData``, a Meet ``createRequest`` is added (its
        ``requestId`` derives from a client ``id``, else is random per call).
        Without it the server ignores any conference data. A ``409 duplicate``
        for a client ``id`` returns the existing event (which may be cancelled)
        with ``created=False``.
        """
        if send_updates not in SEND_UPDATES:
            raise ValueError(f"send_updates must be one of {SEND_UPDATES}")
        event = dict(body)
        raw_id = event.get("id")
        client_id = raw_id if isinstance(raw_id, str) and raw_id else None
        params: Json = {"calendarId": calendar_id, "sendUpdates": send_updates}
        if conference:
            params["conferenceDataVersion"] = 1
            if "conferenceData" not in event:
                request_id = f"{client_id}-meet" if client_id else uuid.uuid4().hex
                event["conferenceData"] = {
                    "createRequest": {
                        "requestId": request_id,
                        "conferenceSolutionKey": {"type": "hangoutsMeet"},
                    }
                }
        params["body"] = event
        try:
            data = self._call(
                "events.insert",
                lambda r: r.events.insert(**params),
                target=calendar_id,
                retryable=read_retryable if client_id else throttled_only,
                deadline=deadline,
            )
        except AlreadyExists:
            if client_id is None:
                raise
            log.info(
                "event already exists: an earlier attempt made it",
                extra={"fields": {"calendar": calendar_id, "event": client_id}},
            )
            return self.get_event(calendar_id, client_id, deadline=deadline), False
        return CalendarEvent.from_api(data), True

    def patch_event(
        self,
        calendar_id: str,
        event_id: str,
        changes: Mapping[str, Any],
        *,
        conference: bool = True,
        send_updates: str = "none",
        deadline: float | None = None,
    ) -> CalendarEvent:
        """``events.patch``; ``conference`` sends ``conferenceDataVersion=1`` so that
        conference data is kept and changes to it persist (§3.1)."""
        if send_updates not in SEND_UPDATES:
            raise ValueError(f"send_updates must be one of {SEND_UPDATES}")
        params: Json = {
            "calendarId": calendar_id,
            "eventId": event_id,
            "body": dict(changes),
            "sendUpdates": send_updates,
        }
        if conference:
            params["conferenceDataVersion"] = 1
        data = self._call(
            "events.patch",
            lambda r: r.events.patch(**params),
            target=f"{calendar_id}/events/{event_id}",
            deadline=deadline,
        )
        return CalendarEvent.from_api(data)

    # --- push channels ------------------------------------------------------------------------

    def watch(
        self,
        calendar_id: str,
        *,
        channel_id: str,
        address: str,
        token: str,
        ttl_seconds: int = 604800,
        deadline: float | None = None,
    ) -> Channel:
        """``events.watch``: a ``web_hook`` channel to ``address`` (its ``sync`` message may
        arrive before this returns). ``ValueError`` for an id over 64 or a token over 256
        characters."""
        if not channel_id or len(channel_id) > MAX_CHANNEL_ID:
            raise ValueError(f"a channel id has 1..{MAX_CHANNEL_ID} characters")
        if len(token) > MAX_CHANNEL_TOKEN:
            raise ValueError(f"a channel token has at most {MAX_CHANNEL_TOKEN} characters")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        body: Json = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "params": {"ttl": str(int(ttl_seconds))},  # a string (§1.2)
        }
        data = self._call(
            "events.watch",
            lambda r: r.events.watch(calendarId=calendar_id, body=body),
            target=calendar_id,
            retryable=throttled_only,
            deadline=deadline,
        )
        channel = Channel.from_api(data)
        if not channel.token:
            channel = dataclasses.replace(channel, token=token)
        return channel

    def stop_channel(
        self, channel_id: str, resource_id: str, *, deadline: float | None = None
    ) -> bool:
        """``channels.stop``: ``True`` when stopped, ``False`` on a 404 (already gone, or not
        this user's and client's, §1.7), also when an earlier attempt's answer was lost."""
        try:
            self._call(
                "channels.stop",
                lambda r: r.channels.stop(body={"id": channel_id, "resourceId": resource_id}),
                target=f"channels/{channel_id}",
                deadline=deadline,
            )
        except NotFound:
            return False
        return True

    # --- settings -----------------------------------------------------------------------------

    def time_zone_setting(self, *, deadline: float | None = None) -> str | None:
        """The user's ``timezone`` setting, or ``None`` when it is not returned (404, §4)."""
        try:
            data = self._call(
                "settings.get",
                lambda r: r.settings.get(setting="timezone"),
                target="users/me/settings/timezone",
                deadline=deadline,
            )
        except NotFound:
            return None
        value = data.get("value")
        return value if isinstance(value, str) and value else None
