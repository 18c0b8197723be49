"""The buttons: the settings card's Connect, Save, Sync now and Disconnect, and Snooze.

The settings card belongs to the person who opened it: a click acts on the
clicker's own calendar, whoever's card it was. Snooze on a meeting reminder is
for its owner only (in a shared space, others get a polite private refusal).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shared.chat.events.models import CardClickEvent
from shared.chat.responses import Reply, Response, UpdateMessage
from shared.core.router import Router
from shared.features.meetings import commands
from shared.features.meetings.names import CONNECT, DISCONNECT, SAVE, SNOOZE, SYNC_NOW
from shared.store.reminders import ReminderState

if TYPE_CHECKING:
    from shared.core.context import Context

router = Router()

#: A snooze never goes past the meeting's start.
LONGEST_SNOOZE = timedelta(hours=2)


def _as_update(reply: Response) -> Response:
    """The settings card redrawn in place rather than posted again."""
    if isinstance(reply, Reply) and reply.cards and not reply.text:
        return UpdateMessage(cards=reply.cards)
    return reply


@router.action(CONNECT)
def connect(event: CardClickEvent, ctx: Context) -> Response:
    return _as_update(commands.connect(event, ctx))


@router.action(SYNC_NOW)
def sync_now(event: CardClickEvent, ctx: Context) -> Response:
    return _as_update(commands.sync_now(event, ctx))


@router.action(DISCONNECT)
def disconnect(event: CardClickEvent, ctx: Context) -> Response:
    from shared.features.meetings.settings import settings_card

    reply = commands.disconnect(event, ctx)
    note = reply.text if isinstance(reply, Reply) else ""
    card = settings_card(None, space=event.space, now=ctx.services.clock(), note=note)
    return UpdateMessage(cards=(card,))


@router.action(SAVE)
def save(event: CardClickEvent, ctx: Context) -> Response:
    from shared.features.meetings.settings import (
        SettingsError,
        changes,
        saved_note,
        settings_card,
    )

    store = ctx.services.calendars()
    now = ctx.services.clock()
    link = store.get_link(event.user.name)
    if link is None:
        return UpdateMessage(cards=(settings_card(None, space=event.space, now=now),))
    try:
        change = changes(link, event.form_inputs, space=event.space, now=now)
    except SettingsError as exc:
        card = settings_card(link, space=event.space, now=now, note=f"⚠️ {exc}")
        return UpdateMessage(cards=(card,))
    saved = store.save_link(change.link)
    if saved is None:
        card = settings_card(
            store.get_link(event.user.name),
            space=event.space,
            now=now,
            note="It changed meanwhile (a sync finished); check and save again.",
        )
        return UpdateMessage(cards=(card,))
    if change.replan:
        commands.start_sync(ctx, event.user.name, key=f"save:{saved.user}:{saved.version}")
    card = settings_card(saved, space=event.space, now=now, note=saved_note(change, now))
    return UpdateMessage(cards=(card,))


@router.action(SNOOZE)
def snooze(event: CardClickEvent, ctx: Context) -> Response:
    """Snooze a meeting reminder for ``minutes``, or until the start (``at=start``)."""
    from shared.features.meetings import posts
    from shared.features.meetings.cards import snoozed_card

    reminders = ctx.services.reminders()
    now = ctx.services.clock()
    post = reminders.get(event.parameters.get("id", ""))
    if post is None or post.kind != posts.KIND:
        return Reply("That reminder no longer exists.", private=not event.space.is_dm)
    if post.owner != event.user.name:
        return Reply("Only the person this reminder is for can snooze it.", private=True)
    meeting = posts.meeting_of(post)
    if event.parameters.get("at") == "start":
        until = meeting.start
    else:
        raw = event.parameters.get("minutes", "5")
        minutes = int(raw) if raw.isdigit() else 5
        until = min(now + timedelta(minutes=max(1, minutes)), meeting.start, now + LONGEST_SNOOZE)
    if until <= now or post.state not in (ReminderState.ACTIVE, ReminderState.DONE):
        return Reply("That meeting has started, so there is nothing to snooze.", private=True)
    snoozed = posts.snoozed(post, until=until)
    if not snoozed.last_message and event.message is not None:
        from dataclasses import replace

        snoozed = replace(snoozed, last_message=event.message.name)
    if reminders.save(snoozed) is None:
        return Reply("It changed meanwhile; try again.", private=True)
    card = snoozed_card(meeting, post.id, until=until, shared_space=bool(post.space))
    return UpdateMessage(cards=(card,))
