"""``/remind`` text → who, what, when and an optional nag; or a ``GrammarError`` with advice.

Forms: ``/remind [who] [what] [when]``, ``/remind [who] [when] [what]`` and
``remind me to …``. ``who`` is ``me`` (also the default), ``here`` (the space) or one mention
``<users/123>``. ``what`` may be quoted; a leading "to"/"about"/"that" is dropped. A nag,
``… and nudge every 30 minutes until done``, goes at the very end.

When both orders could apply ("at 3pm call mom tomorrow") the text is rejected with a
quoting suggestion; "to" after the time settles it ("at 3pm to prep for Monday").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from shared.schedules import lexicon as lx
from shared.schedules.errors import DEFAULT_TRY_WHEN, GrammarError, example_command
from shared.schedules.recurrence import Repeat, power_rule, repeat
from shared.schedules.schedule import Schedule, require_aware, zone_info
from shared.schedules.when import OneOff, Relative, one_off, relative

When = Relative | OneOff | Repeat
MIN_NAG_INTERVAL = timedelta(minutes=5)
MAX_NAG_INTERVAL = timedelta(days=1)
MAX_NAGS = 24
TRY_NAG = "at 3pm and nudge every 30 minutes until done"

_REMIND = re.compile(r"\s*/?remind\b", re.IGNORECASE)
_WHO = re.compile(r"\s*(me|myself|here|@here|<users/[^>\s]+>)(?=\s|$)", re.IGNORECASE)
_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|(?:(?<=\s)|^)'([^']*)'(?=\s|$)")
_LEAD_WORDS = ("to", "about", "that")
_NAG_VERBS = ("nudge", "nudging", "nag", "nagging", "ping", "pinging", "remind", "reminding")
_NAG_OBJECTS = ("me", "them", "us", "everyone", "again")
_DONE = ("done", "complete", "completed", "finished", "it's done", "it is done", "i'm done")
_TIMEISH = re.compile(r"[\d:/.-]+(st|nd|rd|th|am|pm|a|p|[wdhms])*")
_TIMEISH_WORDS = frozenset(
    {"at", "on", "in", "the", "of", "and", "next", "this", "every", "each", "other", "until"}
    | {"am", "pm", "noon", "midnight", "today", "tomorrow", "day", "days", "week", "weeks"}
    | {"month", "months", "year", "years", "hour", "hours", "minute", "minutes"}
)


class RecipientKind(StrEnum):
    """Who gets the reminder."""

    ME = "me"
    USER = "user"
    HERE = "here"


@dataclass(frozen=True)
class Recipient:
    """``me``, ``here`` (the space), or a user given as ``users/123`` (kind ``USER``)."""

    kind: RecipientKind
    user: str | None = None

    @property
    def text(self) -> str:
        """How the recipient is written in a command."""
        return f"<{self.user}>" if self.kind is RecipientKind.USER else self.kind.value


ME = Recipient(RecipientKind.ME)


@dataclass(frozen=True)
class Nag:
    """Repeat a fired reminder every ``every`` until it is marked done, at most ``limit`` times."""

    every: timedelta
    limit: int = MAX_NAGS

    def instants(self, fired_at: datetime, *, stop: datetime | None = None) -> list[datetime]:
        """The nag times after a firing, before ``stop`` (e.g. the next regular firing)."""
        times = [fired_at + self.every * k for k in range(1, self.limit + 1)]
        return [t for t in times if stop is None or t < stop]

    def describe(self) -> str:
        """``nudging every 30 minutes until done (at most 24 times)``."""
        minutes = int(self.every.total_seconds() // 60)
        unit = "hour" if minutes % 60 == 0 else "minute"
        n = minutes // 60 if unit == "hour" else minutes
        every = f"every {unit}" if n == 1 else f"every {n} {unit}s"
        return f"nudging {every} until done (at most {self.limit} times)"


@dataclass(frozen=True)
class ParsedReminder:
    """A parsed ``/remind``. ``schedule`` is ``None`` exactly when the user's zone is needed."""

    who: Recipient
    what: str
    when: When
    schedule: Schedule | None
    nag: Nag | None = None

    @property
    def needs_zone(self) -> bool:
        """True when the time is wall-clock time and the user's zone was not given."""
        return self.schedule is None

    def with_zone(self, zone: str, now: datetime) -> ParsedReminder:
        """Resolve a zone-less parse once the zone is known (may raise ``GrammarError``)."""
        schedule = _resolve(self.when, now, zone, self.who, self.what)
        return replace(self, schedule=schedule)


@dataclass(frozen=True)
class ParsedWhen:
    """A time phrase alone (snooze until …, edit a reminder's time)."""

    when: When
    schedule: Schedule | None

    @property
    def needs_zone(self) -> bool:
        """True when the time is wall-clock time and the user's zone was not given."""
        return self.schedule is None


def _check_zone(zone: str | None) -> None:
    if zone is not None:
        try:
            zone_info(zone)
        except ValueError:
            raise GrammarError(
                f"I don't know the time zone “{zone}”.", suggestion="a zone like Europe/Berlin"
            ) from None


def _resolve(
    when: When, now: datetime, zone: str | None, who: Recipient, what: str
) -> Schedule | None:
    require_aware(now)
    _check_zone(zone)
    try:
        if zone is None and when.needs_zone:
            if isinstance(when, OneOff):
                when.check_without_zone(now)
            return None
        return when.resolve(now, zone)
    except GrammarError as err:
        raise err.for_command(who.text, what) from None


def _when_at(words: Sequence[str], i: int) -> tuple[When, int] | GrammarError | None:
    """The longest time phrase starting at ``i``; an error if it is an impossible one."""
    try:
        for parser in (power_rule, relative, repeat, one_off):
            found = parser(words, i)
            if found:
                return found
    except GrammarError as err:
        return err
    return None


def _timeish(word: str) -> bool:
    return (
        word in _TIMEISH_WORDS
        or word in ("cron", "rrule")
        or "=" in word
        or word.startswith(("*", "@", "rrule:"))
        or bool(_TIMEISH.fullmatch(word))
        or lx.weekday(word) is not None
        or lx.month(word) is not None
        or lx.ordinal([word], 0) is not None
        or lx.number([word], 0) is not None
    )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _span(text: str, tokens: Sequence[lx.Token]) -> str:
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def _clean_what(what: str) -> str:
    what = what.strip()
    quoted = _QUOTED.fullmatch(what)
    if quoted:
        return next(g for g in quoted.groups() if g is not None).strip()
    head, _, tail = what.partition(" ")
    return tail.strip() if head.lower() in _LEAD_WORDS else what


def _nag(words: Sequence[str], i: int) -> Nag:
    """``[keep] nudge [me] every 30 minutes [until done]`` from ``i`` to the end."""
    j = i + (lx.at(words, i) == "keep") + 1
    j += lx.at(words, j) in _NAG_OBJECTS
    if lx.at(words, j) != "every":
        raise GrammarError("How often should I nudge?", try_when=TRY_NAG)
    unit_only = lx.at(words, j + 1) in ("hour", "minute")
    found = lx.duration(
        ["1", *words[j + 1 :]] if unit_only else words[j + 1 :], 0, try_when=TRY_NAG
    )
    if found is None:
        raise GrammarError("How often should I nudge?", try_when=TRY_NAG)
    every, k = found
    k += j + 1 - unit_only
    if lx.at(words, k) == "until" and " ".join(words[k + 1 :]) in _DONE:
        k = len(words)
    if k != len(words):
        raise GrammarError(
            f"I didn't understand “{' '.join(words[k:])}” in the nudge.", try_when=TRY_NAG
        )
    if not MIN_NAG_INTERVAL <= every <= MAX_NAG_INTERVAL:
        raise GrammarError(
            "Nudges repeat every 5 minutes at the most often, and at least once a day.",
            try_when=TRY_NAG,
        )
    return Nag(every)


def _split_nag(tokens: list[lx.Token]) -> tuple[Nag | None, list[lx.Token]]:
    words = [t.text for t in tokens]
    for k in range(len(words) - 2, -1, -1):
        verb = lx.at(words, k + 1 + (lx.at(words, k + 1) == "keep"))
        if words[k] == "and" and verb in _NAG_VERBS:
            return _nag(words, k + 1), tokens[:k]
    return None, tokens


def _what_first(words: Sequence[str]) -> tuple[int, When | GrammarError] | None:
    """The earliest ``i`` whose time phrase runs to the end, or an impossible one that does.

    An impossible phrase ("on Feb 30") wins over a later valid one ("at 9") when only
    time-like words lie between them; otherwise it was part of the reminder text.
    """
    error: tuple[int, GrammarError] | None = None
    for i in range(1, len(words)):
        found = _when_at(words, i)
        if isinstance(found, GrammarError):
            error = error or (i, found)
        elif found and found[1] == len(words):
            if error and all(_timeish(w) for w in words[error[0] : i]):
                return error
            return i, found[0]
    return error


def _not_understood(
    words: Sequence[str], text: str, tokens: Sequence[lx.Token], who: Recipient, what: str | None
) -> GrammarError:
    for i in range(len(words)):
        found = _when_at(words, i)
        if isinstance(found, tuple) and found[1] < len(words):
            understood = _span(text, tokens[i : found[1]])
            rest = _short(_span(text, tokens[found[1] :]))
            error = GrammarError(
                f"I understood “{understood}” but not “{rest}”.", try_when=understood
            )
            return error.for_command(who.text, what or _clean_what(_span(text, tokens[:i])))
    error = GrammarError("When should I remind you?", try_when=DEFAULT_TRY_WHEN)
    return error.for_command(who.text, what or _clean_what(_span(text, tokens)))


def _quoted_when(
    words: Sequence[str], text: str, tokens: Sequence[lx.Token], who: Recipient, what: str
) -> When:
    """With the text quoted, every other word must be the time phrase."""
    lo = 1 if words[:1] and words[0] in _LEAD_WORDS else 0
    hi = len(words) - (1 if words[lo:] and words[-1] in _LEAD_WORDS else 0)
    found = _when_at(words[:hi], lo)
    if isinstance(found, GrammarError):
        raise found.for_command(who.text, what)
    if found is None or found[1] != hi:
        raise _not_understood(words[:hi], text, tokens[:hi], who, what)
    return found[0]


def _what_when(text: str, who: Recipient) -> tuple[str, When, Nag | None]:
    """Split ``text`` (after who) into the reminder text, the time phrase and the nag."""
    quoted = _QUOTED.search(text)
    if quoted:
        what = next(g for g in quoted.groups() if g is not None).strip()
        text = text[: quoted.start()] + " " * len(quoted[0]) + text[quoted.end() :]
    tokens = lx.tokenize(text)
    try:
        nag, tokens = _split_nag(tokens)
    except GrammarError as err:
        raise err.for_command(who.text, what if quoted else "stretch") from None
    words = [t.text for t in tokens]
    if quoted:
        return what, _quoted_when(words, text, tokens, who, what), nag
    first = _when_at(words, 0)
    if isinstance(first, tuple) and first[1] == len(words):
        error = GrammarError("What should I remind you about?", try_when=_span(text, tokens))
        raise error.for_command(who.text, "stretch")
    last = _what_first(words)
    if isinstance(first, tuple):
        rest = _span(text, tokens[first[1] :])
        lead = rest.split()[0].lower() in _LEAD_WORDS
        if last is None or isinstance(last[1], GrammarError) or lead:
            return _clean_what(rest), first[0], nag
        when_a, when_b = _span(text, tokens[: first[1]]), _span(text, tokens[last[0] :])
        raise GrammarError(
            f"I found two times, “{when_a}” and “{when_b}”. Quote the reminder text.",
            suggestion=f'/remind {who.text} "{_clean_what(rest)}" {when_a}',
        )
    if last is None:
        if isinstance(first, GrammarError):
            raise first.for_command(who.text, "stretch")
        raise _not_understood(words, text, tokens, who, None)
    what = _clean_what(_span(text, tokens[: last[0]]))
    if isinstance(last[1], GrammarError):
        raise last[1].for_command(who.text, what)
    return what, last[1], nag


def _who(text: str) -> tuple[Recipient, str]:
    match = _WHO.match(text)
    if match:
        word = match[1].lower()
        if word.startswith("<users/"):
            recipient = Recipient(RecipientKind.USER, match[1][1:-1])
        else:
            recipient = Recipient(RecipientKind.HERE if "here" in word else RecipientKind.ME)
        return recipient, text[match.end() :]
    first = text.split()[0] if text.split() else ""
    if first.startswith(("@", "#")):
        raise GrammarError(
            f"I can't tell who “{first}” is. @-mention a person, or say me or here.",
            suggestion=example_command("me", "stretch", DEFAULT_TRY_WHEN),
        )
    return ME, text


def parse_reminder(text: str, *, now: datetime, zone: str | None) -> ParsedReminder:
    """Parse ``/remind`` arguments at ``now`` (aware) for a user in ``zone`` (IANA or None).

    With ``zone=None``, wall-clock phrases parse with ``needs_zone`` set and no schedule;
    call ``with_zone`` once the zone is known. Raises ``GrammarError`` with a suggestion.
    """
    require_aware(now)
    _check_zone(zone)
    command = _REMIND.match(text)
    body = text[command.end() :] if command else text
    if not body.strip():
        raise GrammarError("Tell me who, what and when.")
    who, rest = _who(body)
    what, when, nag = _what_when(rest, who)
    if not what:
        raise GrammarError("What should I remind you about?").for_command(who.text, "stretch")
    schedule = _resolve(when, now, zone, who, what)
    return ParsedReminder(who=who, what=what, when=when, schedule=schedule, nag=nag)


def parse_when(text: str, *, now: datetime, zone: str | None, once: bool = False) -> ParsedWhen:
    """A time phrase on its own ("tomorrow at 9", "every Monday"); ``once`` refuses repeats."""
    tokens = lx.tokenize(text)
    words = [t.text for t in tokens]
    found = _when_at(words, 0)
    if isinstance(found, GrammarError):
        raise found
    if found is None or found[1] != len(words):
        raise _not_understood(words, text, tokens, ME, "stretch")
    when = found[0]
    if once and isinstance(when, Repeat):
        raise GrammarError("A snooze happens once, not on repeat.", try_when="tomorrow at 9am")
    return ParsedWhen(when, _resolve(when, now, zone, ME, "stretch"))
