"""A space's messages, as one person sees them: threads, private replies, cards."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from devkit.web.cardview import Renderer
from devkit.web.jsonish import obj

Json = dict[str, Any]
View = dict[str, Any]


def digest(value: Any) -> str:
    """A short stable hash of ``value`` (JSON)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def visible(message: Mapping[str, Any], viewer: str) -> bool:
    """Private messages show only to their viewer, as in Chat."""
    private = obj(message, "privateMessageViewer")
    return not private or private.get("name") in (None, viewer)


def _time(stamp: Any, zone: ZoneInfo) -> str:
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return ""
    return moment.astimezone(zone).strftime("%H:%M")


def message_view(message: Mapping[str, Any], viewer: str, renderer: Renderer) -> View:
    sender = obj(message, "sender")
    is_bot = sender.get("type") == "BOT"
    name = str(sender.get("displayName") or sender.get("name") or "someone")
    zone = renderer.zone if isinstance(renderer.zone, ZoneInfo) else ZoneInfo("UTC")
    return {
        "name": str(message.get("name") or ""),
        "version": digest([message, str(renderer.zone)]),
        "sender": name,
        "initial": name[:1].upper() or "?",
        "is_bot": is_bot,
        "is_me": sender.get("name") == viewer,
        "time": _time(message.get("createTime"), zone),
        "edited": bool(message.get("lastUpdateTime")),
        "private": bool(message.get("privateMessageViewer")),
        "deleted": bool(message.get("deleted")),
        "body": renderer.message(message),
    }


def threads(messages: list[Json], viewer: str, renderer: Renderer, *, flat: bool) -> list[View]:
    """Messages grouped by thread in the order each thread started (``flat``: one per message)."""
    groups: dict[str, list[View]] = {}
    for message in messages:
        if not visible(message, viewer):
            continue
        thread = obj(message, "thread")
        key = str(message.get("name")) if flat else str(thread.get("name") or message.get("name"))
        groups.setdefault(key, []).append(message_view(message, viewer, renderer))
    return [{"name": key, "messages": views} for key, views in groups.items()]


def version(messages: list[Json], viewer: str, zone: str) -> str:
    """Changes whenever what ``viewer`` sees changes."""
    return digest([[m for m in messages if visible(m, viewer)], viewer, zone])
