"""Who a ``/meet`` line invites: Chat mentions as ``<users/ID>``, addresses and "everyone".

Chat writes a mention as ``@Name`` text plus a ``USER_MENTION`` annotation;
``with_mentions`` turns each into ``<users/ID>`` first, and only those people
count (a typed ``<users/all>`` is just text). A guest list ("with @Ada, bob@x.org
and everyone") is parsed word by word by ``guest_list``. Pure code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.chat.events.models import Message
from shared.schedules import lexicon as lx

#: Chat's ``@all``.
ALL_USERS = "users/all"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")
MENTION = re.compile(r"<(users/[^<>\s]+)>")
_EVERYONE = frozenset({"everyone", "everybody", "@everyone", "@all", "here", "@here"})
_EVERYONE_PAIRS = frozenset({("the", "space"), ("this", "space"), ("the", "room")})
_SELF = frozenset({"me", "myself"})
_JOINS = frozenset({"and", "&", "+"})


# --- mentions ------------------------------------------------------------------------------


def mentioned_people(message: Message | None) -> dict[str, str]:
    """``users/ID -> display name`` of every person (not app) mentioned in ``message``."""
    found: dict[str, str] = {}
    for annotation in message.annotations if message is not None else ():
        user = annotation.user
        if annotation.type != "USER_MENTION" or user is None or user.is_bot:
            continue
        if user.name != ALL_USERS:
            found.setdefault(user.name, user.display_name)
    return found


def with_mentions(argument: str, message: Message | None) -> str:
    """``argument`` with each mentioned person's ``@Name`` replaced by ``<users/ID>``, ``@all``
    by ``everyone`` and apps' mentions by nothing. The annotation's span is tried first."""
    if message is None:
        return argument
    text = message.text
    for annotation in message.annotations:
        user = annotation.user
        if annotation.type != "USER_MENTION" or user is None:
            continue
        start, end = annotation.start_index, annotation.start_index + annotation.length
        spans = []
        if 0 <= start < end <= len(text) and text[start] == "@":
            spans.append(text[start:end])
        if user.display_name:
            spans.append("@" + user.display_name)
        token = "everyone" if user.name == ALL_USERS else "" if user.is_bot else f"<{user.name}>"
        for span in spans:
            if span in argument:
                argument = argument.replace(span, f" {token} ", 1)
                break
    return argument


# --- guests --------------------------------------------------------------------------------


def is_email(text: str) -> bool:
    return len(text) <= 254 and EMAIL.fullmatch(text) is not None


def mention(word: str, people: Mapping[str, str]) -> str | None:
    """The ``users/ID`` ``word`` mentions when it is one of ``people``, else ``None``."""
    match = MENTION.fullmatch(word)
    return match[1] if match and match[1] in people else None


@dataclass
class Guests:
    """The guests found so far: mentioned people, typed addresses, and "everyone"."""

    people: list[str]
    emails: list[str]
    everyone: bool = False


def _guest_at(words: Sequence[str], i: int, people: Mapping[str, str], into: Guests) -> int:
    """How many words from ``i`` name one guest (0: none), added to ``into``."""
    word = lx.at(words, i)
    user = mention(word, people)
    if user is not None:
        into.people.append(user)
        return 1
    if is_email(word.strip("<>")):
        into.emails.append(word.strip("<>"))
        return 1
    if word in _EVERYONE:
        into.everyone = True
        return 1
    if (word, lx.at(words, i + 1)) in _EVERYONE_PAIRS:
        into.everyone = True
        return 2
    if list(words[i : i + 3]) == ["all", "of", "us"]:
        into.everyone = True
        return 3
    return 1 if word in _SELF else 0


def guest_list(words: Sequence[str], i: int, people: Mapping[str, str], into: Guests) -> int | None:
    """The end of a guest list starting at ``i`` (after "with"), or ``None`` when none starts."""
    taken = _guest_at(words, i, people, into)
    if not taken:
        return None
    j = i + taken
    while True:
        k = j + (lx.at(words, j) in _JOINS)
        more = _guest_at(words, k, people, into)
        if not more:
            return j
        j = k + more
