"""Words of the reminder grammar: tokens, numbers, ordinals, weekdays, months and durations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from shared.schedules.errors import GrammarError

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Longest month lengths (February counts 29: a date without a year may be a leap day).
MAX_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_WEEKDAYS = {
    **{name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)},
    **{"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3},
    **{"fri": 4, "sat": 5, "sun": 6},
}
_MONTHS = {
    **{name.lower(): i + 1 for i, name in enumerate(MONTH_NAMES)},
    **{name.lower()[:3]: i + 1 for i, name in enumerate(MONTH_NAMES)},
    "sept": 9,
}
_SMALL = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_NUMBER_WORDS = {word: i for i, word in enumerate(_SMALL)} | {"a": 1, "an": 1}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_TENS |= {"eighty": 80, "ninety": 90}
_ORDINAL_SMALL = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
_ORDINAL_WORDS = {word: i for i, word in enumerate(_ORDINAL_SMALL) if i} | {
    "twentieth": 20,
    "thirtieth": 30,
}
_SECONDS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1}
_SECONDS |= {"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60}
_SECONDS |= {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600}
_SECONDS |= {"d": 86400, "day": 86400, "days": 86400}
_SECONDS |= {"w": 604800, "wk": 604800, "wks": 604800, "week": 604800, "weeks": 604800}
CALENDAR_UNITS = frozenset({"mo", "month", "months", "yr", "yrs", "year", "years"})

_COMPACT = re.compile(r"(?:\d+(?:\.\d+)?[wdhms])+")
_COMPACT_PART = re.compile(r"(\d+(?:\.\d+)?)([wdhms])")
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
_ORDINAL = re.compile(r"(\d{1,3})(?:st|nd|rd|th)")
_ISO_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})t(\d{1,2}:\d{2}(?::\d{2})?)")
_AM_PM_DOTS = re.compile(r"([ap])\.m$")


@dataclass(frozen=True)
class Token:
    """One word: normalized ``text`` plus its ``start``/``end`` span in the original string."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Whitespace words, lower-cased, with edge punctuation removed (``Monday,`` → ``monday``)."""
    tokens: list[Token] = []
    for match in re.finditer(r"\S+", text):
        word = match.group().lower().replace("\u2019", "'").lstrip("(").rstrip(",;!?)")
        word = _AM_PM_DOTS.sub(r"\1m", word.rstrip("."))
        if not word:
            continue
        start, end = match.span()
        iso = _ISO_DATETIME.fullmatch(word)
        if iso:
            tokens += [Token(iso[1], start, end), Token(iso[2], start, end)]
        else:
            tokens.append(Token(word, start, end))
    return tokens


def at(words: Sequence[str], i: int) -> str:
    """The word at ``i``, or ``""`` past the end (so lookahead never raises)."""
    return words[i] if 0 <= i < len(words) else ""


def weekday(word: str) -> tuple[int, bool] | None:
    """``(0..6, plural)`` for ``monday``/``mon``/``mondays``; ``None`` otherwise."""
    if word in _WEEKDAYS:
        return _WEEKDAYS[word], False
    if word.endswith("s") and word[:-1] in _WEEKDAYS and len(word) > 4:
        return _WEEKDAYS[word[:-1]], True
    return None


def month(word: str) -> int | None:
    """1..12 for ``december``/``dec``; ``None`` otherwise."""
    return _MONTHS.get(word)


def number(words: Sequence[str], i: int) -> tuple[float, int] | None:
    """A number in digits (``2``, ``1.5``) or words (``three``, ``twenty five``, ``an``)."""
    word = at(words, i)
    if _DECIMAL.fullmatch(word):
        return float(word), i + 1
    head, _, tail = word.partition("-")
    if head in _TENS:
        ones = tail if tail else at(words, i + 1)
        if ones in _NUMBER_WORDS and 0 < _NUMBER_WORDS[ones] < 10 and ones not in ("a", "an"):
            return float(_TENS[head] + _NUMBER_WORDS[ones]), i + (1 if tail else 2)
        return (float(_TENS[head]), i + 1) if not tail else None
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word]), i + 1
    return None


def count(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """A whole number ≥ 0 (digits or words); ``None`` for fractions and non-numbers."""
    found = number(words, i)
    if found is None or not found[0].is_integer():
        return None
    return int(found[0]), found[1]


def ordinal(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """``1st``, ``23rd``, ``first``, ``twenty-first`` or ``twenty first`` → ``(n, next index)``."""
    word = at(words, i)
    match = _ORDINAL.fullmatch(word)
    if match:
        return int(match[1]), i + 1
    if word in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[word], i + 1
    head, _, tail = word.partition("-")
    if head in ("twenty", "thirty"):
        ones = tail if tail else at(words, i + 1)
        if ones in _ORDINAL_WORDS and _ORDINAL_WORDS[ones] < 10:
            return _TENS[head] + _ORDINAL_WORDS[ones], i + (1 if tail else 2)
    return None


def ordinal_suffix(n: int) -> str:
    """``1st``, ``2nd``, ``11th``, ``22nd``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def duration(words: Sequence[str], i: int, *, try_when: str) -> tuple[timedelta, int] | None:
    """Elapsed time: ``10 minutes``, ``three hours``, ``1h30m``, ``1 hour and 30 minutes``.

    Months and years are calendar lengths, not elapsed time, and raise ``GrammarError``.
    """
    seconds = 0.0
    parts = 0
    j = i
    while True:
        k = j + 1 if parts and at(words, j) in ("and", "&") else j
        word = at(words, k)
        if _COMPACT.fullmatch(word):
            seconds += sum(float(n) * _SECONDS[u] for n, u in _COMPACT_PART.findall(word))
            j, parts = k + 1, parts + 1
            continue
        if word == "half" and at(words, k + 1) in ("an", "a") and at(words, k + 2) == "hour":
            seconds += 1800
            j, parts = k + 3, parts + 1
            continue
        found = number(words, k)
        if found is None:
            break
        value, k2 = found
        unit = at(words, k2)
        if unit in CALENDAR_UNITS:
            raise GrammarError(
                "Months and years vary in length, so I can't count them as elapsed time.",
                try_when=try_when,
            )
        if unit not in _SECONDS:
            break
        seconds += value * _SECONDS[unit]
        j, parts = k2 + 1, parts + 1
    if not parts:
        return None
    return timedelta(seconds=round(seconds)), j
