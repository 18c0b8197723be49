"""Proto3 JSON enums: a value's name or its number in requests, numbers out on request.

Google's front end accepts an enum as its name or its number (``1``, or ``"1"``
in a query) and answers with numbers when the client asks for
``$alt=json;enum-encoding=int``, as google-apps-chat always does.

Discovery documents list values by name only, and not always in proto order
(``WidgetMarkup.Icon`` is alphabetical, ``Membership.role`` skips 3, ``google.rpc.Code``
puts ``UNAUTHENTICATED = 16`` ninth). So numbers come from the proto descriptors of
the client libraries that send them (google-apps-chat, google-apps-card, and the
Workspace Events library if installed), matched by the enum's set of value names.
An enum none of them defines (or with them not installed) is numbered in
discovery order, which is proto order for most enums.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

#: Modules whose proto-plus messages carry the descriptors (imported on first use).
PROTO_MODULES = (
    "google.apps.chat_v1",
    "google.apps.card_v1",
    "google.apps.events_subscriptions_v1",
)
_NUMBER = re.compile(r"-?\d{1,19}")
_LISTED = 8

Numbering = Mapping[str, int]


class EnumError(ValueError):
    """Not a value of the enum; ``hint`` says why when the value was a number."""

    def __init__(self, hint: str = "") -> None:
        super().__init__(hint)
        self.hint = hint


def _collect_file(file: Any, files: dict[str, Any]) -> None:
    if file.name in files:
        return
    files[file.name] = file
    for dependency in file.dependencies:
        _collect_file(dependency, files)


def _enum_types(message: Any) -> list[Any]:
    found = list(message.enum_types)
    for nested in message.nested_types:
        found.extend(_enum_types(nested))
    return found


@functools.cache
def proto_numberings() -> dict[frozenset[str], Numbering | None]:
    """Every proto enum the client libraries define, keyed by its set of value names.

    ``None`` marks a name set two enums number differently (not used).
    """
    files: dict[str, Any] = {}
    for module_name in PROTO_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for value in vars(module).values():
            descriptor = getattr(
                getattr(getattr(value, "meta", None), "pb", None), "DESCRIPTOR", None
            )
            if descriptor is not None and hasattr(descriptor, "file"):
                _collect_file(descriptor.file, files)
    numberings: dict[frozenset[str], Numbering | None] = {}
    for file in files.values():
        enum_types = list(file.enum_types_by_name.values())
        for message in file.message_types_by_name.values():
            enum_types.extend(_enum_types(message))
        for enum_type in enum_types:
            numbers = {v.name: int(v.number) for v in enum_type.values}
            key = frozenset(numbers)
            numberings[key] = None if numberings.get(key, numbers) != numbers else numbers
    return numberings


@functools.lru_cache(maxsize=1024)
def numbering(values: tuple[str, ...]) -> Numbering:
    """Name -> number for a discovery enum (its ``enum`` list, in document order).

    Proto numbers when every proto enum holding all these names agrees on them;
    otherwise the discovery order.
    """
    wanted = frozenset(values)
    agreed = {
        tuple(known[name] for name in values)
        for key, known in proto_numberings().items()
        if known is not None and wanted <= key
    }
    if len(agreed) == 1:
        return dict(zip(values, agreed.pop(), strict=True))
    return {name: index for index, name in enumerate(values)}


@functools.lru_cache(maxsize=1024)
def _names(values: tuple[str, ...]) -> dict[int, str]:
    return {value: name for name, value in numbering(values).items()}


def parse(values: Sequence[str], raw: Any) -> str:
    """The value's name, given its name or number (an int, or digits as a string).

    Raises ``EnumError`` otherwise.
    """
    if isinstance(raw, str) and raw in values:
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise EnumError()
    if isinstance(raw, str) and not _NUMBER.fullmatch(raw):
        raise EnumError()
    key = tuple(values)
    found = _names(key).get(int(raw))
    if found is None:
        listed = sorted(numbering(key).items(), key=lambda item: item[1])
        shown = ", ".join(f"{value} ({name})" for name, value in listed[:_LISTED])
        more = ", …" if len(listed) > _LISTED else ""
        raise EnumError(f"no value is numbered {int(raw)}; expected a name or {shown}{more}")
    return found


def number(values: Sequence[str], name: str) -> int | None:
    """The number of value ``name`` (``None`` if it is not one of ``values``)."""
    return numbering(tuple(values)).get(name)


def to_numbers(schemas: Mapping[str, Mapping[str, Any]], ref: str, value: Any) -> Any:
    """``value`` (JSON for schema ``ref``) with every enum field, nested too, as its number."""
    if not isinstance(value, dict):
        return value
    properties: Mapping[str, Mapping[str, Any]] = schemas.get(ref, {}).get("properties", {})
    return {
        key: _convert(schemas, properties[key], item) if key in properties else item
        for key, item in value.items()
    }


def _convert(schemas: Mapping[str, Mapping[str, Any]], spec: Mapping[str, Any], value: Any) -> Any:
    if "$ref" in spec:
        return to_numbers(schemas, spec["$ref"], value)
    kind = spec.get("type")
    if kind == "array" and isinstance(value, list):
        items = spec.get("items") or {}
        return [_convert(schemas, items, item) for item in value]
    extra = spec.get("additionalProperties")
    if kind == "object" and isinstance(value, dict) and isinstance(extra, dict):
        return {key: _convert(schemas, extra, item) for key, item in value.items()}
    enum = spec.get("enum")
    if enum is not None and isinstance(value, str):
        found = number(enum, value)
        return value if found is None else found
    return value
