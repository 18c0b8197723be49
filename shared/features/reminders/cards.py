"""What people see of reminders: confirmations, refusals, help and the delivered post.

Every piece of user or remote text is escaped here, ``escape`` for message text and
``escape_html`` for card widgets. The schedule and model modules are imported inside
the functions that need them, so loading the feature (every cold start, ``/help``
included) does not load the grammar.

Buttons call these functions (their names are stable: delivered posts keep them, and
``listing`` draws the list with the same buttons):

* ``reminders.done``: ``id``, and ``key`` (the occurrence key) on a delivered post or
  ``view=list`` and ``offset`` on the list;
* ``reminders.snooze``: the same plus ``choice`` (``schedule.Snooze``: ``20m``, ``1h``,
  ``3h``, ``tomorrow``, ``next-monday``);
* ``reminders.delete``: ``id``, ``view`` (``list`` or ``confirm``) and ``offset``;
* ``reminders.page``: ``offset``;
* ``reminders.setZone``: ``command`` (a pending ``/remind`` text), ``who`` and
  ``who_name``; or ``id`` (redraw a confirmation); or nothing (just learn the zone);
* ``reminders.dialog`` opens the ``/remind`` dialog, ``reminders.submit`` submits it.
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
    Icon,
    Interaction,
    Section,
    TextParagraph,
    Widget,
)
from shared.chat.responses import Reply
from shared.chat.text import code, escape, escape_html, mention
from shared.features.reminders.zones import EXAMPLE_ZONE, SET_ZONE
from shared.store.reminders import Reminder, ReminderState

if TYPE_CHECKING:
    from shared.chat.events.models import Space
    from shared.schedules.errors import GrammarError

DONE = "reminders.done"
SNOOZE = "reminders.snooze"
DELETE = "reminders.delete"
PAGE = "reminders.page"
OPEN = "reminders.dialog"
SUBMIT = "reminders.submit"

EXAMPLES = (
    "/remind me to stretch in 10 minutes",
    "/remind here stand-up every weekday at 9:30am",
    "/remind @Ada to send the report tomorrow at 4pm",
    "/remind me to pay rent every month on the 1st",
    "/remind me to water the plants at 6pm and nudge every 30 minutes until done",
)


# --- words -------------------------------------------------------------------------------


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def from_now(delta: timedelta) -> str:
    """``in 10 minutes``, ``in 2 hours 5 minutes``, ``in 3 days 4 hours``."""
    minutes = round(delta.total_seconds() / 60)
    if minutes < 1:
        return "in less than a minute"
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour")] + ([] if days else [(mins, "minute")])
    return "in " + " ".join(_plural(n, unit) for n, unit in parts if n)


def local(instant: datetime, zone: str) -> str:
    """``Sat 21 Mar 2026, 16:30 CET``."""
    from shared.schedules.describe import format_local

    return format_local(instant, zone)


def repeats(reminder: Reminder) -> str:
    """The recurrence in words (``every weekday at 9:00 AM``), or ``once``."""
    from shared.schedules.schedule import Schedule

    try:
        return Schedule.from_storage(reminder.schedule).describe()
    except ValueError:
        return "unknown schedule"


def nagging(reminder: Reminder) -> str:
    """``nudging every 30 minutes until done (at most 24 times)``, or ``""``."""
    if not reminder.nag_every:
        return ""
    from shared.schedules.grammar import Nag

    return Nag(timedelta(seconds=reminder.nag_every), reminder.nag_cap).describe()


def mention_of(reminder: Reminder) -> str:
    """``<users/ID>`` for the person a reminder is for, or ``""`` (never ``@all``)."""
    if not reminder.mention:
        return ""
    try:
        return mention(reminder.mention)
    except ValueError:
        return ""


def where(reminder: Reminder, space: Space, who_name: str = "") -> str:
    """Where a reminder posts, as card HTML: this DM, this space, someone's DM..."""
    if reminder.space:
        if reminder.space != space.name:
            return "a space Nudge is in"
        if space.is_dm:
            return "this conversation"
        if space.display_name:
            return f"this space ({escape_html(space.display_name)})"
        return "this space"
    if reminder.mention:
        if who_name:
            return f"{escape_html('@' + who_name)}'s direct messages with Nudge"
        return "the mentioned person's direct messages with Nudge"
    return "your direct messages with Nudge"


# --- replies to /remind ------------------------------------------------------------------


def grammar_error(err: GrammarError, *, private: bool) -> Reply:
    """A phrase Nudge would not guess at: what was wrong, and a command that works."""
    return Reply(
        f"I couldn't set that reminder. {escape(err.message)}\n"
        f"Try: {code(escape(err.suggestion, formatting=False))}",
        private=private,
    )


def confirmation_card(
    reminder: Reminder, *, now: datetime, zone: str | None, space: Space, who_name: str = ""
) -> Card:
    """What will be posted, where, when next (in the user's time), how it repeats."""
    from shared.features.reminders import model

    shown_zone = zone or reminder.zone or "UTC"
    nxt = model.pending_at(reminder)
    text = escape_html(reminder.text)
    if reminder.mention:
        text = f"{escape_html('@' + (who_name or 'them'))}: {text}"
    widgets: list[Widget] = [
        DecoratedText(
            top_label="What will be posted",
            text=text,
            start_icon=Icon(material="notifications"),
            wrap_text=True,
        ),
        DecoratedText(top_label="Where", text=where(reminder, space, who_name), wrap_text=True),
    ]
    if nxt is not None:
        when = escape_html(local(nxt, shown_zone))
        if nxt - now < timedelta(days=7):
            when += f" ({from_now(nxt - now)})"
        note = ""
        if zone is None:
            note = (
                f"Shown in {escape_html(shown_zone)}: Nudge doesn't know your time zone yet. "
                f"Click “Use my time zone”, or type /remind timezone {EXAMPLE_ZONE}."
            )
        widgets.append(
            DecoratedText(
                top_label="Next",
                text=when,
                bottom_label=note,
                start_icon=Icon(material="schedule"),
                wrap_text=True,
            )
        )
    widgets.append(DecoratedText(top_label="Repeats", text=escape_html(repeats(reminder))))
    if reminder.nag_every:
        widgets.append(DecoratedText(top_label="Until done", text=escape_html(nagging(reminder))))
    buttons = [
        Button("Undo", Action(DELETE, {"id": reminder.id, "view": "confirm"})),
        Button("My reminders", Action(PAGE, {"offset": "0"})),
    ]
    if zone is None:
        buttons.append(
            Button("Use my time zone", Action(SET_ZONE, {"id": reminder.id, "who_name": who_name}))
        )
    widgets.append(ButtonList(buttons))
    return Card(
        card_id="reminder-set",
        header=CardHeader(title="Reminder set", subtitle=f"Reminder {reminder.id}"),
        sections=[Section(widgets)],
    )


def needs_zone_card(command: str, *, who: str = "", who_name: str = "") -> Card:
    """A wall-clock reminder while the zone is unknown: one click carries the zone."""
    params = {"command": command}
    if who:
        params |= {"who": who, "who_name": who_name}
    return Card(
        card_id="reminder-zone",
        header=CardHeader(title="One click to finish", subtitle="Nudge needs your time zone"),
        sections=[
            Section(
                [
                    TextParagraph(
                        f"<b>{escape_html(command)}</b><br>That time depends on your time "
                        "zone, which Google Chat tells Nudge only when you click a button. "
                        "Click <b>Set it</b> and the reminder is created; Nudge remembers "
                        f"your zone. Or type <b>/remind timezone {EXAMPLE_ZONE}</b>."
                    ),
                    ButtonList([Button("Set it", Action(SET_ZONE, params))]),
                ]
            )
        ],
    )


def help_card(*, can_open_dialog: bool = True) -> Card:
    """``/remind`` with nothing else (when it cannot open the dialog itself), or ``help``."""
    lines = "<br>".join(escape_html(example) for example in EXAMPLES)
    widgets: list[Widget] = [
        TextParagraph(
            "Who (me, here, or an @mention), what and when, in either order:<br>" + lines
        ),
        TextParagraph(
            "Also: <b>/reminders</b> lists yours, <b>/remind timezone</b> shows or sets your "
            "time zone, <b>/remind delete ID</b> deletes one."
        ),
    ]
    if can_open_dialog:
        open_dialog = Action(OPEN, interaction=Interaction.OPEN_DIALOG)
        widgets.append(ButtonList([Button("New reminder…", open_dialog)]))
    return Card(
        card_id="reminder-help",
        header=CardHeader(title="Reminders", subtitle="/remind [who] [what] [when]"),
        sections=[Section(widgets)],
    )


def snooze_buttons(params: dict[str, str]) -> list[Button]:
    """One button per ``schedule.Snooze`` choice, each with ``params`` plus ``choice``."""
    from shared.schedules.schedule import SNOOZE_LABELS

    return [
        Button(("Snooze " if i == 0 else "") + label, Action(SNOOZE, params | {"choice": choice}))
        for i, (choice, label) in enumerate(SNOOZE_LABELS.items())
    ]


# --- the delivered post ------------------------------------------------------------------


def posted_text(reminder: Reminder) -> str:
    """The first line of a delivered reminder: the mention (if any), then the text, inert."""
    head = mention_of(reminder)
    return f"{head + ' ' if head else ''}⏰ {escape(reminder.text)}"


def delivered_reply(reminder: Reminder, *, now: datetime, late: bool, skipped: int) -> Reply:
    """The message the tick posts for ``reminder``'s pending delivery, with Done and Snooze.

    ``reminder`` is the claimed reminder (``due_key`` names the delivery being made);
    ``late`` adds when it was due; ``skipped`` says how many missed occurrences the
    catch-up cap left out. The buttons carry ``id`` and ``key`` (the occurrence key,
    ``model.key_of(model.occurrence_of(reminder))``).
    """
    from shared.features.reminders import model

    lines = [posted_text(reminder)]
    due = model.pending_at(reminder)
    if late and due is not None:
        lines.append(f"_Late: this was due {escape(local(due, reminder.zone or 'UTC'))}._")
    if skipped > 0:
        were = "reminder was" if skipped == 1 else "reminders were"
        lines.append(f"_{skipped} earlier {were} skipped while Nudge was down._")
    nag = model.nag_number(reminder)
    if nag:
        lines.append(f"_Nudge {nag} of {reminder.nag_cap}: click Done to stop._")
    params = {"id": reminder.id, "key": model.occurrence_key(reminder)}
    card = Card(
        card_id=f"reminder-{reminder.id}",
        sections=[
            Section(
                [
                    DecoratedText(
                        top_label=f"Reminder {reminder.id}",
                        text=escape_html(repeats(reminder).capitalize()),
                        start_icon=Icon(material="alarm"),
                    ),
                    ButtonList([Button("Done", Action(DONE, params)), *snooze_buttons(params)]),
                ]
            )
        ],
    )
    text = "\n".join(lines)
    return Reply(text=text, cards=(card,), fallback_text=f"Reminder: {escape(reminder.text)}"[:200])


def after_click_card(
    reminder: Reminder | None, *, news: str, done_button: tuple[str, str] | None = None
) -> Card:
    """A delivered post's card once someone clicked: what happened (card HTML), what's next."""
    from shared.features.reminders import model

    widgets: list[Widget] = [DecoratedText(text=news, start_icon=Icon(material="task_alt"))]
    if reminder is not None and reminder.state is ReminderState.ACTIVE:
        nxt = model.pending_at(reminder)
        if nxt is not None and model.snoozed_until(reminder) is None:
            when = escape_html(local(nxt, reminder.zone or "UTC"))
            widgets.append(DecoratedText(top_label="Next", text=when))
    if done_button is not None:
        rid, key = done_button
        widgets.append(ButtonList([Button("Done", Action(DONE, {"id": rid, "key": key}))]))
    rid = reminder.id if reminder is not None else "gone"
    return Card(card_id=f"reminder-{rid}", sections=[Section(widgets)])
