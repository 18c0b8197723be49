"""What ``/meet`` posts: the announcement card, its text, the organizer's private note, and
after the meeting its transcript and recording links.

Times are shown in the organizer's calendar zone (``cards.span``). The Join
button appears only once Google made the Meet link (conference status
``success``, or a ``hangoutLink``); until then the card says the link is being
made. Every piece of user or calendar text is escaped (``escape_html`` in
cards, ``escape`` in message text); links become buttons only when https.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.calendar.models import CalendarEvent
from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    DecoratedText,
    Icon,
    Interaction,
    OpenLink,
    Section,
    TextParagraph,
    Widget,
)
from shared.chat.responses import Reply
from shared.chat.text import code, escape, escape_html
from shared.features.meetings.cards import SHOWN_ATTENDEES, span
from shared.features.meetings.posts import Meeting, safe_link
from shared.schedules.describe import join_words

#: The conference states in which there is no link to join (yet).
NO_LINK = ("pending", "failure")
USAGE_EXAMPLE = "/meet Design review tomorrow at 3pm for 45m with @Ada"


def join_link(event: CalendarEvent) -> str:
    """The Meet link to put on a Join button, or ``""`` while there is none."""
    return "" if event.conference_status in NO_LINK else safe_link(event.meet_link)


def when_text(event: CalendarEvent, title: str, zone: str) -> str:
    """The meeting's day and times in ``zone`` (plain text), as ``cards.span`` writes them."""
    return span(_meeting(event, title, zone))


def _meeting(event: CalendarEvent, title: str, zone: str) -> Meeting:
    if event.start is None:
        raise ValueError("/meet makes timed events only")
    return Meeting(event_id=event.id, title=title, start=event.start, end=event.end, zone=zone)


def _guests(labels: Sequence[str]) -> str:
    shown = [escape_html(label) for label in labels[:SHOWN_ATTENDEES]]
    if len(labels) > SHOWN_ATTENDEES:
        shown.append(f"{len(labels) - SHOWN_ATTENDEES} more")
    return join_words(shown)


def announcement_card(
    event: CalendarEvent, *, title: str, zone: str, organizer: str, guests: Sequence[str]
) -> Card:
    """The meeting as posted into the space: when, who, Join and Open in Calendar."""
    widgets: list[Widget] = [
        DecoratedText(
            top_label="When",
            text=escape_html(when_text(event, title, zone)),
            start_icon=Icon(material="schedule"),
            wrap_text=True,
        )
    ]
    if guests:
        widgets.append(
            DecoratedText(
                top_label="Guests",
                text=_guests(guests),
                start_icon=Icon(material="group"),
                wrap_text=True,
            )
        )
    link = join_link(event)
    if not link:
        note = (
            "Google couldn't add a Meet link: add one in Google Calendar."
            if event.conference_status == "failure"
            else "The Meet link is being created: it will be in the Calendar invitation."
        )
        widgets.append(
            DecoratedText(
                text=escape_html(note), start_icon=Icon(material="videocam"), wrap_text=True
            )
        )
    buttons = []
    if link:
        buttons.append(Button("Join", OpenLink(link), icon=Icon(material="videocam")))
    calendar = safe_link(event.html_link)
    if calendar:
        buttons.append(Button("Open in Calendar", OpenLink(calendar)))
    if buttons:
        widgets.append(ButtonList(buttons))
    return Card(
        card_id=f"meet-{event.id}",
        header=CardHeader(
            title=escape_html(title or "(no title)"),
            subtitle=escape_html(f"Google Meet · scheduled by {organizer or 'someone'}"),
        ),
        sections=[Section(widgets)],
    )


def announcement(
    event: CalendarEvent, *, title: str, zone: str, organizer: str, guests: Sequence[str]
) -> Reply:
    """The announcement message: a line for notifications, and the card."""
    card = announcement_card(event, title=title, zone=zone, organizer=organizer, guests=guests)
    when = when_text(event, title, zone)
    text = f"📅 {escape(organizer or 'Someone')} scheduled {escape(title)} · {escape(when)}"
    return Reply(text=text, cards=(card,), fallback_text=text[:200])


def scheduled_note(event: CalendarEvent, *, title: str, zone: str, invited: int) -> str:
    """The organizer's private confirmation (message text)."""
    people = f"{invited} guest" + ("" if invited == 1 else "s")
    who = f"invited {people}" if invited else "invited nobody yet"
    return (
        f"✅ Scheduled {escape(title)} for {escape(when_text(event, title, zone))} and {who}. "
        "It is in your Google Calendar."
    )


def error_reply(message: str, example: str, *, private: bool) -> Reply:
    """A line Nudge won't guess at: what was wrong, and one that works."""
    return Reply(
        f"I couldn't schedule that. {escape(message)}\n"
        f"Try: {code(escape(example, formatting=False))}",
        private=private,
    )


def start_card(
    *, action: str, params: dict[str, str], reasons: Sequence[str], label: str = "Continue…"
) -> Card:
    """A private card whose button opens the ``/meet`` dialog (``reasons`` are plain text)."""
    widgets: list[Widget] = [TextParagraph(escape_html(reason)) for reason in reasons]
    if not reasons:
        widgets.append(
            TextParagraph(
                "Schedule a meeting with a Google Meet link and invite people, "
                f"or type it in one line: <b>{escape_html(USAGE_EXAMPLE)}</b>"
            )
        )
    open_it = Action(action, params, interaction=Interaction.OPEN_DIALOG)
    widgets.append(ButtonList([Button(label, open_it, icon=Icon(material="videocam"))]))
    return Card(
        card_id="meet-start",
        header=CardHeader(title="Schedule a meeting"),
        sections=[Section(widgets)],
    )


#: An artifact kind -> (emoji, what it is, its button, the button's icon).
_ARTIFACTS = {
    "transcript": ("📝", "transcript", "Open transcript", "description"),
    "recording": ("🎬", "recording", "Open recording", "videocam"),
}


def artifact_reply(kind: str, *, title: str, link: str) -> Reply:
    """After the meeting: its transcript (or recording) is ready, with a button to open it.

    ``link`` must already be a safe https link (``posts.safe_link``).
    """
    emoji, what, label, icon = _ARTIFACTS[kind]
    name = title or "the meeting"
    text = f"{emoji} The {what} of {escape(name)} is ready."
    card = Card(
        card_id=f"meet-{kind}",
        header=CardHeader(
            title=escape_html(f"{what.capitalize()} ready"), subtitle=escape_html(name)
        ),
        sections=[Section([ButtonList([Button(label, OpenLink(link), icon=Icon(material=icon))])])],
    )
    return Reply(text=text, cards=(card,), fallback_text=text[:200])
