"""The scalar readers behind the parsers: lenient on spelling, strict on type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.chat.events.fields import BadEvent, Node, to_bool, to_datetime, to_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (0.0, 0),
        (-1.8e7, -18_000_000),
        ("1", 1),
        (" 42 ", 42),
        ("2.0", 2),
        ("-1.8E7", -18_000_000),
        (2**63 - 1, 2**63 - 1),
    ],
)
def test_to_int_accepts(value: Any, expected: int) -> None:
    assert to_int(value, "x") == expected
    assert type(to_int(value, "x")) is int


@pytest.mark.parametrize(
    "value",
    [True, 1.5, float("nan"), float("inf"), "", "abc", "1e400", "9" * 50, 2**63, [], {}, None],
)
def test_to_int_rejects(value: Any) -> None:
    with pytest.raises(BadEvent) as caught:
        to_int(value, "a.b")
    assert caught.value.field == "a.b"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("FALSE", False), (1, True), (0, False)],
)
def test_to_bool(value: Any, expected: bool) -> None:
    assert to_bool(value, "x") is expected


@pytest.mark.parametrize("value", ["yes", 2, 1.0, [], None])
def test_to_bool_rejects(value: Any) -> None:
    with pytest.raises(BadEvent):
        to_bool(value, "x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-15T10:00:00Z", datetime(2026, 1, 15, 10, tzinfo=UTC)),
        ("2026-01-15T10:00:00.123456789Z", datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)),
        (
            "2026-01-15T11:00:00+01:00",
            datetime(2026, 1, 15, 11, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("2026-01-15T10:00:00", datetime(2026, 1, 15, 10, tzinfo=UTC)),
        ({"seconds": 1768471200, "nanos": 0}, datetime(2026, 1, 15, 10, tzinfo=UTC)),
    ],
)
def test_to_datetime(value: Any, expected: datetime) -> None:
    parsed = to_datetime(value, "t")
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    "value", ["", "soon", "2026-13-01T00:00:00Z", "2" * 100, 17, {"seconds": 10**20}]
)
def test_to_datetime_rejects(value: Any) -> None:
    with pytest.raises(BadEvent):
        to_datetime(value, "t")


def test_node_paths() -> None:
    node = Node.of({"a": {"b": [{"c": "x"}, 3]}}, "")
    a = node.obj("a")
    assert a is not None
    first, second = list(a.items("b"))
    assert second[1] == "a.b[1]"
    assert Node.of(first[0], first[1]).text("c") == "x"
    with pytest.raises(BadEvent) as caught:
        list(a.objects("b"))
    assert caught.value.field == "a.b[1]"
