"""Google's system parameters: query parameters every Google REST API accepts.

Both spellings are accepted where Google documents both (``$alt`` and ``alt``,
``$fields`` and ``fields``, ...): google-api-python-client sends ``alt=json``,
google-apps-chat ``$alt=json;enum-encoding=int``. Only JSON is served;
``enum-encoding=int`` answers enums as numbers and ``prettyPrint=false`` compactly.
``$.xgafv``, ``fields``, ``callback`` and ``quotaUser`` are checked and then
ignored (the whole response, in the v2 error format); ``key`` and ``access_token``
stay with auth, which reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from devkit.emulator.errors import ApiError, invalid

#: Query name -> system parameter; ``$``-less names also appear in the discovery documents.
SPELLINGS: dict[str, str] = {
    "$alt": "alt",
    "alt": "alt",
    "$fields": "fields",
    "fields": "fields",
    "$prettyPrint": "prettyPrint",
    "prettyPrint": "prettyPrint",
    "$.xgafv": "$.xgafv",
    "$callback": "callback",
    "callback": "callback",
    "$quotaUser": "quotaUser",
    "quotaUser": "quotaUser",
    "key": "key",
    "access_token": "access_token",
}
_FORMATS = ("json", "media", "proto", "sse")
_XGAFV = ("1", "2")


@dataclass(frozen=True)
class SystemParams:
    """What the system parameters ask of the response."""

    enum_ints: bool = False
    pretty: bool = True


def extract(pairs: Iterable[tuple[str, str]]) -> tuple[SystemParams, list[tuple[str, str]]]:
    """The system parameters in ``pairs``, and the other pairs (the method's own).

    Raises 400 on a malformed value and 501 for a format other than JSON.
    """
    enum_ints, pretty = False, True
    rest: list[tuple[str, str]] = []
    for name, value in pairs:
        canonical = SPELLINGS.get(name)
        if canonical is None:
            rest.append((name, value))
        elif canonical == "alt":
            enum_ints = _alt(value)
        elif canonical == "prettyPrint":
            pretty = _boolean("pretty_print", value)
        elif canonical == "$.xgafv" and value not in _XGAFV:
            raise invalid(f"Invalid value at '$.xgafv' (TYPE_ENUM), \"{value}\"")
    return SystemParams(enum_ints=enum_ints, pretty=pretty), rest


def _alt(value: str) -> bool:
    """``json`` or ``json;enum-encoding=int`` -> whether enums go out as numbers."""
    base, *options = (part.strip() for part in value.split(";"))
    if base not in _FORMATS:
        raise invalid(
            f"Invalid value at 'alt' (TYPE_ENUM), \"{value}\": expected json, "
            "optionally with ;enum-encoding=int"
        )
    if base != "json":
        raise ApiError(
            501, f"alt={base} is not implemented by the Nudge Chat API emulator (only json)."
        )
    enum_ints = False
    for option in options:
        key, _, setting = option.partition("=")
        if key.strip() != "enum-encoding" or setting.strip() not in ("int", "string"):
            raise invalid(
                f'Invalid alt option {option!r} in "{value}": '
                "expected enum-encoding=int or enum-encoding=string"
            )
        enum_ints = setting.strip() == "int"
    return enum_ints


def _boolean(field: str, value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise invalid(f"Invalid value at '{field}' (TYPE_BOOL), \"{value}\"")
    return lowered == "true"
