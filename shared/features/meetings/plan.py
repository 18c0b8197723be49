"""Which calendar events get a meeting reminder, and why not. Pure rules, no I/O.

A reminder is for a timed event the user is going to (not cancelled, not
declined), of Calendar's ``default`` type (not focus time, out of office,
working location, birthday or from Gmail), of a kind the user counts, that
has not started yet. All-day events never get a timed reminder; they are in
the daily agenda.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.calendar.models import CalendarEvent
from shared.store.calendars import (
    KIND_MEETINGS,
    KIND_SOLO,
    KIND_TENTATIVE,
    KIND_UNANSWERED,
    CalendarLink,
)

#: Why an event gets no reminder (``Verdict.reason``); the notices in ``cards`` use them.
CANCELLED = "cancelled"
DECLINED = "declined"
OTHER_TYPE = "type"
ALL_DAY = "all-day"
KIND_OFF = "kind-off"
STARTED = "started"
REMINDERS_OFF = "off"
NO_TIME = "no-time"


@dataclass(frozen=True, slots=True)
class Verdict:
    """``remind`` or not, and the reason when not."""

    remind: bool
    reason: str = ""


YES = Verdict(True)


def kind_of(event: CalendarEvent) -> str:
    """``meetings`` (with other guests) or ``solo``."""
    return KIND_MEETINGS if event.has_other_guests else KIND_SOLO


def verdict(event: CalendarEvent, link: CalendarLink, *, now: datetime) -> Verdict:
    """Whether ``event`` should have a pending reminder for ``link``'s user at ``now``."""
    if event.cancelled:
        return Verdict(False, CANCELLED)
    if event.event_type != "default":
        return Verdict(False, OTHER_TYPE)
    if event.all_day:
        return Verdict(False, ALL_DAY)
    if event.start is None:
        return Verdict(False, NO_TIME)
    response = event.self_response
    if response == "declined":
        return Verdict(False, DECLINED)
    if not link.reminders_on:
        return Verdict(False, REMINDERS_OFF)
    kinds = set(link.kinds)
    if kind_of(event) not in kinds:
        return Verdict(False, KIND_OFF)
    if response == "tentative" and KIND_TENTATIVE not in kinds:
        return Verdict(False, KIND_OFF)
    if response == "needsAction" and KIND_UNANSWERED not in kinds:
        return Verdict(False, KIND_OFF)
    if event.start <= now:
        return Verdict(False, STARTED)
    return YES


def in_agenda(event: CalendarEvent) -> bool:
    """Whether the daily agenda lists ``event`` (all-day ones included, declined ones not)."""
    if event.cancelled or event.self_response == "declined":
        return False
    if event.all_day:
        return event.event_type in ("default", "outOfOffice")
    return event.event_type == "default" and event.start is not None
