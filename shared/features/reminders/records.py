"""Storing reminders for the chat side: the per-person cap, adding, compare-and-set saves.

Every change goes through ``ReminderStore.save``, which writes only if nobody changed
the reminder since it was read (a tick delivering it, another click). ``save`` here
returns ``None`` in that case, and the caller tells the user it changed meanwhile.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.core.context import Context
    from shared.store.reminders import Reminder

log = logging.getLogger(__name__)

#: Reminders one person may have at once (finished ones don't count).
MAX_REMINDERS = 200
#: The longest reminder text (a Chat message holds 4,096 characters; the post adds a little).
MAX_TEXT = 1000


def full(ctx: Context, owner: str) -> str:
    """A refusal (Chat text) when ``owner`` has all the reminders Nudge keeps, else ``""``."""
    total = ctx.services.reminders().owned_by(owner, offset=0, limit=1).total
    if total < MAX_REMINDERS:
        return ""
    return (
        f"You have {total} reminders, the most Nudge keeps for one person. "
        "Delete some in /reminders first."
    )


def add(ctx: Context, reminder: Reminder) -> Reminder:
    """Store a new reminder; the same ID stored by the same owner (a repeated click) is kept."""
    store = ctx.services.reminders()
    try:
        store.add(reminder)
    except ValueError:
        stored = store.get(reminder.id)
        if stored is None or stored.owner != reminder.owner:
            raise
        return stored
    log.info(
        "reminder created",
        extra={"fields": {"reminder": reminder.id, "owner": reminder.owner}},
    )
    return reminder


def save(ctx: Context, changed: Reminder) -> Reminder | None:
    """Compare-and-set: the stored reminder, or ``None`` when it changed meanwhile."""
    saved = ctx.services.reminders().save(changed)
    if saved is None:
        log.info(
            "a reminder changed while someone acted on it",
            extra={"fields": {"reminder": changed.id}},
        )
    return saved
