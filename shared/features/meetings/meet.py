"""``/meet``: schedule a meeting with a Google Meet link from Chat, exactly once.

``/meet Design review tomorrow at 3pm for 45m with @Ada @Bob`` creates the event
in the caller's primary calendar, as them (``scopes.MEET_NEEDS``), invites the
mentioned people (and, "with everyone", the space's members) and posts the
announcement card into the space as Nudge (``meet_make``). ``/meet`` alone opens
the dialog (``meet_dialog``), and so does a line that needs what only the dialog
can give: the time zone (Chat sends it only with clicks) or emails the directory
did not give (``directory.readonly`` not granted, or the person not found).

A line is keyed by its Chat message, a dialog by the request ID made when it
opened: a retried event makes nothing twice (see ``meet_make``). Answers: a
private note in a space (the announcement is the public part), nothing in a DM,
errors privately with a line that works, dialog errors inside the dialog.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.auth.errors import AuthorizationRequired
from shared.chat.events.models import (
    CardClickEvent,
    CommandEvent,
    DialogCancelEvent,
    DialogRequestEvent,
    DialogSubmitEvent,
    Event,
)
from shared.chat.responses import Ack, CloseDialog, DialogStatus, OpenDialog, Reply, Response
from shared.core.router import Router
from shared.features.meetings import meet_make
from shared.features.meetings.meet_dialog import MAX_FIELDS, OPEN, SUBMIT, Draft

if TYPE_CHECKING:
    from shared.core.context import Context

log = logging.getLogger(__name__)

router = Router()


def _thread_of(event: Event) -> str:
    message = getattr(event, "message", None)
    thread = message.thread if message is not None and message.thread else event.thread
    return thread.name if thread is not None else ""


# --- the command, the dialog ------------------------------------------------------------------


def _private(event: Event) -> bool:
    return not event.space.is_dm


def _open(ctx: Context, event: Event, draft: Draft, errors: tuple[str, ...] = ()) -> OpenDialog:
    """The dialog for ``draft``, with a fresh request ID (what its submission is keyed by)."""
    from shared.features.meetings.meet_dialog import dialog_card

    draft = replace(draft, request=secrets.token_hex(12))
    now = ctx.services.clock()
    return OpenDialog(dialog_card(draft, in_space=_private(event), now=now, errors=errors))


def _continue(ctx: Context, event: CommandEvent, draft: Draft, reasons: Sequence[str]) -> Response:
    """Finish in the dialog: directly when Chat asked for one, else through a button."""
    from shared.features.meetings.meet_cards import start_card

    if event.is_dialog_request:
        return _open(ctx, event, replace(draft, note=" ".join(reasons)))
    params = replace(draft, note=" ".join(reasons)).to_params()
    label = "Continue…" if reasons else "Schedule a meeting…"
    card = start_card(action=OPEN, params=params, reasons=reasons, label=label)
    return Reply(cards=(card,), private=_private(event), fallback_text=label)


def _message_key(event: CommandEvent) -> str:
    name = event.message.name if event.message is not None else ""
    if name:
        return name
    log.warning("a /meet command without a message name: retries may not be recognised")
    return "unnamed:" + secrets.token_hex(8)


@router.command(
    "/meet",
    description="Schedule a meeting with a Google Meet link",
    usage="title when [for 45m] [with @people | everyone]",
)
def meet_command(event: CommandEvent, ctx: Context) -> Response:
    from shared.features.meetings import meet_cards
    from shared.features.meetings.meet_guests import mentioned_people, with_mentions
    from shared.features.meetings.meet_parse import MeetError, parse_meet
    from shared.google.errors import ApiError

    user, private = event.user.name, _private(event)
    text = with_mentions(event.argument_text, event.message).strip()
    if not text:
        meet_make.granted(ctx, user)
        return _continue(ctx, event, Draft(thread=_thread_of(event)), ())
    people = mentioned_people(event.message)
    now = ctx.services.clock()
    zone = meet_make.known_zone(ctx, user)
    try:
        asked = parse_meet(text, now=now, zone=zone, people=people, caller=user)
        granted = meet_make.granted(ctx, user)
        guests = meet_make.resolve_guests(
            ctx,
            event,
            granted,
            people={person: people.get(person, "") for person in asked.people},
            everyone=asked.everyone,
            listed=[("", address) for address in asked.emails],
        )
        if asked.start is None or guests.missing or event.is_dialog_request:
            reasons = []
            if asked.start is None:
                reasons.append(
                    f"Pick the date and time of “{asked.when_text}”: Chat doesn't tell apps your "
                    "time zone with a command (after this, Nudge knows it)."
                )
            if guests.missing:
                reasons.append(
                    "Chat doesn't share email addresses with apps: enter the missing ones."
                )
            draft = Draft(
                title=asked.title,
                start=asked.start,
                when=asked.when_text if asked.start is None else "",
                minutes=int(asked.length.total_seconds() // 60),
                guests=meet_make.guests_field(guests.emails),
                people=guests.missing,
                thread=_thread_of(event),
            )
            return _continue(ctx, event, draft, reasons)
        plan = meet_make.Plan(
            key=_message_key(event),
            title=asked.title,
            start=asked.start,
            length=asked.length,
            zone=zone or "UTC",
            emails=guests.emails,
            thread=_thread_of(event),
        )
        made = meet_make.make(ctx, event, plan)
    except MeetError as err:
        if event.is_dialog_request:  # Chat waits for a dialog: show the problem in one
            return _open(ctx, event, Draft(thread=_thread_of(event)), (err.message,))
        return meet_cards.error_reply(err.message, err.example, private=private)
    except ApiError as exc:
        return Reply(f"I couldn't schedule that. {meet_make.api_problem(exc)}", private=private)
    if not made.message:
        return made.announcement  # couldn't post it: answer with it instead
    if not private:
        return Ack()  # a DM: the announcement is the answer
    note = meet_cards.scheduled_note(
        made.event, title=plan.title, zone=made.zone, invited=len(plan.emails)
    )
    return Reply(note, private=True)


@router.action(OPEN)
def open_dialog(event: DialogRequestEvent | CardClickEvent, ctx: Context) -> Response:
    """The *Continue…* button (``OPEN_DIALOG``): the dialog, prefilled from the line."""
    from shared.features.meetings.meet_parse import start_of

    meet_make.granted(ctx, event.user.name)
    zone = meet_make.reported_zone(ctx, event) or meet_make.known_zone(ctx, event.user.name)
    draft = Draft.from_params(event.parameters, request="")
    if draft.start is None and draft.when and zone is not None:
        draft = replace(draft, start=start_of(draft.when, now=ctx.services.clock(), zone=zone))
    return _open(ctx, event, draft)


@router.dialog_submit(SUBMIT)
def submit(event: DialogSubmitEvent, ctx: Context) -> Response:
    """Schedule it, or show the dialog again with what was wrong."""
    from shared.features.meetings.meet_cards import when_text
    from shared.features.meetings.meet_dialog import (
        dialog_card,
        read_form,
        submitted_draft,
        submitted_request,
    )
    from shared.features.meetings.meet_parse import MeetError
    from shared.google.errors import ApiError

    now = ctx.services.clock()
    request = submitted_request(event.parameters)
    if request is None:
        return CloseDialog(DialogStatus.INVALID_ARGUMENT, "This form is out of date: type /meet.")
    carried = submitted_draft(event.parameters, request)
    filled = read_form(event.form_inputs, carried, now=now)

    def again(draft: Draft, *problems: str) -> OpenDialog:
        return OpenDialog(
            dialog_card(draft, in_space=_private(event), now=now, errors=tuple(problems))
        )

    if filled.problems or filled.start is None:
        return again(filled.draft, *filled.problems)
    zone = (
        meet_make.reported_zone(ctx, event) or meet_make.known_zone(ctx, event.user.name) or "UTC"
    )
    try:
        granted = meet_make.granted(ctx, event.user.name)
        guests = meet_make.resolve_guests(
            ctx,
            event,
            granted,
            people=carried.people,
            everyone=filled.everyone,
            typed=filled.emails,
            listed=filled.guests,
        )
        if guests.missing:
            people = {**carried.people, **guests.missing}
            if len(people) > MAX_FIELDS:
                return again(filled.draft, f"Enter at most {MAX_FIELDS} people here.")
            return again(
                replace(filled.draft, people=people),
                "Chat doesn't share email addresses with apps: enter them below.",
            )
        plan = meet_make.Plan(
            key="dialog:" + request,
            title=filled.title,
            start=filled.start,
            length=timedelta(minutes=filled.minutes),
            zone=zone,
            emails=guests.emails,
            thread=carried.thread,
        )
        made = meet_make.make(ctx, event, plan)
    except MeetError as err:
        return again(filled.draft, err.message)
    except AuthorizationRequired as exc:
        return again(
            filled.draft,
            f"Nudge needs your permission {exc.reason}: close this, type /meet and grant access.",
        )
    except ApiError as exc:
        return again(filled.draft, meet_make.api_problem(exc))
    toast = f"Scheduled {plan.title} for {when_text(made.event, plan.title, made.zone)}"
    if not made.message:
        toast += " (it is in your calendar; I couldn't post it here)"
    return CloseDialog(DialogStatus.OK, toast[:300])


@router.dialog_cancel(SUBMIT)
def cancel(event: DialogCancelEvent, ctx: Context) -> Response:
    return CloseDialog(DialogStatus.CANCELLED)
