"""Deterministic message and request IDs."""

from __future__ import annotations

import re
import uuid

import pytest

from shared.chatapi.ids import client_message_id, is_client_message_id, request_id


def test_client_message_id_format_and_length() -> None:
    cases: list[tuple[str | int, ...]] = [
        ("r1", 0),
        ("reminder/abc", "2025-01-01T09:00Z"),
        ("x" * 5000,),
        ("ü", "🙂"),
    ]
    for parts in cases:
        mid = client_message_id(*parts)
        assert re.fullmatch(r"client-[a-z0-9-]+", mid)
        assert len(mid) <= 63
        assert is_client_message_id(mid)


def test_client_message_id_is_deterministic_and_distinguishes_parts() -> None:
    assert client_message_id("r1", 3) == client_message_id("r1", 3)
    ids = {
        client_message_id("r1", 3),
        client_message_id("r1", 4),
        client_message_id("r13"),
        client_message_id("r1", "3"),
        client_message_id("r", "13"),
    }
    assert len(ids) == 5


def test_request_id_is_a_deterministic_uuid5() -> None:
    rid = request_id("reminder-1", "2025-06-01")
    assert rid == request_id("reminder-1", "2025-06-01")
    assert rid != request_id("reminder-1", "2025-06-02")
    assert uuid.UUID(rid).version == 5


def test_ids_need_parts() -> None:
    with pytest.raises(ValueError):
        client_message_id()
    with pytest.raises(ValueError):
        request_id()


@pytest.mark.parametrize(
    "value", ["client-", "Client-abc", "client-ABC", "client-a_b", "msg-abc", "client-" + "a" * 57]
)
def test_invalid_message_ids(value: str) -> None:
    assert not is_client_message_id(value)
