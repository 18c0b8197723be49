"""Chat interaction events: typed models and the parsers that build them.

from shared.chat.events import BadEvent, UnsupportedEvent, load_body, parse_event
"""

from __future__ import annotations

from shared.chat.events.fields import BadEvent, UnsupportedEvent
from shared.chat.events.models import ChatEvent, Event, EventFormat
from shared.chat.events.parse import load_body, parse_event

__all__ = [
    "BadEvent",
    "ChatEvent",
    "Event",
    "EventFormat",
    "UnsupportedEvent",
    "load_body",
    "parse_event",
]
