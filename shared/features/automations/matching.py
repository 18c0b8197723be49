"""What a space watches for: whole words (case-insensitive) and one RE2 pattern.

**Watch words never run as regular expressions.** The message and each watch word are
split into words (Unicode letters, digits and ``_``) and casefolded; a watch word, or a
phrase of several, matches when its words appear in the message one after the other.
That takes time linear in the message and ignores punctuation (``deploy!`` matches
``deploy``; ``node.js`` is the phrase ``node js``).

**The pattern runs on RE2** (``google-re2``): its matching time is linear in the text
whatever the pattern, because RE2 has no backtracking (and so no look-around and no
back-references). Python's ``re`` never sees a pattern a person typed. A pattern is
checked when it is set (``compile_pattern``: at most ``MAX_PATTERN_LENGTH`` characters,
compiled within ``RE2_MAX_MEM`` bytes) and matches case-insensitively unless it says
``(?-i)``. Where RE2 cannot be imported, patterns are refused when set and ignored when
matching (logged), and watch words still work.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_WORDS = 50
MAX_WORD_LENGTH = 60
MAX_PATTERN_LENGTH = 200
#: The memory RE2 may use to compile one pattern (a bound on the program's size).
RE2_MAX_MEM = 1 << 20
#: Only this much of a message is examined (Chat messages are smaller anyway).
MAX_TEXT = 32_000
#: Our own fixed tokenizer (a linear scan); it never sees a user's pattern.
_WORD = re.compile(r"\w+")
_SPLIT = re.compile(r"[,\n]")


class PatternError(ValueError):
    """The pattern cannot be used; the message says why, in words a manager can act on."""


def words_of(text: str) -> tuple[str, ...]:
    """The casefolded words of ``text``, in order."""
    return tuple(w.casefold() for w in _WORD.findall(text[:MAX_TEXT]))


def parse_watch_words(raw: str) -> tuple[tuple[str, ...], list[str]]:
    """``(watch words, problems)`` from a comma- or line-separated list.

    Each entry is kept as typed (trimmed) but deduplicated by its words, so
    ``Deploy`` and ``deploy!`` count once.
    """
    found: dict[tuple[str, ...], str] = {}
    problems: list[str] = []
    for entry in (part.strip() for part in _SPLIT.split(raw)):
        if not entry:
            continue
        if len(entry) > MAX_WORD_LENGTH:
            problems.append(
                f"Watch word “{entry[:20]}…” is too long: {MAX_WORD_LENGTH} characters at most."
            )
            continue
        key = words_of(entry)
        if not key:
            problems.append(f"Watch word “{entry}” has no letters or digits to match.")
            continue
        found.setdefault(key, entry)
    if len(found) > MAX_WORDS:
        problems.append(f"That is {len(found)} watch words; {MAX_WORDS} at most.")
    return tuple(found.values()), problems


def matched_words(watch_words: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The watch words (as configured) that occur in ``text`` as whole words or phrases."""
    if not watch_words:
        return ()
    words = words_of(text)
    present = set(words)
    hits = []
    for entry in watch_words:
        phrase = words_of(entry)
        if not phrase or phrase[0] not in present:
            continue
        if len(phrase) == 1 or _contains(words, phrase):
            hits.append(entry)
    return tuple(hits)


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(words[i : i + size] == phrase for i, word in enumerate(words) if word == phrase[0])


# --- RE2 -------------------------------------------------------------------------------


def _re2() -> Any | None:
    """The ``re2`` module (google-re2), or ``None`` where it is not installed."""
    try:
        return importlib.import_module("re2")
    except ImportError:
        return None


def re2_available() -> bool:
    return _re2() is not None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    re2 = _re2()
    if re2 is None:
        raise PatternError(
            "Patterns need the RE2 engine (google-re2), which this deployment lacks; "
            "use watch words instead."
        )
    options = re2.Options()
    options.case_sensitive = False
    options.never_capture = True
    options.log_errors = False
    options.max_mem = RE2_MAX_MEM
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise PatternError(f"That pattern is not valid RE2: {detail}.") from None


def compile_pattern(pattern: str) -> Any:
    """The compiled pattern; ``PatternError`` with a reason a manager can act on."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"The pattern is too long: {MAX_PATTERN_LENGTH} characters at most.")
    if "\x00" in pattern:
        raise PatternError("The pattern contains a NUL character.")
    return _compiled(pattern)


def pattern_matches(pattern: str, text: str) -> bool:
    """True when the (already validated) ``pattern`` finds something in ``text``."""
    if not pattern:
        return False
    try:
        compiled = compile_pattern(pattern)
    except PatternError as exc:
        log.warning("ignoring a watch pattern that cannot run", extra={"fields": {"why": str(exc)}})
        return False
    return compiled.search(text[:MAX_TEXT]) is not None


@dataclass(frozen=True, slots=True)
class Match:
    """Why a message matched: the watch words it contains, and whether the pattern hit."""

    words: tuple[str, ...] = ()
    pattern: bool = False

    def __bool__(self) -> bool:
        return bool(self.words) or self.pattern

    def describe(self) -> str:
        """``deploy, outage`` / ``the pattern`` / ``deploy and the pattern`` (plain text)."""
        parts = [", ".join(self.words)] if self.words else []
        if self.pattern:
            parts.append("the pattern")
        return " and ".join(parts)


def match(watch_words: tuple[str, ...], pattern: str, text: str) -> Match:
    """What of the space's watch words and pattern ``text`` matches."""
    return Match(matched_words(watch_words, text), pattern_matches(pattern, text))
