"""Read untrusted event JSON into typed values, with a path for every error.

Tolerant about shape (unknown keys are ignored, ``null`` means absent, numbers
may arrive as doubles or numeric strings, booleans as ``"true"``) and strict
about types: a field that is present with the wrong JSON type raises
``BadEvent`` naming the field, such as ``message.annotations[0].startIndex``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.chat.events.models import EventFormat

#: Event types Nudge models (add-on payloads map onto these names).
KNOWN_TYPES = frozenset(
    {
        "MESSAGE",
        "ADDED_TO_SPACE",
        "REMOVED_FROM_SPACE",
        "CARD_CLICKED",
        "WIDGET_UPDATED",
        "APP_COMMAND",
    }
)
#: Event types Chat documents that Nudge has nothing to model for (``UnsupportedEvent``).
UNMODELLED_TYPES = frozenset({"APP_HOME", "SUBMIT_FORM"})

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_MAX_NUMERIC_STRING = 40
_MAX_TIMESTAMP_STRING = 64
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0", ""})


class BadEvent(ValueError):
    """The request body is not a Chat event we can read (answer HTTP 400).

    ``message`` is safe to return to the caller; ``field`` is the JSON path of
    the offending field when one is to blame, such as ``space`` or
    ``message.annotations[0].startIndex``.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{message} (at {field})" if field else message)
        self.message = message
        self.field = field


class UnsupportedEvent(Exception):
    """A well-formed event of a kind Nudge knows but does not model (answer 200 ``{}``).

    Deliberately *not* a ``BadEvent``: the caller did nothing wrong, so a
    handler that only catches ``BadEvent`` must not turn it into a 400. Raised
    for ``APP_HOME`` and ``SUBMIT_FORM`` and for add-on payloads Nudge does not
    know yet. ``event_type`` names the kind, such as ``APP_HOME``.
    """

    def __init__(self, event_type: str, message: str = "") -> None:
        self.event_type = event_type
        self.message = message or f"Nudge does not handle {event_type} events."
        super().__init__(self.message)


def _kind(value: Any) -> str:
    """A JSON type name for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def to_int(value: Any, path: str) -> int:
    """An integer from ``1``, ``1.0``, ``-1.8E7`` or ``"1"`` (int64 range)."""
    if isinstance(value, bool):
        raise BadEvent(f"{path} must be a number, not a boolean", path)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = _integral_float(value, path)
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > _MAX_NUMERIC_STRING:
            raise BadEvent(f"{path} must be a whole number", path)
        try:
            number = int(text)
        except ValueError:
            try:
                number = _integral_float(float(text), path)
            except ValueError:
                raise BadEvent(f"{path} must be a whole number", path) from None
    else:
        raise BadEvent(f"{path} must be a number, not {_kind(value)}", path)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise BadEvent(f"{path} is out of range", path)
    return number


def _integral_float(value: float, path: str) -> int:
    if not math.isfinite(value) or not value.is_integer():
        raise BadEvent(f"{path} must be a whole number", path)
    return int(value)


def to_bool(value: Any, path: str) -> bool:
    """A boolean from ``true``/``false`` or the strings ``"true"``/``"false"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise BadEvent(f"{path} must be a boolean, not {_kind(value)}", path)


def to_datetime(value: Any, path: str) -> datetime:
    """An aware datetime from RFC 3339 (nanoseconds allowed) or ``{seconds, nanos}``."""
    if isinstance(value, Mapping):
        node = Node(value, path)
        seconds = node.integer("seconds") or 0
        nanos = node.integer("nanos") or 0
        try:
            return datetime.fromtimestamp(seconds + nanos / 1e9, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise BadEvent(f"{path} is out of range", path) from None
    if not isinstance(value, str):
        raise BadEvent(f"{path} must be an RFC 3339 timestamp, not {_kind(value)}", path)
    if len(value) > _MAX_TIMESTAMP_STRING:
        raise BadEvent(f"{path} is not an RFC 3339 timestamp", path)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadEvent(f"{path} is not an RFC 3339 timestamp", path) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Node:
    """A JSON object and its path, with typed, path-aware accessors.

    Every accessor treats a missing key and ``null`` alike (absent) and raises
    ``BadEvent`` when the value has the wrong type.
    """

    __slots__ = ("data", "path")

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path

    @classmethod
    def of(cls, value: Any, path: str) -> Node:
        """Wrap ``value``, which must be a JSON object."""
        if not isinstance(value, Mapping):
            raise BadEvent(f"{path or 'The event'} must be an object, not {_kind(value)}", path)
        return cls(value, path)

    def at(self, key: str) -> str:
        """The path of ``key`` below this node."""
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def obj(self, key: str) -> Node | None:
        value = self.data.get(key)
        return None if value is None else Node.of(value, self.at(key))

    def require(self, key: str, what: str = "") -> Node:
        """A child object that must be present."""
        node = self.obj(key)
        if node is None:
            raise BadEvent(f"The event has no {what or key}", self.at(key))
        return node

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise BadEvent(f"{self.at(key)} must be a string, not {_kind(value)}", self.at(key))
        return value

    def opt_text(self, key: str) -> str | None:
        """A string, with absent and empty both returned as ``None``."""
        return self.text(key) or None

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        return None if value is None else to_int(value, self.at(key))

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        return False if value is None else to_bool(value, self.at(key))

    def timestamp(self, key: str) -> datetime | None:
        value = self.data.get(key)
        return None if value is None or value == "" else to_datetime(value, self.at(key))

    def items(self, key: str) -> Iterator[tuple[Any, str]]:
        """Each element of an array with its path (nothing if absent)."""
        value = self.data.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            raise BadEvent(f"{self.at(key)} must be an array, not {_kind(value)}", self.at(key))
        for index, item in enumerate(value):
            yield item, f"{self.at(key)}[{index}]"

    def objects(self, key: str) -> Iterator[Node]:
        """Each element of an array of objects."""
        for item, path in self.items(key):
            yield Node.of(item, path)

    def str_map(self, key: str) -> dict[str, str]:
        """A JSON object of string values, such as ``common.parameters``."""
        node = self.obj(key)
        if node is None:
            return {}
        return {name: node.text(name) for name in node.data if node.data[name] is not None}


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event read out of either wire format, before it becomes a model.

    ``kind`` uses the legacy type names (``MESSAGE``, ``CARD_CLICKED``, ...);
    ``payload`` is the object that holds ``message``/``space``/``thread``
    (the event root in legacy, ``chat.<x>Payload`` in the add-on format), and
    ``common`` holds ``userLocale``, ``timeZone`` and ``formInputs``.
    """

    format: EventFormat
    kind: str
    payload: Node
    user: Node
    space: Node
    common: Node | None = None
    event_time: datetime | None = None
    thread_key: str = ""
    function: str = ""
    parameters: Mapping[str, str] = field(default_factory=dict)
    is_dialog_event: bool = False
    dialog_event_type: str = ""
    redirect_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
