"""``/meet`` text → title, start, length and guests; or a ``MeetError`` with a line that works.

``/meet TITLE WHEN [for LENGTH] [with GUESTS]``; the time may also come first
(``/meet tomorrow at 3pm Design review``) and a quoted title is taken as is.
WHEN is the reminders' one-off grammar (``shared.schedules.when``): "tomorrow at
3pm", "on Friday at 10:30", "in 2 hours". LENGTH is elapsed time ("45m", "1h",
"90 minutes", "1.5 hours"): 30 minutes when not given, 5 minutes to 24 hours.
GUESTS are @mentions, email addresses and "everyone" (or "the space"), joined by
spaces, commas or "and". A mention elsewhere in the line invites that person too
(mentions and guests: ``meet_guests``). Wall-clock phrases need the user's zone:
without one, ``start`` is ``None`` (``needs_zone``). Pure code: ``now`` is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.features.meetings.meet_guests import MENTION, Guests, guest_list, mention
from shared.schedules import lexicon as lx
from shared.schedules.errors import GrammarError
from shared.schedules.recurrence import Repeat, repeat
from shared.schedules.when import OneOff, Relative, one_off, relative

When = Relative | OneOff | Repeat

DEFAULT_LENGTH = timedelta(minutes=30)
MIN_LENGTH = timedelta(minutes=5)
MAX_LENGTH = timedelta(hours=24)
MAX_TITLE = 300
MAX_TEXT = 1500
#: Guests one meeting may invite (mentions, addresses and members together).
MAX_GUESTS = 100
EXAMPLE_TITLE = "Design review"
EXAMPLE_WHEN = "tomorrow at 3pm"
EXAMPLE = f"/meet {EXAMPLE_TITLE} {EXAMPLE_WHEN} for 45m"

_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”")
_TIMEISH = re.compile(r"[\d:/.-]+(st|nd|rd|th|am|pm|a|p)?")
_TIME_WORDS = frozenset(
    {"at", "on", "in", "the", "of", "and", "next", "this", "am", "pm", "noon", "midnight"}
    | {"today", "tomorrow", "day", "after"}
)
_COMPACT = re.compile(r"(?:\d+(?:\.\d+)?[wdhms])+")
_TRIM = " \t,;:-\u2013\u2014"


class MeetError(ValueError):
    """A ``/meet`` line Nudge will not guess at: what was wrong, and a line that works."""

    def __init__(self, message: str, *, example: str = EXAMPLE) -> None:
        self.message = message
        self.example = example
        super().__init__(f"{message} Try: {example}")


@dataclass(frozen=True, slots=True)
class MeetRequest:
    """A parsed ``/meet``. ``start`` (aware UTC) is ``None`` exactly when the zone is needed."""

    title: str
    start: datetime | None
    length: timedelta = DEFAULT_LENGTH
    #: ``users/{id}`` of the people invited by mention, in order (the caller left out).
    people: tuple[str, ...] = ()
    #: Addresses typed in the line.
    emails: tuple[str, ...] = ()
    #: "with everyone": the space's members are invited.
    everyone: bool = False
    #: The time phrase as typed ("tomorrow at 3pm").
    when_text: str = ""

    @property
    def needs_zone(self) -> bool:
        return self.start is None


# --- the parts of a line -----------------------------------------------------------------


def example(title: str = "", when: str = EXAMPLE_WHEN) -> str:
    """A complete ``/meet`` line to suggest, around the user's own title when there is one."""
    title = " ".join(title.split()) or EXAMPLE_TITLE
    if len(title) > 40:
        title = title[:39].rstrip() + "…"
    return f"/meet {title} {when}"


def _length(words: Sequence[str], k: int) -> tuple[timedelta, int] | None:
    """The meeting's length from ``words[k]`` (after "for"); ``None`` when it is no length."""
    try:
        found = lx.duration(words, k, try_when="for 45m")
    except GrammarError:
        raise MeetError("A meeting's length is minutes or hours.") from None
    if found is None:
        return None
    length, j = found
    if length > MAX_LENGTH:
        raise MeetError("A meeting lasts at most 24 hours.")
    if length < MIN_LENGTH:
        raise MeetError("A meeting lasts at least 5 minutes.")
    return timedelta(minutes=round(length.total_seconds() / 60)), j


# --- the time ------------------------------------------------------------------------------


def _phrase_at(words: Sequence[str], i: int) -> tuple[When, int] | GrammarError | None:
    try:
        for parser in (relative, repeat, one_off):
            found = parser(words, i)
            if found:
                return found
    except GrammarError as err:
        return err
    return None


def _timeish(word: str) -> bool:
    return (
        word in _TIME_WORDS
        or bool(_TIMEISH.fullmatch(word))
        or lx.weekday(word) is not None
        or lx.month(word) is not None
        or lx.ordinal([word], 0) is not None
    )


def _text(text: str, tokens: Sequence[lx.Token]) -> str:
    return " ".join(text[t.start : t.end] for t in tokens)


def _split(text: str, tokens: Sequence[lx.Token]) -> tuple[str, When, str]:
    """``(title, when, when as typed)`` of the title-and-time words (clauses removed)."""
    words = [t.text for t in tokens]
    n = len(words)
    first = _phrase_at(words, 0)
    last: tuple[int, When] | None = None
    error: tuple[int, GrammarError] | None = None
    for i in range(1, n):
        found = _phrase_at(words, i)
        if isinstance(found, GrammarError):
            error = error or (i, found)
        elif found is not None and found[1] == n:
            last = (i, found[0])
            break
    if isinstance(first, tuple):
        when, end = first
        if end == n:
            raise MeetError("What is the meeting called?", example=example("", _text(text, tokens)))
        if last is not None and last[0] >= end:
            a, b = _text(text, tokens[:end]), _text(text, tokens[last[0] :])
            raise MeetError(
                f"I found two times, “{a}” and “{b}”. If the first is part of the title, "
                "put the title in quotes.",
                example=f'/meet "{_text(text, tokens[: last[0]])}" {b}',
            )
        return _text(text, tokens[end:]), when, _text(text, tokens[:end])
    if last is not None:
        i, when = last
        if error is not None and error[0] < i and all(_timeish(w) for w in words[error[0] : i]):
            raise _grammar(error[1], _text(text, tokens[: error[0]]))
        return _text(text, tokens[:i]), when, _text(text, tokens[i:])
    if error is not None:
        raise _grammar(error[1], _text(text, tokens[: error[0]]))
    if isinstance(first, GrammarError):
        raise _grammar(first, "")
    raise MeetError("When is the meeting?", example=example(_text(text, tokens)))


def _grammar(err: GrammarError, title: str) -> MeetError:
    return MeetError(err.message, example=example(title, err.try_when))


def _quoted(text: str) -> tuple[str | None, str]:
    match = _QUOTED.search(text)
    if match is None:
        return None, text
    title = next(g for g in match.groups() if g is not None)
    return title, text[: match.start()] + " " + text[match.end() :]


def _start(when: When, *, now: datetime, zone: str | None, title: str) -> datetime | None:
    """The meeting's start (aware UTC, whole minutes), or ``None`` while the zone is needed."""
    if isinstance(when, Repeat):
        raise MeetError(
            "/meet schedules one meeting. Make it repeat in Google Calendar once it's made.",
            example=example(title),
        )
    try:
        if zone is None and when.needs_zone:
            if isinstance(when, OneOff):
                when.check_without_zone(now)
            return None
        start = when.resolve(now, zone).next_after(now)
    except GrammarError as err:
        raise _grammar(err, title) from None
    if start is None:
        raise MeetError("That time has passed.", example=example(title))
    if start.second or start.microsecond:
        start = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return start


def start_of(when_text: str, *, now: datetime, zone: str) -> datetime | None:
    """The start a time phrase alone means in ``zone`` (to prefill the dialog), else ``None``."""
    words = [t.text for t in lx.tokenize(when_text)]
    found = _phrase_at(words, 0)
    if not isinstance(found, tuple) or found[1] != len(words):
        return None
    try:
        return _start(found[0], now=now, zone=zone, title="")
    except MeetError:
        return None


def _readable(err: MeetError, people: Mapping[str, str]) -> MeetError:
    """``err`` with each ``<users/ID>`` written as ``@Name`` again."""

    def name(match: re.Match[str]) -> str:
        return "@" + (people[match[1]] or "someone") if match[1] in people else match[0]

    return MeetError(MENTION.sub(name, err.message), example=MENTION.sub(name, err.example))


def parse_meet(
    text: str,
    *,
    now: datetime,
    zone: str | None,
    people: Mapping[str, str] | None = None,
    caller: str = "",
) -> MeetRequest:
    """Parse ``/meet`` arguments (mentions as ``<users/ID>``) at ``now`` for a user in ``zone``.

    ``people`` are the mentioned people (``users/ID -> name``); ``caller`` is never a guest.
    Raises ``MeetError``.
    """
    people = people or {}
    try:
        return _parse(text, now=now, zone=zone, people=people, caller=caller)
    except MeetError as err:
        raise _readable(err, people) from None


def _parse(
    text: str, *, now: datetime, zone: str | None, people: Mapping[str, str], caller: str
) -> MeetRequest:
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise MeetError(f"That is too long: {MAX_TEXT} characters at most.")
    if not text:
        raise MeetError("Say what the meeting is called and when it is.")
    quoted, rest = _quoted(text)
    tokens = lx.tokenize(rest)
    words = [t.text for t in tokens]
    guests = Guests([], [])
    length: timedelta | None = None
    kept: list[lx.Token] = []
    k = 0
    while k < len(words):
        if words[k] == "with" and (end := guest_list(words, k + 1, people, guests)):
            k = end
            continue
        if words[k] == "for" and length is None:
            try:
                found = _length(words, k + 1)
            except MeetError as err:
                after = k + (2 if _COMPACT.fullmatch(lx.at(words, k + 1)) else 3)
                line = f"{_text(rest, tokens[:k])} for 45m {_text(rest, tokens[after:])}"
                raise MeetError(err.message, example=f"/meet {line.strip()}") from None
            if found is not None:
                length, k = found
                continue
        user = mention(words[k], people)
        if user is not None:
            guests.people.append(user)
        kept.append(tokens[k])
        k += 1
    if quoted is not None:
        title, when_text = quoted.strip(), _text(rest, kept)
        found_when = _phrase_at([t.text for t in kept], 0)
        if isinstance(found_when, GrammarError):
            raise _grammar(found_when, title)
        if found_when is None or found_when[1] != len(kept):
            raise MeetError(
                "After a quoted title, say only when (and for how long, and with whom).",
                example=example(title),
            )
        when = found_when[0]
    else:
        title, when, when_text = _split(rest, kept)
    for user, name in people.items():
        title = title.replace(f"<{user}>", name or "someone")
    title = title.strip(_TRIM)
    if not title:
        raise MeetError("What is the meeting called?", example=example("", when_text))
    if len(title) > MAX_TITLE:
        raise MeetError(f"The title is too long: {MAX_TITLE} characters at most.")
    start = _start(when, now=now, zone=zone, title=title)
    invited = tuple(dict.fromkeys(u for u in guests.people if u != caller))
    return MeetRequest(
        title=title,
        start=start,
        length=length or DEFAULT_LENGTH,
        people=invited,
        emails=tuple(dict.fromkeys(e.lower() for e in guests.emails)),
        everyone=guests.everyone,
        when_text=when_text,
    )
