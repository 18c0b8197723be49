"""The ``/remind`` dialog: text, a date and time, a repeat choice and where to post.

``/remind`` on its own opens it (directly when the command is configured to open a
dialog, otherwise through the *New reminder…* button of its help card). The picker
gives an absolute instant (ms since the epoch); a repeat follows the wall clock of the
zone the submission carries (Chat shows the picker in that zone), so "every weekday"
from a Monday 9:00 pick fires at 9:00 local through daylight-saving changes. Bad input
reopens the dialog with what was wrong at the top; good input closes it with a toast.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.chat.cards import (
    Action,
    Button,
    Card,
    CardHeader,
    DateTimePicker,
    DateTimePickerType,
    FixedFooter,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    TextInput,
    TextParagraph,
    Widget,
)
from shared.chat.events.models import DialogCancelEvent, DialogSubmitEvent, Event, FormInputs
from shared.chat.responses import CloseDialog, DialogStatus, OpenDialog, Response
from shared.chat.text import escape_html
from shared.core.router import Router
from shared.features.reminders import records, zones
from shared.features.reminders.cards import OPEN, SUBMIT, local, repeats
from shared.features.reminders.zones import EXAMPLE_ZONE

if TYPE_CHECKING:
    from shared.core.context import Context
    from shared.schedules.schedule import Schedule

REPEATS = {
    "once": "Once",
    "daily": "Every day",
    "weekdays": "Every weekday (Monday to Friday)",
    "weekly": "Every week on that day",
    "monthly": "Every month on that date",
    "yearly": "Every year on that date",
}
WHERE = {"me": "Just me, in my direct messages with Nudge", "here": "Everyone in this space"}
#: How far ahead a reminder may be set (as the grammar allows).
MAX_AHEAD = timedelta(days=5 * 365 + 1)
_RULES = {
    "daily": {"FREQ": "DAILY"},
    "weekdays": {"FREQ": "WEEKLY", "BYDAY": "MO,TU,WE,TH,FR"},
    "weekly": {"FREQ": "WEEKLY"},
    "monthly": {"FREQ": "MONTHLY"},
    "yearly": {"FREQ": "YEARLY"},
}

router = Router()


def default_time(now: datetime) -> datetime:
    """The picker's starting value: the top of the hour at least 30 minutes from now."""
    return (now + timedelta(minutes=90)).replace(minute=0, second=0, microsecond=0)


def dialog_card(
    *,
    in_space: bool,
    now: datetime,
    what: str = "",
    when: datetime | None = None,
    repeat: str = "once",
    where: str = "me",
    errors: tuple[str, ...] = (),
) -> Card:
    """The dialog, filled in with ``what``/``when``/... and any ``errors`` (plain text)."""
    widgets: list[Widget] = []
    if errors:
        listed = "<br>".join(escape_html(error) for error in errors)
        widgets.append(TextParagraph(f'<font color="#b3261e">{listed}</font>'))
    picked = when or default_time(now)
    widgets += [
        TextInput("what", label="Remind me to", value=what, hint_text="What should be posted"),
        DateTimePicker(
            "when",
            label="When",
            type=DateTimePickerType.DATE_AND_TIME,
            value_ms_epoch=int(picked.timestamp() * 1000),
        ),
        SelectionInput(
            "repeat",
            label="Repeat",
            type=SelectionType.DROPDOWN,
            items=[SelectionItem(t, v, selected=v == repeat) for v, t in REPEATS.items()],
        ),
    ]
    if in_space:
        widgets.append(
            SelectionInput(
                "where",
                label="Remind",
                type=SelectionType.RADIO_BUTTON,
                items=[SelectionItem(t, v, selected=v == where) for v, t in WHERE.items()],
            )
        )
    return Card(
        card_id="reminder-dialog",
        header=CardHeader(title="New reminder"),
        sections=[Section(widgets)],
        fixed_footer=FixedFooter(Button("Create reminder", Action(SUBMIT))),
    )


def dialog_schedule(when: datetime, zone: str, repeat: str) -> Schedule:
    """A one-off at ``when``, or a rule repeating ``when``'s local time and day in ``zone``."""
    from shared.schedules import rules
    from shared.schedules.schedule import Schedule, to_local, zone_info

    when = when.replace(second=0, microsecond=0)
    if repeat == "once":
        return Schedule.once_at(when, zone)
    start = to_local(when, zone_info(zone)).replace(fold=0)
    parts = rules.normalize(_RULES[repeat], start.date(), start.time())
    return Schedule(zone=zone, start=start, rule=rules.format_rule(parts))


def _picker_zone(event: Event, learned: str | None) -> str | None:
    """The zone the picker showed: the one the submission carries, else the one Nudge knows."""
    reported = event.time_zone.id if event.time_zone is not None else ""
    return reported if reported and zones.valid_zone(reported) else learned


def _read(form: FormInputs) -> tuple[str, datetime | None, str, str]:
    what = form.text("what").strip()
    when = form.datetime("when")
    repeat = form.text("repeat") or "once"
    where = form.text("where") or "me"
    return what, when, repeat, where


def _problems(
    what: str, when: datetime | None, repeat: str, zone: str | None, now: datetime
) -> list[str]:
    problems = []
    if not what:
        problems.append("Say what to remind you of.")
    elif len(what) > records.MAX_TEXT:
        problems.append(f"The text is too long: {records.MAX_TEXT} characters at most.")
    if repeat not in REPEATS:
        problems.append("Pick how often it repeats.")
    if when is None:
        problems.append("Pick a date and a time.")
    elif when <= now:
        problems.append("That time has passed: pick one in the future.")
    elif when > now + MAX_AHEAD:
        problems.append("That is more than 5 years ahead.")
    if zone is None and repeat != "once":
        problems.append(
            "A repeating reminder follows your time zone, and Chat didn't send it. "
            f"Set it with /remind timezone {EXAMPLE_ZONE}, then try again."
        )
    return problems


@router.action(OPEN)
def open_dialog(event: Event, ctx: Context) -> Response:
    """The *New reminder…* button (an ``OPEN_DIALOG`` request)."""
    zones.learn(event, ctx)
    return OpenDialog(dialog_card(in_space=not event.space.is_dm, now=zones.now_utc(ctx.services)))


@router.dialog_submit(SUBMIT)
def submit(event: DialogSubmitEvent, ctx: Context) -> Response:
    """Create the reminder, or show the dialog again with what was wrong."""
    from shared.features.reminders import model
    from shared.schedules.grammar import ME, Recipient, RecipientKind

    now = zones.now_utc(ctx.services)
    zone = _picker_zone(event, zones.learn(event, ctx))
    what, when, repeat, where = _read(event.form_inputs)
    in_space = not event.space.is_dm
    problems = _problems(what, when, repeat, zone, now)
    full = records.full(ctx, event.user.name)
    if full:
        problems.append(full)
    schedule = None
    if not problems and when is not None:
        schedule = dialog_schedule(when, zone or "UTC", repeat)
        if schedule.next_after(now) is None:
            problems.append("That time has passed: pick one in the future.")
    if problems or schedule is None:
        card = dialog_card(
            in_space=in_space,
            now=now,
            what=what[: records.MAX_TEXT],  # the card must stay under Chat's 32 KB
            when=when.astimezone(UTC) if when else None,
            repeat=repeat if repeat in REPEATS else "once",
            where=where if where in WHERE else "me",
            errors=tuple(problems),
        )
        return OpenDialog(card)
    who = Recipient(RecipientKind.HERE) if in_space and where == "here" else ME
    reminder = records.add(
        ctx,
        model.scheduled(
            schedule,
            what=what,
            who=who,
            owner=event.user.name,
            space=event.space.name,
            space_is_dm=event.space.is_dm,
            now=now,
        ),
    )
    first = model.pending_at(reminder)
    when_text = local(first, reminder.zone) if first is not None else "never"
    how = repeats(reminder)
    return CloseDialog(
        DialogStatus.OK,
        f"Reminder {reminder.id} set for {when_text}" + ("" if how == "once" else f", {how}"),
    )


@router.dialog_cancel(SUBMIT)
def cancel(event: DialogCancelEvent, ctx: Context) -> Response:
    zones.learn(event, ctx)
    return CloseDialog(DialogStatus.CANCELLED)
