"""The ``/meet`` dialog: title, date and time, duration, guests, and "everyone in this space".

It opens from ``/meet`` alone, or from the *Continue…* button of a line that
needs more (a time zone Chat didn't send, or emails the directory didn't give),
prefilled with what the line said (``Draft``, carried in the button's
parameters). Each mentioned person whose email is unknown gets a field of their
own. Bad input redraws the dialog with what was wrong at the top.

A request ID is made when the dialog opens and travels in the submit button's
parameters, so a retried submission makes the same Calendar event (exactly once).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
    TextInputType,
    TextParagraph,
    Widget,
)
from shared.chat.events.models import FormInputs
from shared.chat.text import escape_html

OPEN = "meetings.meet.open"
SUBMIT = "meetings.meet.submit"
#: Minutes the duration dropdown offers (a line's own length is added when it differs).
DURATIONS = (15, 30, 45, 60, 90, 120, 180, 240)
#: Most people one dialog asks an email for (one field each).
MAX_FIELDS = 10
MAX_AHEAD = timedelta(days=5 * 365 + 1)
MAX_PARAM = 4000
_REQUEST = re.compile(r"[a-z0-9]{8,64}")
_USER = re.compile(r"users/([A-Za-z0-9]{1,64})")
_ADDRESS = re.compile(r"(.*?)\s*<([^<>\s]+)>")


def default_time(now: datetime) -> datetime:
    """The picker's starting value: the top of the hour at least 30 minutes from now."""
    return (now + timedelta(minutes=90)).replace(minute=0, second=0, microsecond=0)


def field_name(user: str) -> str:
    """The form field asking for ``users/ID``'s email: ``email_ID``."""
    return "email_" + user.removeprefix("users/")


def _minutes(value: str, default: int = 30) -> int:
    return int(value) if value.isdigit() and 5 <= int(value) <= 24 * 60 else default


def _people(raw: str) -> dict[str, str]:
    """``users/ID -> name`` from a parameter; anything malformed is left out."""
    try:
        data = json.loads(raw) if raw and len(raw) <= MAX_PARAM else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        user: name[:200]
        for user, name in list(data.items())[:MAX_FIELDS]
        if isinstance(user, str) and _USER.fullmatch(user) and isinstance(name, str)
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft:
    """What the dialog shows; ``people`` are those asked for an email (``users/ID -> name``)."""

    request: str = ""
    title: str = ""
    start: datetime | None = None
    #: The time phrase of a line whose zone was unknown: the dialog's opening resolves it.
    when: str = ""
    minutes: int = 30
    #: The Guests field: ``Name <email>`` or bare addresses, comma-separated.
    guests: str = ""
    people: Mapping[str, str] = field(default_factory=dict)
    #: What was typed for ``people`` so far (a redraw keeps it).
    emails: Mapping[str, str] = field(default_factory=dict)
    everyone: bool = False
    #: The thread the line was typed in (the announcement goes there).
    thread: str = ""
    #: Plain text shown above the fields (why the dialog opened).
    note: str = ""

    def to_params(self) -> dict[str, str]:
        """The *Continue…* button's parameters (empty values left out)."""
        params = {
            "title": self.title,
            "start": str(int(self.start.timestamp())) if self.start else "",
            "when": self.when,
            "minutes": str(self.minutes),
            "guests": self.guests,
            "people": json.dumps(dict(self.people)) if self.people else "",
            "everyone": "1" if self.everyone else "",
            "thread": self.thread,
            "note": self.note,
        }
        return {key: value for key, value in params.items() if value}

    @classmethod
    def from_params(cls, params: Mapping[str, str], request: str) -> Draft:
        """A draft from the button's parameters (untrusted: malformed parts are dropped)."""
        raw_start = params.get("start", "")
        start = None
        if raw_start.isdigit() and len(raw_start) <= 12:
            start = datetime.fromtimestamp(int(raw_start), UTC)
        return cls(
            request=request,
            title=params.get("title", "")[:300],
            start=start,
            when=params.get("when", "")[:100],
            minutes=_minutes(params.get("minutes", "")),
            guests=params.get("guests", "")[:MAX_PARAM],
            people=_people(params.get("people", "")),
            everyone=params.get("everyone") == "1",
            thread=_thread(params.get("thread", "")),
            note=params.get("note", "")[:500],
        )

    def submit_params(self) -> dict[str, str]:
        params = {"request": self.request, "thread": self.thread}
        if self.people:
            params["people"] = json.dumps(dict(self.people))
        return {key: value for key, value in params.items() if value}


def _thread(raw: str) -> str:
    return raw if re.fullmatch(r"spaces/[A-Za-z0-9_-]+/threads/[A-Za-z0-9_.-]+", raw) else ""


def submitted_request(params: Mapping[str, str]) -> str | None:
    """The request ID a submit button carries, or ``None`` when it is missing or malformed."""
    request = params.get("request", "")
    return request if _REQUEST.fullmatch(request) else None


def submitted_draft(params: Mapping[str, str], request: str) -> Draft:
    """What a submit button carried besides the form: the people asked for, the thread."""
    return Draft(
        request=request,
        people=_people(params.get("people", "")),
        thread=_thread(params.get("thread", "")),
    )


def dialog_card(
    draft: Draft, *, in_space: bool, now: datetime, errors: tuple[str, ...] = ()
) -> Card:
    """The dialog for ``draft``, with ``errors`` (plain text) at the top."""
    widgets: list[Widget] = []
    if errors:
        listed = "<br>".join(escape_html(error) for error in errors)
        widgets.append(TextParagraph(f'<font color="#b3261e">{listed}</font>'))
    if draft.note:
        widgets.append(TextParagraph(escape_html(draft.note)))
    picked = draft.start or default_time(now)
    minutes = sorted({*DURATIONS, draft.minutes})
    widgets += [
        TextInput("title", label="Title", value=draft.title, hint_text="What the meeting is about"),
        DateTimePicker(
            "when",
            label="When",
            type=DateTimePickerType.DATE_AND_TIME,
            value_ms_epoch=int(picked.timestamp() * 1000),
        ),
        SelectionInput(
            "duration",
            label="Duration",
            type=SelectionType.DROPDOWN,
            items=[
                SelectionItem(_duration_words(m), str(m), selected=m == draft.minutes)
                for m in minutes
            ],
        ),
    ]
    for user, name in draft.people.items():
        widgets.append(
            TextInput(
                field_name(user),
                label=escape_html(f"Email of {name or user}"),
                value=draft.emails.get(user, ""),
                hint_text="Chat doesn't share email addresses with apps",
            )
        )
    widgets.append(
        TextInput(
            "guests",
            label="Guests",
            value=draft.guests,
            type=TextInputType.MULTIPLE_LINE,
            hint_text="Email addresses, separated by commas",
        )
    )
    if in_space:
        item = SelectionItem("Invite everyone in this space", "everyone", selected=draft.everyone)
        widgets.append(SelectionInput("everyone", type=SelectionType.SWITCH, items=[item]))
    submit = Action(SUBMIT, draft.submit_params())
    return Card(
        card_id="meet-dialog",
        header=CardHeader(title="Schedule a meeting", subtitle="With a Google Meet link"),
        sections=[Section(widgets)],
        fixed_footer=FixedFooter(Button("Schedule", submit)),
    )


def _duration_words(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes"
    text = "1 hour" if hours == 1 else f"{hours} hours"
    return text + (f" {rest} minutes" if rest else "")


# --- reading a submission ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Filled:
    """A submitted dialog, read (``problems`` lists what was wrong, in plain words)."""

    title: str
    start: datetime | None
    minutes: int
    #: ``(label, email)`` from the Guests field; the label is the name typed, or "".
    guests: tuple[tuple[str, str], ...]
    #: ``users/ID -> email`` typed for the people asked for.
    emails: Mapping[str, str]
    everyone: bool
    problems: tuple[str, ...]
    #: The draft to redraw the dialog with (what was typed kept).
    draft: Draft


def read_guests(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``(guests, not addresses)`` of a Guests field: ``Ada <ada@x.org>, bob@x.org; …``."""
    from shared.features.meetings.meet_guests import is_email

    guests: list[tuple[str, str]] = []
    bad: list[str] = []
    for chunk in re.split(r"[,;\n]+", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        named = _ADDRESS.fullmatch(chunk)
        pairs = (
            [(named[1].strip().strip('"'), named[2])] if named else [("", w) for w in chunk.split()]
        )
        for label, address in pairs:
            if is_email(address):
                guests.append((label[:100], address.lower()))
            else:
                bad.append(address[:60])
    return guests, bad


def read_form(form: FormInputs, carried: Draft, *, now: datetime) -> Filled:
    """The submission's fields, checked; ``carried`` is what the submit button carried."""
    from shared.features.meetings.meet_guests import is_email
    from shared.features.meetings.meet_parse import MAX_TITLE

    title = form.text("title").strip()
    start = form.datetime("when")
    raw_minutes = form.text("duration")
    minutes = _minutes(raw_minutes, default=0)
    raw_guests = form.text("guests")
    guests, bad = read_guests(raw_guests)
    everyone = "everyone" in form.values("everyone")
    typed = {user: form.text(field_name(user)).strip() for user in carried.people}
    problems = []
    if not title:
        problems.append("Give the meeting a title.")
    elif len(title) > MAX_TITLE:
        problems.append(f"The title is too long: {MAX_TITLE} characters at most.")
    if start is None:
        problems.append("Pick a date and a time.")
    elif start <= now:
        problems.append("That time has passed: pick one in the future.")
    elif start > now + MAX_AHEAD:
        problems.append("That is more than 5 years ahead.")
    if not minutes:
        problems.append("Pick how long the meeting lasts.")
    problems += [f"“{item}” is not an email address." for item in bad]
    for user, name in carried.people.items():
        value = typed[user]
        if not value:
            problems.append(f"Enter the email address of {name or user}.")
        elif not is_email(value):
            problems.append(f"“{value[:60]}” (for {name or user}) is not an email address.")
    draft = Draft(
        request=carried.request,
        title=title[:MAX_TITLE],
        start=start.astimezone(UTC) if start else None,
        minutes=minutes or 30,
        guests=raw_guests[:MAX_PARAM],
        people=carried.people,
        emails={user: value[:254] for user, value in typed.items()},
        everyone=everyone,
        thread=carried.thread,
    )
    return Filled(
        title=title,
        start=start,
        minutes=minutes,
        guests=tuple(guests),
        emails={user: value.lower() for user, value in typed.items() if is_email(value)},
        everyone=everyone,
        problems=tuple(problems),
        draft=draft,
    )
