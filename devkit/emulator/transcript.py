"""A human-readable transcript of a space: time, sender, thread, text, card titles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Json = Mapping[str, Any]


def card_titles(message: Json) -> list[str]:
    """``Title - subtitle`` for each card (``cardsV2`` and legacy ``cards``)."""
    titles: list[str] = []
    cards = [c.get("card", {}) for c in message.get("cardsV2") or [] if isinstance(c, dict)]
    cards += [c for c in message.get("cards") or [] if isinstance(c, dict)]
    for card in cards:
        header = card.get("header") or {}
        title = str(header.get("title") or "(untitled card)")
        subtitle = header.get("subtitle")
        titles.append(f"{title} - {subtitle}" if subtitle else title)
    return titles


def message_lines(message: Json, *, deleted: bool = False) -> list[str]:
    """Lines for one message, the first being the header line."""
    sender = message.get("sender") or {}
    who = sender.get("displayName") or sender.get("name") or "?"
    kind = sender.get("type", "")
    thread = str((message.get("thread") or {}).get("name", "")).rsplit("/", 1)[-1]
    marker = "reply in" if message.get("threadReply") else "thread"
    flags = []
    if message.get("lastUpdateTime"):
        flags.append("edited")
    if deleted:
        flags.append("deleted")
    suffix = f" ({', '.join(flags)})" if flags else ""
    header = f"{message.get('createTime', '')}  [{marker} {thread}]  {who} ({kind}){suffix}:"
    lines = [header]
    text = str(message.get("text") or "")
    lines += [f"    {line}" for line in text.splitlines()] if text else []
    lines += [f"    [card] {title}" for title in card_titles(message)]
    if message.get("accessoryWidgets"):
        lines.append(f"    [accessory widgets: {len(message['accessoryWidgets'])}]")
    return lines


def render(space: Json, messages: Iterable[tuple[Json, bool]]) -> str:
    """The transcript of ``space`` for ``(message, deleted)`` pairs in creation order."""
    title = space.get("displayName") or space.get("name")
    out = [f'# {space.get("name")} "{title}" ({space.get("spaceType")})']
    count = 0
    for message, deleted in messages:
        out.extend(message_lines(message, deleted=deleted))
        count += 1
    if not count:
        out.append("(no messages)")
    return "\n".join(out) + "\n"
