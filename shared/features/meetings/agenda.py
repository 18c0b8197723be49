"""The daily agenda: at the user's chosen local time, the day's meetings in one card.

A tick job takes the links whose ``agenda_next`` has come, reads that day's
events (``events.list`` bounded to the local day, expanded and ordered by
Google), and posts the card where meeting reminders go, under a client message
ID of (user, date): a retried tick finds the message already there instead of
posting it twice. A day with nothing on it posts nothing. Then ``agenda_next``
moves to the same local time on the next day, in the calendar's zone, so
daylight-saving changes keep the agenda at, say, 8:30 every morning.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from shared.auth.errors import AuthorizationRequired
from shared.chat.render import render_message
from shared.chatapi.ids import client_message_id
from shared.core.ticks import Tick, TickReport
from shared.features.meetings import plan
from shared.features.meetings.cards import agenda_reply
from shared.features.meetings.notify import dm_of
from shared.features.meetings.posts import Meeting
from shared.features.meetings.scopes import READ
from shared.google.errors import ApiError, NotFound, PermissionDenied
from shared.services import Services
from shared.store.calendars import CalendarLink, LinkState

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

log = logging.getLogger(__name__)

JOB = "meetings.agenda"
#: An agenda more than this late (Nudge was down) is skipped: the day is under way.
TOO_LATE = timedelta(hours=3)
MAX_PER_TICK = 200
MARGIN_SECONDS = 3.0


def zone_of(link: CalendarLink) -> ZoneInfo:
    try:
        return ZoneInfo(link.zone or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def parse_clock(text: str) -> time:
    """``HH:MM`` (24-hour) -> ``time``; ``ValueError`` otherwise."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"expected HH:MM, not {text!r}")
    return time(int(hours), int(minutes))


def next_agenda(link: CalendarLink, *, after: datetime) -> float | None:
    """When the next agenda is due after ``after`` (epoch seconds), or ``None`` when off."""
    if not link.agenda_on or link.state is LinkState.BROKEN:
        return None
    zone = zone_of(link)
    at = parse_clock(link.agenda_time)
    local_day = after.astimezone(zone).date()
    for offset in range(3):
        candidate = datetime.combine(local_day + timedelta(days=offset), at, zone)
        if candidate.timestamp() > after.timestamp():
            return candidate.timestamp()
    raise AssertionError("unreachable: one of three days is after now")


def agendas(tick: Tick, services: Services) -> TickReport:
    """Post every agenda that is due (see the module docstring)."""
    now = tick.now
    store = services.calendars()
    posted = skipped = failed = 0
    due = store.agendas_due(now.timestamp(), limit=MAX_PER_TICK)
    for link in due:
        if tick.time_left() <= MARGIN_SECONDS:
            break
        if link.state is not LinkState.ACTIVE or not link.agenda_on or link.agenda_next is None:
            store.save_link(replace(link, agenda_next=next_agenda(link, after=now)))
            continue
        scheduled = datetime.fromtimestamp(link.agenda_next, now.tzinfo)
        day = scheduled.astimezone(zone_of(link)).date()
        try:
            if now - scheduled > TOO_LATE:
                skipped += 1
            elif post_agenda(services, link, day):
                posted += 1
            else:
                skipped += 1
        except AuthorizationRequired:
            skipped += 1  # the sync marks the link broken and tells the user
        except (PermissionDenied, NotFound) as exc:
            skipped += 1  # its space refused it (Nudge was removed): this day is skipped
            log.warning(
                "could not post an agenda where it goes",
                extra={"fields": {"user": link.user, "error": str(exc)[:200]}},
            )
        except ApiError as exc:
            failed += 1
            log.warning(
                "could not post an agenda; the next tick retries",
                extra={"fields": {"user": link.user, "error": str(exc)[:200]}},
            )
            continue
        store.save_link(replace(link, agenda_next=next_agenda(link, after=max(now, scheduled))))
    return TickReport(
        JOB,
        done=posted,
        left=max(0, len(due) - posted - skipped - failed),
        failed=False,
        notes=f"skipped {skipped}, failed {failed}",
    )


def day_items(services: Services, link: CalendarLink, day: date) -> tuple[list[str], list[Meeting]]:
    """``(all-day titles, timed meetings)`` on the local ``day``, as the agenda lists them."""
    zone = zone_of(link)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)

    def read(credentials: Credentials) -> tuple[list[str], list[Meeting]]:
        client = services.calendar()(credentials)
        all_day: list[str] = []
        timed: list[Meeting] = []
        token: str | None = None
        while True:
            page = client.list_events(
                link.calendar_id,
                time_min=start,
                time_max=end,
                order_by="startTime",
                page_token=token,
            )
            for event in page.items:
                if not plan.in_agenda(event):
                    continue
                if event.all_day:
                    all_day.append(event.summary)
                elif event.start is not None:
                    timed.append(Meeting.of(event, link))
            token = page.next_page_token
            if not token:
                return all_day, sorted(timed, key=lambda m: m.start)

    return services.grants().call(link.user, [READ], read, reason="for your daily agenda")


def post_agenda(services: Services, link: CalendarLink, day: date) -> bool:
    """Post ``day``'s agenda for ``link`` once; False when the day is empty or no DM exists."""
    all_day, timed = day_items(services, link, day)
    if not all_day and not timed:
        return False
    space = link.destination or dm_of(services, link.user)
    if not space:
        return False
    reply = agenda_reply(
        day, all_day, timed, zone=link.zone or "UTC", shared_space=bool(link.destination)
    )
    settings = services.settings
    body = render_message(
        reply, addon=settings.app_format == "addon", endpoint_url=settings.endpoint_url
    )
    services.chat().create_message(
        space, body, message_id=client_message_id("agenda", link.user, day.isoformat())
    )
    return True
