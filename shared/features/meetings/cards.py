"""What people see of meetings: the reminder card, its changes, and the daily agenda.

Times are shown in the calendar's zone (``Meeting.zone``); all-day events never
show a clock time. In a shared space a private or confidential event is "Busy"
with no title, place or guests, and guests are never listed where the event
hides them. Every piece of calendar text is escaped (``escape_html`` in cards,
``escape`` in message text); links become buttons only when they are https.

Buttons call ``meetings.snooze`` with ``id`` and ``minutes`` (or ``at=start``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    DecoratedText,
    Icon,
    OpenLink,
    Section,
    TextParagraph,
    Widget,
)
from shared.chat.responses import Reply
from shared.chat.text import escape, escape_html
from shared.features.meetings.names import SNOOZE
from shared.features.meetings.posts import Meeting
from shared.schedules.describe import format_clock, join_words
from shared.schedules.lexicon import MONTH_NAMES, WEEKDAY_NAMES

DASH = "\u2013"
#: Attendees listed on a card before "and N more".
SHOWN_ATTENDEES = 10
#: Items an agenda lists before "and N more" (a card holds 100 widgets).
AGENDA_MAX = 30
RESPONSES = {
    "accepted": "yes",
    "declined": "no",
    "tentative": "maybe",
    "needsAction": "no answer",
}


# --- words -------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return ZoneInfo("UTC")


def clock(instant: datetime, zone: str) -> str:
    """``3:00 PM``, in ``zone``."""
    return format_clock(instant.astimezone(_zone(zone)).time())


def day(moment: datetime | date) -> str:
    """``Tue 1 Dec``."""
    return f"{WEEKDAY_NAMES[moment.weekday()][:3]} {moment.day} {MONTH_NAMES[moment.month - 1][:3]}"


def span(meeting: Meeting) -> str:
    """``Tue 1 Dec, 3:00 PM - 3:45 PM CET`` (an en dash): the meeting's time in its zone."""
    zone = _zone(meeting.zone)
    start = meeting.start.astimezone(zone)
    text = f"{day(start)}, {format_clock(start.time())}"
    if meeting.end is not None and meeting.end > meeting.start:
        end = meeting.end.astimezone(zone)
        text += f" {DASH} " + ("" if end.date() == start.date() else f"{day(end)}, ")
        text += format_clock(end.time())
    return f"{text} {start.tzname() or meeting.zone}"


def relative(start: datetime, now: datetime) -> str:
    """``starts in 10 minutes``, ``started 3 minutes ago``, ``starts now``."""
    minutes = round((start - now).total_seconds() / 60)
    if minutes == 0:
        return "starts now"
    n = abs(minutes)
    amount = f"{round(n / 60)} hours" if n >= 120 else f"{n} minute" + ("" if n == 1 else "s")
    return f"starts in {amount}" if minutes > 0 else f"started {amount} ago"


def guests(meeting: Meeting) -> str:
    """``Ada (yes), Bob (no answer) and 3 more``: card HTML."""
    people = [
        f"{escape_html(name)} ({RESPONSES.get(answer, 'no answer')})"
        for name, answer in meeting.attendees[:SHOWN_ATTENDEES]
    ]
    more = len(meeting.attendees) - SHOWN_ATTENDEES + meeting.more_attendees
    if more > 0:
        people.append(f"{more} more")
    return join_words(people)


# --- the reminder --------------------------------------------------------------------------


def _notice(meeting: Meeting) -> str:
    """The change a posted reminder is updated with (card HTML), or ``""``."""
    if meeting.notice == "cancelled":
        return "<b>Cancelled.</b> This meeting is no longer on the calendar."
    if meeting.notice == "declined":
        return "<b>You declined this meeting.</b>"
    if meeting.notice == "moved" and meeting.was_start is not None:
        was = clock(meeting.was_start, meeting.zone)
        return f"<b>Moved</b> (was {escape_html(day(meeting.was_start))}, {escape_html(was)})."
    return ""


def meeting_card(
    meeting: Meeting, post_id: str, *, now: datetime, shared_space: bool, late: bool = False
) -> Card:
    """The card posted before a meeting (and updated in place when it changes).

    ``shared_space``: posted where others can read it, so a private event is "Busy".
    """
    busy = shared_space and meeting.private
    title = "Busy" if busy else (meeting.title or "(no title)")
    over = meeting.notice in ("cancelled", "declined")
    subtitle = "" if over else relative(meeting.start, now)
    widgets: list[Widget] = []
    notice = _notice(meeting)
    if notice:
        widgets.append(DecoratedText(text=notice, start_icon=Icon(material="info"), wrap_text=True))
    widgets.append(
        DecoratedText(
            top_label="When",
            text=escape_html(span(meeting)),
            start_icon=Icon(material="schedule"),
            wrap_text=True,
        )
    )
    if not busy:
        if meeting.location:
            widgets.append(
                DecoratedText(
                    top_label="Where",
                    text=escape_html(meeting.location),
                    start_icon=Icon(material="location_on"),
                    wrap_text=True,
                )
            )
        if meeting.organizer and not meeting.organizer_self:
            widgets.append(
                DecoratedText(
                    top_label="Organizer",
                    text=escape_html(meeting.organizer),
                    start_icon=Icon(material="person"),
                )
            )
        if meeting.attendees and not meeting.hide_guests:
            widgets.append(
                DecoratedText(
                    top_label="Guests",
                    text=guests(meeting),
                    start_icon=Icon(material="group"),
                    wrap_text=True,
                )
            )
        if meeting.self_response in ("tentative", "needsAction"):
            answer = "maybe" if meeting.self_response == "tentative" else "not answered yet"
            widgets.append(DecoratedText(top_label="Your answer", text=answer))
    buttons: list[Button] = []
    if not over:
        if meeting.meet_link:
            buttons.append(
                Button("Join", OpenLink(meeting.meet_link), icon=Icon(material="videocam"))
            )
        if meeting.start - now > timedelta(minutes=6):
            buttons.append(Button("Snooze 5 min", Action(SNOOZE, {"id": post_id, "minutes": "5"})))
        if meeting.start - now > timedelta(minutes=1):
            buttons.append(
                Button("Remind me at start", Action(SNOOZE, {"id": post_id, "at": "start"}))
            )
    if meeting.calendar_link and not busy:
        buttons.append(Button("Open in Calendar", OpenLink(meeting.calendar_link)))
    if buttons:
        widgets.append(ButtonList(buttons))
    return Card(
        card_id=f"meeting-{post_id}",
        header=CardHeader(title=escape_html(title), subtitle=escape_html(subtitle)),
        sections=[Section(widgets)],
    )


def meeting_text(meeting: Meeting, *, now: datetime, shared_space: bool) -> str:
    """The message text beside the card (notifications show it)."""
    busy = shared_space and meeting.private
    title = "Busy" if busy else (meeting.title or "(no title)")
    if meeting.notice == "cancelled":
        return f"❌ Cancelled: {escape(title)}"
    if meeting.notice == "declined":
        return f"🚫 You declined: {escape(title)}"
    moved = "Moved: " if meeting.notice == "moved" else ""
    when = f"{clock(meeting.start, meeting.zone)}, {relative(meeting.start, now)}"
    return f"📅 {moved}{escape(title)} · {escape(when)}"


def meeting_reply(meeting: Meeting, post_id: str, *, now: datetime, shared_space: bool) -> Reply:
    card = meeting_card(meeting, post_id, now=now, shared_space=shared_space)
    text = meeting_text(meeting, now=now, shared_space=shared_space)
    return Reply(text=text, cards=(card,), fallback_text=text[:200])


def snoozed_card(meeting: Meeting, post_id: str, *, until: datetime, shared_space: bool) -> Card:
    """The reminder after a Snooze click: when it comes back."""
    busy = shared_space and meeting.private
    title = "Busy" if busy else (meeting.title or "(no title)")
    when = clock(until, meeting.zone)
    return Card(
        card_id=f"meeting-{post_id}",
        header=CardHeader(title=escape_html(title), subtitle=escape_html(span(meeting))),
        sections=[
            Section(
                [
                    DecoratedText(
                        text=f"Snoozed: I'll remind you again at {escape_html(when)}.",
                        start_icon=Icon(material="snooze"),
                        wrap_text=True,
                    )
                ]
            )
        ],
    )


# --- the daily agenda ----------------------------------------------------------------------


def agenda_card(
    on: date,
    all_day: Sequence[str],
    timed: Sequence[Meeting],
    *,
    zone: str,
    shared_space: bool,
) -> Card:
    """The day's meetings: all-day items first, then by start, each Join-able."""
    widgets: list[Widget] = []
    for title in all_day[:AGENDA_MAX]:
        widgets.append(
            DecoratedText(
                top_label="All day",
                text=escape_html(title or "(no title)"),
                start_icon=Icon(material="event"),
                wrap_text=True,
            )
        )
    room = max(0, AGENDA_MAX - len(widgets))
    for meeting in timed[:room]:
        busy = shared_space and meeting.private
        title = "Busy" if busy else (meeting.title or "(no title)")
        end = f" {DASH} {clock(meeting.end, zone)}" if meeting.end else ""
        join = Button("Join", OpenLink(meeting.meet_link)) if meeting.meet_link else None
        widgets.append(
            DecoratedText(
                top_label=escape_html(clock(meeting.start, zone) + end),
                text=escape_html(title),
                start_icon=Icon(material="schedule"),
                button=join,
                wrap_text=True,
            )
        )
    hidden = len(all_day) + len(timed) - len(widgets)
    if hidden > 0:
        widgets.append(TextParagraph(f"…and {hidden} more."))
    count = len(all_day) + len(timed)
    subtitle = f"{count} item" + ("" if count == 1 else "s") + f" · {zone}"
    return Card(
        card_id=f"agenda-{on.isoformat()}",
        header=CardHeader(title=escape_html(f"Today, {day(on)}"), subtitle=escape_html(subtitle)),
        sections=[Section(widgets)],
    )


def agenda_reply(
    on: date, all_day: Sequence[str], timed: Sequence[Meeting], *, zone: str, shared_space: bool
) -> Reply:
    card = agenda_card(on, all_day, timed, zone=zone, shared_space=shared_space)
    count = len(all_day) + len(timed)
    text = f"🗓️ Your day, {day(on)}: {count} item" + ("" if count == 1 else "s")
    return Reply(text=text, cards=(card,), fallback_text=text)
