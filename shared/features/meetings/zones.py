"""The calendar's time zone and the one the reminders feature knows: agree, or say so once.

Cards show meeting times in the calendar's zone (``events.list`` answers with
it). When Nudge knows no zone for the user yet, the calendar's becomes theirs
(``ZoneSource.CALENDAR``), so ``/remind`` needs no extra click. When it knows a
different one (learned from Chat, or set), Nudge tells the user once per pair
of zones (``CalendarLink.zone_noted``), and changes nothing on its own.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from shared.chat.responses import Reply
from shared.chat.text import code, escape
from shared.features.meetings.notify import tell
from shared.services import Services
from shared.store.calendars import CalendarLink
from shared.store.users import UserPrefs, ZoneSource

log = logging.getLogger(__name__)


def agree(services: Services, link: CalendarLink, *, first_sync: bool, upcoming: int) -> None:
    """After a sync: adopt or compare zones, and greet a newly connected calendar."""
    users = services.users()
    prefs = users.get_user(link.user)
    now = services.clock().timestamp()
    if link.zone and (prefs is None or not prefs.zone):
        base = prefs or UserPrefs(link.user)
        users.put_user(
            replace(base, zone=link.zone, zone_source=ZoneSource.CALENDAR, updated_at=now)
        )
        prefs = users.get_user(link.user)
    if first_sync:
        _greet(services, link, upcoming)
    if prefs is None or not link.zone or prefs.zone == link.zone:
        return
    pair = f"{link.zone}|{prefs.zone}"
    if link.zone_noted == pair:
        return
    command = code("/remind timezone " + escape(link.zone, formatting=False))
    told = tell(
        services,
        link.user,
        Reply(
            f"Heads-up: your calendar is in {_zone(link.zone)}, but for reminders I use "
            f"{_zone(prefs.zone)}. Meeting reminders show the calendar's time zone; to use it "
            f"for /remind too, type {command}."
        ),
        "zone",
        pair,
    )
    if told:
        saved = services.calendars().save_link(replace(link, zone_noted=pair))
        if saved is None:
            log.info("zone note stored by another sync", extra={"fields": {"user": link.user}})


def _zone(name: str) -> str:
    """A zone name as typed (``America/New_York``: monospace keeps its underscore)."""
    return code(escape(name, formatting=False))


def _greet(services: Services, link: CalendarLink, count: int) -> None:
    where = "here" if not link.destination else f"in {link.destination_name or 'the chosen space'}"
    meetings = f"{count} upcoming meeting" + ("" if count == 1 else "s")
    tell(
        services,
        link.user,
        Reply(
            f"✅ Your calendar is connected ({escape(link.email or link.calendar_id)}). "
            f"I'll remind you {link.minutes_before} minutes before each meeting, "
            f"{escape(where)}: {meetings} so far. Type /meetings for settings."
        ),
        "connected",
        int(link.created_at),
    )
