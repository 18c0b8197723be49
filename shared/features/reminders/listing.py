"""``/reminders``: the user's reminders as a private card, a page at a time.

Each reminder shows where it stands (next time, snoozed, nudging, paused, switched
off) with Done, Snooze and Delete buttons; a click updates the card in place
(``actions``), on the same page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    DecoratedText,
    Divider,
    Section,
    TextParagraph,
    Widget,
)
from shared.chat.responses import Reply
from shared.chat.text import escape_html
from shared.features.reminders import zones
from shared.features.reminders.cards import (
    DELETE,
    DONE,
    PAGE,
    from_now,
    local,
    repeats,
    snooze_buttons,
    where,
)
from shared.store.reminders import Reminder, ReminderState

if TYPE_CHECKING:
    from shared.chat.events.models import Event, Space
    from shared.core.context import Context
    from shared.store.reminders import ReminderPage

#: Reminders on one page.
PAGE_SIZE = 5
#: Characters of a reminder's text shown here (the confirmation shows all of it).
TEXT_CHARS = 200


def status(reminder: Reminder, *, now: datetime, zone: str) -> str:
    """Where a reminder stands, as card HTML: next time, snoozed, nudging, paused, off."""
    from shared.features.reminders import model

    if reminder.state is ReminderState.PAUSED:
        return "Paused: Nudge was removed from its space"
    if reminder.state is ReminderState.DISABLED:
        return "Switched off: " + escape_html(reminder.note or "it could not be posted")
    nxt = model.pending_at(reminder)
    if reminder.state is not ReminderState.ACTIVE or nxt is None:
        return "Finished"
    when = escape_html(local(nxt, zone))
    if nxt - now < timedelta(days=1):
        when += f" ({from_now(nxt - now)})" if nxt > now else " (due now)"
    if model.snoozed_until(reminder) is not None:
        return f"Snoozed until {when}"
    nag = model.nag_number(reminder)
    if nag:
        return f"Nudging until done ({nag} of {reminder.nag_cap}), next {when}"
    return f"Next: {when}"


def _item(
    reminder: Reminder, *, offset: int, now: datetime, zone: str | None, space: Space
) -> list[Widget]:
    text = reminder.text
    if len(text) > TEXT_CHARS:
        text = text[: TEXT_CHARS - 1] + "…"
    line = status(reminder, now=now, zone=zone or reminder.zone or "UTC")
    params = {"id": reminder.id, "view": "list", "offset": str(offset)}
    buttons = [Button("Delete", Action(DELETE, params))]
    if reminder.state is ReminderState.ACTIVE and reminder.due_key:
        buttons = [Button("Done", Action(DONE, params)), *snooze_buttons(params), *buttons]
    return [
        DecoratedText(
            top_label=f"{reminder.id} · {escape_html(repeats(reminder))}",
            text=f"<b>{escape_html(text)}</b>",
            bottom_label=f"{line} · posts in {where(reminder, space)}",
            wrap_text=True,
        ),
        ButtonList(buttons),
    ]


def list_card(
    page: ReminderPage,
    *,
    offset: int,
    now: datetime,
    zone: str | None,
    space: Space,
    note: str = "",
) -> Card:
    """One page of the user's reminders, each with its buttons; ``note`` is card HTML."""
    widgets: list[Widget] = [TextParagraph(note)] if note else []
    for index, reminder in enumerate(page.items):
        if index:
            widgets.append(Divider())
        widgets += _item(reminder, offset=offset, now=now, zone=zone, space=space)
    if not page.items:
        widgets.append(
            TextParagraph(
                "You have no reminders. Try <b>/remind me to stretch in 10 minutes</b>, "
                "or <b>/remind</b> on its own for a form."
            )
        )
    pager = []
    if offset > 0:
        previous = str(max(0, offset - PAGE_SIZE))
        pager.append(Button("Previous page", Action(PAGE, {"offset": previous})))
    if page.next_offset is not None:
        pager.append(Button("Next page", Action(PAGE, {"offset": str(page.next_offset)})))
    if pager:
        widgets.append(ButtonList(pager))
    shown = f"{offset + 1} to {offset + len(page.items)} of {page.total}" if page.items else ""
    return Card(
        card_id="reminder-list",
        header=CardHeader(title="Your reminders", subtitle=shown),
        sections=[Section(widgets)],
    )


def page_card(event: Event, ctx: Context, *, offset: int = 0, note: str = "") -> Card:
    """The page at ``offset`` of the user's reminders (the last page, if it shrank)."""
    store = ctx.services.reminders()
    offset = max(0, offset)
    page = store.owned_by(event.user.name, offset=offset, limit=PAGE_SIZE)
    if not page.items and offset > 0:
        offset = max(0, (page.total - 1) // PAGE_SIZE * PAGE_SIZE)
        page = store.owned_by(event.user.name, offset=offset, limit=PAGE_SIZE)
    return list_card(
        page,
        offset=offset,
        now=zones.now_utc(ctx.services),
        zone=zones.known_zone(ctx, event.user.name),
        space=event.space,
        note=note,
    )


def list_reply(event: Event, ctx: Context) -> Reply:
    """``/reminders``: the first page, privately."""
    return Reply(
        cards=(page_card(event, ctx),),
        private=not event.space.is_dm,
        fallback_text="Your reminders",
    )
