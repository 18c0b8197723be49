"""The buttons: Done, Snooze, Delete, paging, and the one-click time zone.

Every click first passes the zone it carries to ``zones.learn``. A click on the list
(``view=list``) or a confirmation (``view=confirm``) updates that private card in
place; a click on a delivered post updates the post ("Done ✓ by …").

Who may do what:

* Delete, and anything on the list or a confirmation: the owner only.
* Done on a delivered post: the owner, the person it reminds, or, for a reminder
  posted into a space, anyone in that space (it's the team's reminder).
* Snooze on a delivered post: the owner or the person it reminds.

Anyone else gets a polite private refusal and the card stays as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.chat.cards import Card, Section, TextParagraph
from shared.chat.events.models import CardClickEvent
from shared.chat.responses import Reply, Response, UpdateMessage
from shared.chat.text import escape, escape_html
from shared.core.router import Router
from shared.features.reminders import cards, commands, listing, records, zones
from shared.features.reminders.cards import DELETE, DONE, PAGE, SNOOZE
from shared.features.reminders.zones import SET_ZONE
from shared.store.reminders import ReminderState

if TYPE_CHECKING:
    from shared.core.context import Context
    from shared.store.reminders import Reminder

router = Router()

CHANGED = "It changed meanwhile (a delivery or another click got there first), so nothing was done."


def _private(event: CardClickEvent) -> bool:
    return not event.space.is_dm


def _refuse(event: CardClickEvent, text: str) -> Reply:
    return Reply(text, private=_private(event))


def _offset(event: CardClickEvent) -> int:
    raw = event.parameters.get("offset", "0")
    return int(raw) if raw.isdigit() else 0


def _post_name(event: CardClickEvent) -> str:
    return event.message.name if event.message is not None else ""


def _name(event: CardClickEvent) -> str:
    return escape_html(event.user.display_name or "someone")


def _list_update(event: CardClickEvent, ctx: Context, note: str) -> UpdateMessage:
    card = listing.page_card(event, ctx, offset=_offset(event), note=note)
    return UpdateMessage(cards=(card,))


def _gone(event: CardClickEvent, ctx: Context, reminder_id: str) -> Response:
    """The clicked card once its reminder was deleted meanwhile."""
    note = f"Reminder {escape_html(reminder_id)} no longer exists."
    view = event.parameters.get("view")
    if view == "list":
        return _list_update(event, ctx, note)
    if view == "confirm":
        return UpdateMessage(cards=(_status_card(note),))
    return _post_update(None, event, note, done=True)  # a delivered post keeps its text


def _status_card(html: str) -> Card:
    return Card(card_id="reminder-status", sections=[Section([TextParagraph(html)])])


def _post_update(
    reminder: Reminder | None, event: CardClickEvent, news: str, done: bool
) -> UpdateMessage:
    """The delivered post after a click: its first line again and what happened."""
    from shared.features.reminders import model

    if reminder is not None:
        text = cards.posted_text(reminder)
    else:
        text = escape(
            (event.message.text if event.message else "").split("\n")[0], formatting=False
        )
    button = None
    if not done and reminder is not None and reminder.state is ReminderState.ACTIVE:
        button = (reminder.id, model.occurrence_key(reminder))
    return UpdateMessage(
        text=text, cards=(cards.after_click_card(reminder, news=news, done_button=button),)
    )


# --- Done ----------------------------------------------------------------------------------


@router.action(DONE)
def done(event: CardClickEvent, ctx: Context) -> Response:
    from shared.features.reminders import model

    zones.learn(event, ctx)
    rid = event.parameters.get("id", "")
    reminder = ctx.services.reminders().get(rid)
    on_list = event.parameters.get("view") == "list"
    if reminder is None:
        if on_list:
            return _gone(event, ctx, rid)
        return _post_update(None, event, f"Done ✓ by {_name(event)}", done=True)
    user = event.user.name
    if on_list:
        if reminder.owner != user:
            return _refuse(event, "Only the person who set this reminder can change it.")
        changed = model.acknowledged(reminder, now=zones.now_utc(ctx.services))
    else:
        posted_here = bool(reminder.space) and reminder.space == event.space.name
        if user not in (reminder.owner, reminder.mention) and not posted_here:
            return _refuse(event, "This reminder isn't yours to mark done.")
        changed = model.acknowledged(
            reminder, now=zones.now_utc(ctx.services), of=event.parameters.get("key")
        )
    saved = reminder if changed is reminder else records.save(ctx, changed)
    if saved is None:
        if on_list:
            return _list_update(event, ctx, CHANGED)
        return _refuse(event, CHANGED)
    if on_list:
        left = "finished" if saved.state is ReminderState.DONE else "moved to its next time"
        note = f"Done ✓ {escape_html(saved.id)}: {left}."
        return _list_update(event, ctx, note)
    return _post_update(saved, event, f"Done ✓ by {_name(event)}", done=True)


# --- Snooze --------------------------------------------------------------------------------


def _until(event: CardClickEvent, ctx: Context, now: datetime) -> tuple[datetime, str] | str:
    """``(until, zone to show it in)``, or a refusal (Chat text)."""
    from shared.schedules.schedule import SNOOZE_LABELS, Snooze, snooze

    zone = zones.learn(event, ctx)
    try:
        choice = Snooze(event.parameters.get("choice", ""))
    except ValueError:
        return "That snooze button is out of date; open /reminders for fresh ones."
    try:
        schedule = snooze(choice, now=now, zone=zone)
    except ValueError:
        return (
            f"“{SNOOZE_LABELS[choice]}” is a time in your time zone, and Chat didn't send it. "
            f"Set it with /remind timezone {zones.EXAMPLE_ZONE}; 20 minutes, 1 hour and "
            "3 hours work without it."
        )
    until = schedule.next_after(now)
    if until is None:  # pragma: no cover - every snooze choice lies ahead
        return "That snooze time has passed."
    return until, zone or schedule.zone


@router.action(SNOOZE)
def snooze(event: CardClickEvent, ctx: Context) -> Response:
    from shared.features.reminders import model
    from shared.schedules.schedule import Schedule

    now = zones.now_utc(ctx.services)
    found = _until(event, ctx, now)
    if isinstance(found, str):
        return _refuse(event, found)
    until, zone = found
    rid = event.parameters.get("id", "")
    reminder = ctx.services.reminders().get(rid)
    if reminder is None:
        return _gone(event, ctx, rid)
    on_list = event.parameters.get("view") == "list"
    user = event.user.name
    allowed = (reminder.owner,) if on_list else (reminder.owner, reminder.mention)
    if user not in allowed:
        return _refuse(
            event, "Only the person who set this reminder (or the one it reminds) can snooze it."
        )
    when = escape_html(cards.local(until, zone))
    key = model.occurrence_key(reminder) if on_list else event.parameters.get("key", "")
    if model.is_pending(reminder, key):
        saved = records.save(ctx, model.snoozed(reminder, until=until))
        if saved is None:
            return _list_update(event, ctx, CHANGED) if on_list else _refuse(event, CHANGED)
    elif on_list:
        return _list_update(
            event, ctx, f"{escape_html(reminder.id)} has nothing pending to snooze."
        )
    else:  # that occurrence is over: post it again later as a one-off
        problem = records.full(ctx, reminder.owner)
        if problem:
            return _refuse(event, problem)
        copy = model.snoozed_copy(
            reminder,
            schedule=Schedule.once_at(until, reminder.zone or zone),
            now=now,
            # The same button on the same post twice (a double click) snoozes once.
            reminder_id=model.id_from(
                f"{reminder.id}|{key}|{_post_name(event)}|{event.parameters.get('choice')}"
            ),
        )
        saved = records.add(ctx, copy)
    if on_list:
        return _list_update(event, ctx, f"Snoozed {escape_html(saved.id)} until {when}.")
    return _post_update(saved, event, f"Snoozed until {when} by {_name(event)}", done=False)


# --- Delete and pages ----------------------------------------------------------------------


@router.action(DELETE)
def delete(event: CardClickEvent, ctx: Context) -> Response:
    zones.learn(event, ctx)
    rid = event.parameters.get("id", "")
    store = ctx.services.reminders()
    reminder = store.get(rid)
    if reminder is None:
        return _gone(event, ctx, rid)
    if reminder.owner != event.user.name:
        return _refuse(event, "Only the person who set this reminder can delete it.")
    store.delete(rid)
    note = f"Deleted {escape_html(rid)}: “{escape_html(reminder.text[:200])}”."
    if event.parameters.get("view") == "list":
        return _list_update(event, ctx, note)
    return UpdateMessage(cards=(_status_card(note),))


@router.action(PAGE)
def page(event: CardClickEvent, ctx: Context) -> Response:
    zones.learn(event, ctx)
    return _list_update(event, ctx, "")


# --- the one-click time zone ---------------------------------------------------------------


@router.action(SET_ZONE)
def set_zone(event: CardClickEvent, ctx: Context) -> Response:
    """Learn the zone the click carries, then finish what was waiting for it."""
    from shared.features.reminders import model
    from shared.schedules.errors import GrammarError

    zone = zones.learn(event, ctx)
    params = event.parameters
    if zone is None:
        note = (
            "Google Chat didn't send your time zone with that click. Type "
            f"<b>/remind timezone {zones.EXAMPLE_ZONE}</b> (your own zone) instead."
        )
        return UpdateMessage(
            cards=(zones.zone_card(None, now=zones.now_utc(ctx.services), note=note),)
        )
    now = zones.now_utc(ctx.services)
    command = params.get("command", "")
    if command:
        who, who_name = params.get("who", ""), params.get("who_name", "")
        seed = f"{event.user.name}|{event.message.name if event.message else ''}|{command}"
        try:
            outcome = commands.create_from_text(
                event,
                ctx,
                command,
                people={who: who_name} if who else {},
                zone=zone,
                now=now,
                reminder_id=model.id_from(seed),
            )
        except GrammarError as err:
            return _zone_learned(event, ctx, zone, cards.grammar_error(err, private=False).text)
        if outcome.reminder is None:
            return _zone_learned(event, ctx, zone, outcome.problem)
        card = cards.confirmation_card(
            outcome.reminder, now=now, zone=zone, space=event.space, who_name=who_name
        )
        return UpdateMessage(cards=(card,))
    rid = params.get("id", "")
    if rid:
        reminder = ctx.services.reminders().get(rid)
        if reminder is not None and reminder.owner == event.user.name:
            card = cards.confirmation_card(
                reminder, now=now, zone=zone, space=event.space, who_name=params.get("who_name", "")
            )
            return UpdateMessage(cards=(card,))
    return _zone_learned(event, ctx, zone, "")


def _zone_learned(event: CardClickEvent, ctx: Context, zone: str, text: str) -> UpdateMessage:
    """The zone card, saying which zone Nudge now uses, below ``text`` (Chat text) if any."""
    prefs = zones.stored(ctx, event.user.name)
    note = f"Nudge now uses <b>{escape_html(zone)}</b> for you."
    return UpdateMessage(
        text=text, cards=(zones.zone_card(prefs, now=zones.now_utc(ctx.services), note=note),)
    )
