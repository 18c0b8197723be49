"""``spaces.messages.list`` queries: ``orderBy`` and ``filter`` (REFERENCE.md §3.2).

``create_time asc|desc`` orders; a filter is ``AND``-joined clauses of
``create_time`` comparisons with RFC 3339 timestamps and at most one
``thread.name = spaces/S/threads/T``. Anything else is ``INVALID_ARGUMENT``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from devkit.emulator.errors import invalid
from devkit.emulator.state import StoredMessage, parse_rfc3339

Check = Callable[[StoredMessage], bool]


def order_desc(order_by: str) -> bool:
    """Whether ``orderBy`` asks for newest first (``create_time desc``); ascending by default."""
    text = " ".join(order_by.split())
    if not text:
        return False
    field, _, direction = text.partition(" ")
    if field not in ("create_time", "createTime") or direction.upper() not in ("", "ASC", "DESC"):
        raise invalid(
            f"Invalid order_by: {order_by!r}. Use 'create_time asc' or 'create_time desc'."
        )
    return direction.upper() == "DESC"


_CLAUSE_TIME = re.compile(r'create_time\s*(>=|<=|>|<)\s*"([^"]+)"')
_CLAUSE_THREAD = re.compile(r'thread\.name\s*=\s*"?(spaces/[^/\s"]+/threads/[^/\s"]+)"?')


def message_filter(text: str) -> Check:
    """A predicate for ``create_time > "…" AND thread.name = spaces/S/threads/T`` filters."""
    checks: list[Check] = []
    threads = 0
    for clause in (c.strip() for c in re.split(r"\s+AND\s+", text.strip()) if c.strip()):
        if found := _CLAUSE_TIME.fullmatch(clause):
            op, raw = found.groups()
            try:
                bound = parse_rfc3339(raw)
            except ValueError:
                raise invalid(f"Invalid filter: bad timestamp {raw!r}.") from None
            checks.append(_time_check(op, bound))
        elif found := _CLAUSE_THREAD.fullmatch(clause):
            threads += 1
            checks.append(_thread_check(found.group(1)))
        else:
            raise invalid(f"Invalid filter: {text!r}.")
    if threads > 1:
        raise invalid("Invalid filter: only one thread.name may be given.")
    return lambda m: all(check(m) for check in checks)


def _time_check(op: str, bound: dt.datetime) -> Check:
    if op == ">":
        return lambda m: m.created > bound
    if op == "<":
        return lambda m: m.created < bound
    if op == ">=":
        return lambda m: m.created >= bound
    return lambda m: m.created <= bound


def _thread_check(wanted: str) -> Check:
    return lambda m: m.thread == wanted
