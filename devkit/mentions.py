"""Typed ``@Name`` as Google Chat sends it: ``USER_MENTION`` annotations.

Shared by ``nudge chat`` (the terminal) and the web simulator: a typed ``@name``
of a known local person (or of the app) is spelled out as ``@Display Name`` and
gets the annotation Chat would attach; an unknown ``@name`` stays plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
APP_USER: Json = {"name": "users/app", "displayName": "Nudge", "type": "BOT"}


@dataclass(frozen=True, slots=True)
class Person:
    """A local person (a seeded user of the Chat API emulator)."""

    name: str
    display_name: str

    def json(self) -> Json:
        return {
            "name": self.name,
            "displayName": self.display_name,
            "type": "HUMAN",
            "domainId": "local",
        }


def _candidates(people: Sequence[Person], app_names: Sequence[str]) -> list[tuple[str, Json]]:
    """``(typed name, user JSON)`` pairs, longest name first."""
    candidates: list[tuple[str, Json]] = [(n, APP_USER) for n in app_names]
    candidates += [(p.display_name, p.json()) for p in people]
    firsts: dict[str, list[Json]] = {}
    for person in people:
        first = person.display_name.split(" ")[0]
        if first and first != person.display_name:
            firsts.setdefault(first.lower(), []).append(person.json())
    for first, found in firsts.items():
        if len(found) == 1:
            candidates.append((first, found[0]))
    candidates.sort(key=lambda c: len(c[0]), reverse=True)
    return candidates


def annotate_mentions(
    text: str, people: Sequence[Person], app_names: Sequence[str] = ("Nudge",)
) -> tuple[str, list[Json]]:
    """``text`` with each ``@name`` of a known person (or the app) spelled out, and
    the ``USER_MENTION`` annotations Chat would attach.

    ``@Alex Example``, ``@alex example`` and (when unique) ``@Alex`` all name the
    same person; an unknown ``@name`` stays plain text, as in Chat.
    """
    candidates = _candidates(people, app_names)
    out: list[str] = []
    annotations: list[Json] = []
    position = 0
    for match in re.finditer(r"(?<![\w@])@", text):
        if match.start() < position:
            continue
        rest = text[match.end() :]
        for typed, user in candidates:
            after = rest[len(typed) : len(typed) + 1]
            if typed and rest.lower().startswith(typed.lower()) and not re.match(r"\w", after):
                out.append(text[position : match.start()])
                shown = "@" + str(user.get("displayName") or typed)
                start = sum(len(part) for part in out)
                out.append(shown)
                annotations.append(mention_annotation(user, start, len(shown)))
                position = match.end() + len(typed)
                break
    out.append(text[position:])
    return "".join(out), annotations


def mention_annotation(user: Json, start: int, length: int) -> Json:
    """One ``USER_MENTION`` annotation of ``user`` at ``text[start:start + length]``."""
    return {
        "type": "USER_MENTION",
        "startIndex": start,
        "length": length,
        "userMention": {"user": user, "type": "MENTION"},
    }


def shifted(annotations: Sequence[Json], by: int) -> list[Json]:
    """The annotations moved ``by`` characters (text was put in front)."""
    return [{**a, "startIndex": a["startIndex"] + by} for a in annotations]


def without_app_mentions(text: str, annotations: Sequence[Json]) -> str:
    """``text`` without the app's own mentions: Chat's ``argumentText`` of a message."""
    out = text
    for annotation in sorted(annotations, key=lambda a: a["startIndex"], reverse=True):
        mention = annotation.get("userMention") or {}
        if annotation.get("type") == "USER_MENTION" and mention["user"].get("type") == "BOT":
            start = annotation["startIndex"]
            out = out[:start] + out[start + annotation["length"] :]
    return out
