"""The ``/meetings`` settings card, and reading it back when Save is clicked.

The card shows where the connection stands (not connected, waiting for the
grant, connected, or broken and why), and for a connected calendar: reminders
on or off, minutes before, where they go (the DM with Nudge, or the space the
card was opened in), the daily agenda and its time, and which events count.
``changes`` turns Save's form inputs into a new link; ``apply`` stores it,
re-plans reminders with a full sync when what counts changed, and moves the
agenda.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    DecoratedText,
    Icon,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    SwitchControl,
    Widget,
)
from shared.chat.events.models import FormInputs, Space
from shared.chat.text import escape_html
from shared.features.meetings.agenda import next_agenda, parse_clock
from shared.features.meetings.cards import clock
from shared.features.meetings.names import CONNECT, DISCONNECT, SAVE, SYNC_NOW
from shared.store.calendars import (
    ALL_KINDS,
    KIND_MEETINGS,
    KIND_SOLO,
    KIND_TENTATIVE,
    KIND_UNANSWERED,
    CalendarLink,
    LinkState,
)

MINUTES = (0, 1, 2, 5, 10, 15, 30, 60)
AGENDA_TIMES = tuple(f"{h:02d}:{m:02d}" for h in range(6, 12) for m in (0, 30))
KIND_LABELS = {
    KIND_MEETINGS: "Meetings with other people",
    KIND_SOLO: "Events with only me",
    KIND_TENTATIVE: "Invitations I answered “maybe”",
    KIND_UNANSWERED: "Invitations I haven't answered",
}


class SettingsError(ValueError):
    """A Save that cannot be applied; ``str(exc)`` says why (safe to show)."""


def _ago(then: float, now: datetime) -> str:
    minutes = int((now.timestamp() - then) // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago"


def status(link: CalendarLink | None, now: datetime, *, granted: bool = False) -> str:
    """Where the connection stands, as card HTML (``granted``: read access is there)."""
    if link is None:
        return "Not connected. Connect your Google Calendar to get a reminder before each meeting."
    if link.state is LinkState.PENDING:
        if granted:
            return "Connecting: reading your calendar for the first time."
        return "Waiting for your permission to read your calendar (check the sign-in prompt)."
    if link.state is LinkState.BROKEN:
        return f"⚠️ Disconnected: {escape_html(link.note or 'access was lost')}. Connect again."
    who = escape_html(link.email or link.calendar_id)
    if not link.synced_at:
        return f"Connected as {who}; the first sync is running."
    text = f"Connected as {who}. Synced {_ago(link.synced_at, now)}"
    if link.zone:
        text += f", times in {escape_html(link.zone)}"
    text += "."
    if link.note:
        text += f" <i>{escape_html(link.note)}</i>"
    return text


def settings_card(
    link: CalendarLink | None,
    *,
    space: Space,
    now: datetime,
    note: str = "",
    granted: bool = False,
) -> Card:
    """The ``/meetings`` card for ``link`` opened in ``space`` (``granted``: see ``status``)."""
    widgets: list[Widget] = []
    if note:
        widgets.append(DecoratedText(text=note, start_icon=Icon(material="info"), wrap_text=True))
    widgets.append(
        DecoratedText(
            text=status(link, now, granted=granted),
            start_icon=Icon(material="event"),
            wrap_text=True,
        )
    )
    if link is None or link.state is not LinkState.ACTIVE:
        label = (
            "Connect Google Calendar"
            if link is None or link.state is LinkState.BROKEN
            else "Check again"
        )
        buttons = [Button(label, Action(CONNECT))]
        if link is not None:
            buttons.append(Button("Cancel", Action(DISCONNECT)))
        widgets.append(ButtonList(buttons))
        return _card(widgets)
    widgets += _controls(link, space)
    widgets.append(
        ButtonList(
            [
                Button("Save", Action(SAVE)),
                Button("Sync now", Action(SYNC_NOW)),
                Button("Disconnect", Action(DISCONNECT)),
            ]
        )
    )
    return _card(widgets)


def _card(widgets: list[Widget]) -> Card:
    return Card(
        card_id="meetings-settings",
        header=CardHeader(title="Meeting reminders", subtitle="From your Google Calendar"),
        sections=[Section(widgets)],
    )


def _controls(link: CalendarLink, space: Space) -> list[Widget]:
    minutes = [
        SelectionItem(
            f"{m} minutes before" if m else "At the start", str(m), m == link.minutes_before
        )
        for m in sorted({*MINUTES, link.minutes_before})
    ]
    where = [SelectionItem("My direct messages with Nudge", "", not link.destination)]
    if link.destination and link.destination != space.name:
        name = link.destination_name or "the chosen space"
        where.append(SelectionItem(f"{name} (current)", link.destination, True))
    if not space.is_dm:
        name = space.display_name or "this space"
        where.append(
            SelectionItem(f"This space ({name})", space.name, link.destination == space.name)
        )
    times = [
        SelectionItem(t, t, t == link.agenda_time)
        for t in sorted({*AGENDA_TIMES, link.agenda_time})
    ]
    kinds = [SelectionItem(KIND_LABELS[k], k, k in link.kinds) for k in ALL_KINDS]
    return [
        DecoratedText(
            text="Remind me before meetings",
            switch_control=SwitchControl("reminders_on", selected=link.reminders_on, value="on"),
        ),
        SelectionInput("minutes", "When", SelectionType.DROPDOWN, minutes),
        SelectionInput("destination", "Where", SelectionType.RADIO_BUTTON, where),
        DecoratedText(
            text="Daily agenda",
            bottom_label=f"Today's meetings at the time below ({escape_html(link.zone or 'UTC')})",
            switch_control=SwitchControl("agenda_on", selected=link.agenda_on, value="on"),
        ),
        SelectionInput("agenda_time", "Agenda time", SelectionType.DROPDOWN, times),
        SelectionInput("kinds", "Which events count", SelectionType.CHECK_BOX, kinds),
    ]


@dataclass(frozen=True, slots=True)
class Change:
    """A saved card: the new link, and whether reminders must be planned again."""

    link: CalendarLink
    replan: bool


def changes(link: CalendarLink, form: FormInputs, *, space: Space, now: datetime) -> Change:
    """The link as the Save click's ``form`` sets it; ``SettingsError`` for bad values."""
    minutes_raw = form.text("minutes", str(link.minutes_before))
    if not minutes_raw.isdigit() or int(minutes_raw) > 24 * 60:
        raise SettingsError("Minutes before must be a whole number of minutes, at most a day.")
    destination = form.text("destination", link.destination)
    if destination not in ("", link.destination, space.name):
        raise SettingsError("Reminders can go to your DM or to the space you opened this in.")
    destination_name = link.destination_name
    if destination == space.name and destination:
        destination_name = space.display_name or "a space"
    elif not destination:
        destination_name = ""
    agenda_time = form.text("agenda_time", link.agenda_time)
    try:
        parse_clock(agenda_time)
    except ValueError:
        raise SettingsError("The agenda time must look like 08:30.") from None
    kinds = tuple(k for k in ALL_KINDS if k in form.values("kinds"))
    if "kinds" in form and not kinds:
        raise SettingsError("Choose at least one kind of event (or switch reminders off).")
    new = replace(
        link,
        reminders_on="reminders_on" in form and bool(form.text("reminders_on")),
        minutes_before=int(minutes_raw),
        destination=destination,
        destination_name=destination_name,
        agenda_on="agenda_on" in form and bool(form.text("agenda_on")),
        agenda_time=agenda_time,
        kinds=kinds or link.kinds,
    )
    replan = (new.reminders_on, new.minutes_before, new.destination, new.kinds) != (
        link.reminders_on,
        link.minutes_before,
        link.destination,
        link.kinds,
    )
    new = replace(new, agenda_next=next_agenda(new, after=now))
    if replan:
        # A full sync plans every reminder again with the new settings.
        new = replace(new, sync_token="", next_sync=now.timestamp())
    return Change(new, replan)


def saved_note(change: Change, now: datetime) -> str:
    """What Save did, as card HTML."""
    link = change.link
    parts = ["Saved."]
    if change.replan:
        parts.append("Updating your reminders now.")
    if link.agenda_on and link.agenda_next:
        at = datetime.fromtimestamp(link.agenda_next, now.tzinfo)
        parts.append(f"Next agenda at {escape_html(clock(at, link.zone or 'UTC'))}.")
    return " ".join(parts)
