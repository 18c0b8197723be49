"""``/remind``, ``/reminders``, "remind me to …" in a DM, and pausing when Nudge is removed.

``/remind [who] [what] [when]`` parses with ``grammar.parse_reminder`` (imported inside
the handler, so other cold starts don't pay for it). Who is ``me``, ``here`` or an
@mention: Chat sends a mention as ``@Name`` text plus a ``USER_MENTION`` annotation, so
the text is rebuilt with ``<users/ID>`` for each mentioned person before parsing, and
only people actually mentioned can be reminded (typing ``<users/all>`` gets nobody).

A wall-clock time needs the user's zone, which Chat only sends with clicks: when it is
unknown, the answer is a one-click card (``cards.needs_zone_card``) and the click
creates the reminder (``actions.set_zone``). ``/remind`` alone opens a dialog.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from shared.chat.events.models import (
    AddedToSpaceEvent,
    CommandEvent,
    Event,
    Message,
    MessageEvent,
    RemovedFromSpaceEvent,
)
from shared.chat.responses import OpenDialog, Reply, Response
from shared.chat.text import escape
from shared.core.router import Router
from shared.features.reminders import cards, records, zones
from shared.features.reminders.dialog import dialog_card
from shared.features.reminders.listing import list_reply
from shared.features.reminders.zones import now_utc

if TYPE_CHECKING:
    from shared.core.context import Context
    from shared.store.reminders import Reminder

log = logging.getLogger(__name__)

#: The longest ``/remind`` line Nudge reads.
MAX_COMMAND = 1500
_ID = re.compile(r"r[a-z0-9]{8}")

router = Router()


# --- the argument text ---------------------------------------------------------------------


def mentioned_people(message: Message | None) -> dict[str, str]:
    """``users/ID -> display name`` of every person (not app) mentioned in ``message``."""
    found: dict[str, str] = {}
    for annotation in message.annotations if message is not None else ():
        user = annotation.user
        if annotation.type == "USER_MENTION" and user is not None and not user.is_bot:
            found.setdefault(user.name, user.display_name)
    return found


def with_mentions(argument: str, message: Message | None) -> str:
    """``argument`` with each mentioned person's ``@Name`` replaced by ``<users/ID>``.

    The grammar reads ``<users/ID>``; Chat writes ``@Name`` in the text and says who
    it is in an annotation (whose span is checked, then the name looked for).
    """
    if message is None:
        return argument
    text = message.text
    for annotation in message.annotations:
        user = annotation.user
        if annotation.type != "USER_MENTION" or user is None or user.is_bot:
            continue
        start, end = annotation.start_index, annotation.start_index + annotation.length
        spans = []
        if 0 <= start < end <= len(text) and text[start] == "@":
            spans.append(text[start:end])
        if user.display_name:
            spans.append("@" + user.display_name)
        for span in spans:
            if span in argument:
                argument = argument.replace(span, f"<{user.name}>", 1)
                break
    return argument


# --- creating ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a ``/remind`` line came to: a stored reminder, a refusal, or a zone to ask for."""

    reminder: Reminder | None = None
    #: A refusal as Chat message text, already escaped.
    problem: str = ""
    needs_zone: bool = False
    who: str = ""
    who_name: str = ""


def create_from_text(
    event: Event,
    ctx: Context,
    text: str,
    *,
    people: Mapping[str, str],
    zone: str | None,
    now: datetime,
    reminder_id: str | None = None,
) -> Outcome:
    """Parse and store a ``/remind`` line; ``people`` are those it may remind by mention.

    Raises ``GrammarError`` for phrases Nudge will not guess at.
    """
    from shared.features.reminders import model
    from shared.schedules.grammar import ME, RecipientKind, parse_reminder

    if len(text) > MAX_COMMAND:
        return Outcome(problem=f"That is too long: {MAX_COMMAND} characters at most.")
    parsed = parse_reminder(text, now=now, zone=zone)
    who, who_name = "", ""
    if parsed.who.kind is RecipientKind.USER:
        who = parsed.who.user or ""
        if who == event.user.name:
            parsed, who = replace(parsed, who=ME), ""
        elif who not in people:
            return Outcome(
                problem="I can only remind people you @-mention (or say me or here), "
                "and Chat didn't tell me who that is."
            )
        else:
            who_name = people[who]
    if len(parsed.what) > records.MAX_TEXT:
        return Outcome(
            problem=f"The reminder text is too long: {records.MAX_TEXT} characters at most."
        )
    problem = records.full(ctx, event.user.name)
    if problem:
        return Outcome(problem=problem)
    if parsed.needs_zone:
        return Outcome(needs_zone=True, who=who, who_name=who_name)
    reminder = model.create(
        parsed,
        owner=event.user.name,
        space=event.space.name,
        space_is_dm=event.space.is_dm,
        now=now,
        reminder_id=reminder_id,
    )
    reminder = records.add(ctx, reminder)
    return Outcome(reminder=reminder, who=who, who_name=who_name)


def confirmation(
    event: Event, reminder: Reminder, *, zone: str | None, now: datetime, who_name: str = ""
) -> Reply:
    """The private confirmation of a new reminder."""
    card = cards.confirmation_card(
        reminder, now=now, zone=zone, space=event.space, who_name=who_name
    )
    return Reply(
        cards=(card,),
        private=not event.space.is_dm,
        fallback_text=f"Reminder {reminder.id} set",
    )


def remind(event: Event, ctx: Context, text: str, people: Mapping[str, str]) -> Response:
    """Set a reminder from a ``/remind`` line (or answer its subcommands)."""
    private = not event.space.is_dm
    words = text.split()
    first = words[0].lower() if words else ""
    if first in ("help", "?") and len(words) == 1:
        return Reply(cards=(cards.help_card(),), private=private)
    if first == "list" and len(words) == 1:
        return list_reply(event, ctx)
    if first in ("timezone", "tz") and len(words) <= 2:
        return zones.timezone_command(event, ctx, " ".join(words[1:]), private=private)
    if first in ("delete", "cancel") and len(words) == 2 and _ID.fullmatch(words[1]):
        return delete_by_id(event, ctx, words[1])

    from shared.schedules.errors import GrammarError

    now = now_utc(ctx.services)
    zone = zones.known_zone(ctx, event.user.name)
    try:
        outcome = create_from_text(event, ctx, text, people=people, zone=zone, now=now)
    except GrammarError as err:
        return cards.grammar_error(err, private=private)
    if outcome.problem:
        return Reply(outcome.problem, private=private)
    if outcome.needs_zone:
        card = cards.needs_zone_card(text, who=outcome.who, who_name=outcome.who_name)
        return Reply(cards=(card,), private=private, fallback_text="One click to finish")
    assert outcome.reminder is not None
    return confirmation(event, outcome.reminder, zone=zone, now=now, who_name=outcome.who_name)


@router.command(
    "/remind",
    description="Set a reminder for you, someone, or this space",
    usage="[me|here|@person] what when",
)
def remind_command(event: CommandEvent, ctx: Context) -> Response:
    text = with_mentions(event.argument_text, event.message).strip()
    if not text:
        if event.is_dialog_request:
            return OpenDialog(
                dialog_card(in_space=not event.space.is_dm, now=now_utc(ctx.services))
            )
        return Reply(cards=(cards.help_card(),), private=not event.space.is_dm)
    return remind(event, ctx, text, mentioned_people(event.message))


@router.message(r"^\s*remind\s+\S")
def remind_message(event: MessageEvent, ctx: Context) -> Response:
    """ "remind me to …" in a DM (or to @Nudge in a space)."""
    text = with_mentions(event.argument_text, event.message).strip()
    return remind(event, ctx, text, mentioned_people(event.message))


# --- listing and deleting -----------------------------------------------------------------


@router.command("/reminders", description="List your reminders")
def reminders_command(event: CommandEvent, ctx: Context) -> Response:
    return list_reply(event, ctx)


@router.message(r"^\s*(?:list\s+)?(?:my\s+)?reminders\s*$")
def reminders_message(event: MessageEvent, ctx: Context) -> Response:
    return list_reply(event, ctx)


def delete_by_id(event: Event, ctx: Context, reminder_id: str) -> Reply:
    private = not event.space.is_dm
    store = ctx.services.reminders()
    reminder = store.get(reminder_id)
    if reminder is None or reminder.owner != event.user.name:
        return Reply(f"You have no reminder {escape(reminder_id)}.", private=private)
    store.delete(reminder_id)
    return Reply(f"Deleted reminder {reminder.id}: “{escape(reminder.text)}”.", private=private)


# --- Nudge removed from a space, and added back -----------------------------------------


def _change_in_space(ctx: Context, space: str, change: Callable[[Reminder], Reminder]) -> int:
    """Apply ``change`` to every reminder that posts into ``space``; how many changed."""
    store = ctx.services.reminders()
    changed = 0
    for reminder in store.in_space(space):
        if reminder.space != space:
            continue  # set there, but posts in a DM: carries on
        current: Reminder | None = reminder
        for _ in range(3):  # compare-and-set: re-read when a tick or click got there first
            if current is None:
                break
            updated = change(current)
            if updated is current or store.save(updated) is not None:
                changed += updated is not current
                break
            current = store.get(reminder.id)
    return changed


@router.removed
def pause_in_space(event: RemovedFromSpaceEvent, ctx: Context) -> None:
    """Pause every reminder that posts into the space Nudge just left."""
    from shared.features.reminders import model

    paused = _change_in_space(ctx, event.space.name, model.paused)
    log.info(
        "paused reminders of a space Nudge left",
        extra={"fields": {"space": event.space.name, "paused": paused}},
    )


@router.added
def resume_in_space(event: AddedToSpaceEvent, ctx: Context) -> None:
    """Nudge is back in a space: its paused reminders carry on (missed ones are not sent late)."""
    from shared.features.reminders import model

    now = now_utc(ctx.services)
    resumed = _change_in_space(ctx, event.space.name, lambda r: model.resumed(r, now=now))
    if resumed:
        log.info(
            "resumed reminders of a space Nudge is back in",
            extra={"fields": {"space": event.space.name, "resumed": resumed}},
        )
