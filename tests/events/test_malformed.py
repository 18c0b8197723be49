"""Malformed bodies and events raise ``BadEvent`` with a clear, caller-safe message.

The malformed set lives here as tables rather than files: two of the cases
(2 MB, 10,000-deep) are generated, and the rest are one-liners.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.chat.events import BadEvent, UnsupportedEvent, load_body, parse_event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"

# --- bodies ----------------------------------------------------------------------

BAD_BODIES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "not valid JSON"),
    ("not_json", b"{'type': 'MESSAGE'", "not valid JSON"),
    ("not_utf8", b'{"type": "MESSAGE", "x": "\xff\xfe"}', "not UTF-8"),
    ("array", b'[{"type": "MESSAGE"}]', "must be a JSON object, not an array"),
    ("string", b'"MESSAGE"', "must be a JSON object"),
    ("null", b"null", "must be a JSON object"),
    ("nan", b'{"type": "MESSAGE", "n": NaN}', "not valid JSON"),
    ("huge_integer", b'{"n": 1' + b"0" * 5000 + b"}", "not valid JSON"),
    ("two_mb", b'{"pad": "' + b"x" * 2_000_000 + b'"}', "larger than"),
    ("deep_10000_objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "nested deeper"),
    ("deep_10000_arrays", b'{"a":' + b"[" * 10_000 + b"]" * 10_000 + b"}", "nested deeper"),
    ("deep_65", b'{"a":' * 65 + b"1" + b"}" * 65, "nested deeper than 64"),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_bad_bodies(body: bytes, expected: str) -> None:
    with pytest.raises(BadEvent) as caught:
        load_body(body)
    assert expected in caught.value.message
    assert isinstance(caught.value, ValueError)
    assert len(caught.value.message) < 200  # never echoes the body


def test_depth_limit_is_inclusive() -> None:
    assert load_body(b'{"a":' * 63 + b"1" + b"}" * 63)["a"]
    with pytest.raises(BadEvent):
        load_body(b'{"a":[[1]]}', max_depth=2)
    assert load_body(b'{"a":[[1]]}', max_depth=3) == {"a": [[1]]}


def test_size_limit_is_configurable() -> None:
    with pytest.raises(BadEvent, match="larger than 10 bytes"):
        load_body(b'{"type": "MESSAGE"}', max_bytes=10)


def test_a_good_body_loads() -> None:
    body = (FIXTURES / "legacy" / "message.json").read_bytes()
    assert load_body(body)["type"] == "MESSAGE"


# --- events ----------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Set a dotted path (``a.b[0].c``) in a payload."""

    def mutate(payload: dict[str, Any]) -> None:
        node: Any = payload
        parts = path.replace("[", ".[").split(".")
        for part in parts[:-1]:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        last = parts[-1]
        if last.startswith("["):
            node[int(last[1:-1])] = value
        else:
            node[last] = value

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(payload: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = payload
        for part in parents:
            node = node[part]
        del node[last]

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(payload: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(payload)

    return mutate


ANNOTATION = "message.annotations[1]"
# (id, fixture, mutation, field, words in the message)
BAD_EVENTS: list[tuple[str, str, Mutation, str | None, str]] = [
    ("missing_type", "legacy/message", _drop("type"), "type", "no type"),
    ("empty_type", "legacy/message", _set("type", ""), "type", "no type"),
    (
        "unknown_type",
        "legacy/message",
        _set("type", "MESSAGE_DELETED"),
        "type",
        "Unknown event type",
    ),
    (
        "unspecified_type",
        "legacy/message",
        _set("type", "UNSPECIFIED"),
        "type",
        "Unknown event type",
    ),
    ("type_not_a_string", "legacy/message", _set("type", 7), "type", "must be a string"),
    (
        "space_as_string",
        "legacy/message",
        _set("space", "spaces/AAAA"),
        "space",
        "must be an object",
    ),
    ("no_space", "legacy/message", _drop("space"), "space", "no space"),
    ("no_user", "legacy/message", _drop("user"), "user", "no user"),
    ("user_without_name", "legacy/message", _drop("user.name"), "user.name", "no name"),
    ("space_without_name", "legacy/message", _set("space.name", ""), "space.name", "no name"),
    (
        "annotations_not_a_list",
        "legacy/message",
        _set("message.annotations", {"0": {}}),
        "message.annotations",
        "must be an array",
    ),
    (
        "annotation_not_an_object",
        "legacy/message",
        _set(ANNOTATION, "USER_MENTION"),
        ANNOTATION,
        "must be an object",
    ),
    (
        "start_index_object",
        "legacy/message",
        _set(f"{ANNOTATION}.startIndex", {"value": 14}),
        f"{ANNOTATION}.startIndex",
        "must be a number",
    ),
    (
        "start_index_fraction",
        "legacy/message",
        _set(f"{ANNOTATION}.startIndex", 14.5),
        f"{ANNOTATION}.startIndex",
        "whole number",
    ),
    (
        "start_index_bool",
        "legacy/message",
        _set(f"{ANNOTATION}.startIndex", True),
        f"{ANNOTATION}.startIndex",
        "not a boolean",
    ),
    ("text_not_a_string", "legacy/message", _set("message.text", ["hi"]), "message.text", "string"),
    ("message_not_an_object", "legacy/message", _set("message", "hi"), "message", "object"),
    ("message_missing", "legacy/message", _drop("message"), "message", "no message"),
    (
        "event_time_garbage",
        "legacy/message",
        _set("eventTime", "yesterday"),
        "eventTime",
        "RFC 3339",
    ),
    ("event_time_number", "legacy/message", _set("eventTime", 1768471200), "eventTime", "RFC 3339"),
    (
        "command_id_word",
        "legacy/slash_command_legacy",
        _set("message.slashCommand.commandId", "one"),
        "message.slashCommand.commandId",
        "whole number",
    ),
    (
        "app_command_id_nan_string",
        "legacy/app_command",
        _set("appCommandMetadata.appCommandId", "NaN"),
        "appCommandMetadata.appCommandId",
        "whole number",
    ),
    (
        "app_command_id_too_big",
        "legacy/app_command",
        _set("appCommandMetadata.appCommandId", 1e30),
        "appCommandMetadata.appCommandId",
        "out of range",
    ),
    (
        "app_command_without_any_id",
        "legacy/quick_command",
        _drop("appCommandMetadata"),
        "appCommandMetadata",
        "no appCommandMetadata",
    ),
    (
        "is_dialog_event_word",
        "legacy/dialog_submit",
        _set("isDialogEvent", "maybe"),
        "isDialogEvent",
        "boolean",
    ),
    (
        "parameters_not_strings",
        "legacy/card_clicked",
        _set("common.parameters.id", 42),
        "common.parameters.id",
        "string",
    ),
    (
        "action_parameters_not_list",
        "legacy/card_clicked",
        _set("action.parameters", {"id": "1"}),
        "action.parameters",
        "array",
    ),
    (
        "string_inputs_not_list",
        "legacy/dialog_submit",
        _set("common.formInputs.what.stringInputs.value", "x"),
        "common.formInputs.what.stringInputs.value",
        "array",
    ),
    (
        "string_input_number",
        "legacy/dialog_submit",
        _set("common.formInputs.what.stringInputs.value", [1]),
        "common.formInputs.what.stringInputs.value[0]",
        "strings",
    ),
    (
        "hours_25",
        "legacy/dialog_submit",
        _set("common.formInputs.at.timeInput.hours", 25),
        "common.formInputs.at.timeInput.hours",
        "between 0 and 23",
    ),
    (
        "date_out_of_range",
        "legacy/dialog_submit",
        _set("common.formInputs.day.dateInput.msSinceEpoch", "9" * 18),
        "common.formInputs.day.dateInput.msSinceEpoch",
        "out of range",
    ),
    (
        "time_zone_offset_text",
        "legacy/dialog_submit",
        _set("common.timeZone.offset", "+01:00"),
        "common.timeZone.offset",
        "whole number",
    ),
    (
        "time_zone_offset_a_week",
        "legacy/dialog_submit",
        _set("common.timeZone.offset", 604_800_000),
        "common.timeZone.offset",
        "out of range",
    ),
    (
        "addon_two_payloads",
        "addon/message",
        _set("chat.addedToSpacePayload", {"space": {"name": "spaces/A"}}),
        "chat",
        "more than one payload",
    ),
    ("addon_no_payload", "addon/message", _drop("chat.messagePayload"), "chat", "no payload"),
    (
        "addon_unknown_chat_type",
        "addon/removed_from_space",
        _all(_set("chat.type", "WHATEVER"), _drop("chat.removedFromSpacePayload")),
        "chat.type",
        "Unknown event type",
    ),
    ("addon_chat_as_string", "addon/message", _set("chat", "hello"), "chat", "must be an object"),
    (
        "addon_common_as_list",
        "addon/message",
        _set("commonEventObject", []),
        "commonEventObject",
        "object",
    ),
    (
        "addon_no_space",
        "addon/removed_from_space",
        _drop("chat.removedFromSpacePayload.space"),
        "chat.space",
        "no space",
    ),
    ("addon_no_user", "addon/message", _drop("chat.user"), "chat.user", "no user"),
    (
        "addon_payload_as_string",
        "addon/message",
        _set("chat.messagePayload", "x"),
        "chat.messagePayload",
        "object",
    ),
    (
        "addon_bad_offset",
        "addon/dialog_submit",
        _set("commonEventObject.timeZone.offset", -1.5e-3),
        "commonEventObject.timeZone.offset",
        "whole number",
    ),
    (
        "addon_bad_start_index",
        "addon/message",
        _set("chat.messagePayload.message.annotations[0].startIndex", {"n": 0}),
        "chat.messagePayload.message.annotations[0].startIndex",
        "must be a number",
    ),
]


@pytest.mark.parametrize(
    ("fixture", "mutate", "field", "words"),
    [c[1:] for c in BAD_EVENTS],
    ids=[c[0] for c in BAD_EVENTS],
)
def test_bad_events(
    load: Callable[[str, str], dict[str, Any]],
    fixture: str,
    mutate: Mutation,
    field: str | None,
    words: str,
) -> None:
    payload = copy.deepcopy(load(*fixture.split("/")))
    mutate(payload)
    with pytest.raises(BadEvent) as caught:
        parse_event(payload)
    error = caught.value
    assert not isinstance(error, UnsupportedEvent)
    assert error.field == field
    assert words in error.message
    assert error.message in str(error)


def test_empty_object_has_no_type() -> None:
    with pytest.raises(BadEvent) as caught:
        parse_event({})
    assert caught.value.field == "type"


def test_a_non_object_payload_is_a_bad_event() -> None:
    with pytest.raises(BadEvent, match="must be an object"):
        parse_event(["MESSAGE"])  # type: ignore[arg-type]


def test_bodies_that_load_but_do_not_parse() -> None:
    for body in (b"{}", json.dumps({"type": "MESSAGE", "space": "spaces/A"}).encode()):
        with pytest.raises(BadEvent):
            parse_event(load_body(body))


def test_a_huge_type_is_not_echoed_back() -> None:
    with pytest.raises(BadEvent) as caught:
        parse_event(
            {"type": "X" * 100_000, "space": {"name": "spaces/A"}, "user": {"name": "users/1"}}
        )
    assert len(caught.value.message) < 100
