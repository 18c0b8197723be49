"""Every event type, in both formats, through the deployed entry point; and every malformed body."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from google.apps import card_v1, chat_v1

from shared.core.feature import Feature
from shared.core.router import Router
from tests.scenarios.conftest import ChatHarness, fixture, fixture_names


def strict_message(payload: dict[str, Any]) -> chat_v1.Message:
    """Parse as Google's Message proto, rejecting unknown fields."""
    return chat_v1.Message.from_json(json.dumps(payload), ignore_unknown_fields=False)


def check_addon(body: dict[str, Any]) -> None:
    """Add-on answers: messages parse as Message, dialog cards as card_v1.Card."""
    data = body.get("hostAppDataAction", {}).get("chatDataAction", {})
    for key in ("createMessageAction", "updateMessageAction"):
        if key in data:
            strict_message(data[key]["message"])
    for navigation in body.get("action", {}).get("navigations", []):
        for key in ("pushCard", "updateCard"):
            if key in navigation:
                card_v1.Card.from_json(json.dumps(navigation[key]), ignore_unknown_fields=False)


@pytest.mark.parametrize("name", fixture_names("legacy"))
def test_every_legacy_event_gets_a_reply_google_would_accept(
    harness: ChatHarness, name: str
) -> None:
    response = harness.post(fixture("legacy", name))
    assert response.status_code == 200, response.get_data(as_text=True)
    strict_message(response.json)


@pytest.mark.parametrize("name", fixture_names("addon"))
def test_every_addon_event_gets_a_reply_google_would_accept(
    make_harness: Callable[..., ChatHarness], name: str
) -> None:
    harness = make_harness("addon")
    response = harness.post(fixture("addon", name))
    assert response.status_code == 200, response.get_data(as_text=True)
    check_addon(response.json)


def test_help_lists_the_routers_commands_in_both_formats(
    make_harness: Callable[..., ChatHarness],
) -> None:
    legacy = make_harness("project_number").post(fixture("legacy", "slash_command_legacy")).json
    widgets = legacy["cardsV2"][0]["card"]["sections"][0]["widgets"]
    texts = [w["decoratedText"]["text"] for w in widgets]
    assert "<b>/help</b>" in texts
    assert "<b>/invite</b> @person [@person ...]" in texts
    event = fixture("addon", "app_command")
    payload = event["chat"]["appCommandPayload"]
    payload["appCommandMetadata"]["appCommandId"] = 1.0
    del payload["message"]  # quick commands carry only the ID
    addon = make_harness("addon").post(event).json
    message = addon["hostAppDataAction"]["chatDataAction"]["createMessageAction"]["message"]
    assert message["cardsV2"][0]["cardId"] == "help"


def test_the_welcome_card_differs_between_a_dm_and_a_space(harness: ChatHarness) -> None:
    dm = harness.post(fixture("legacy", "added_to_space_dm")).get_data(as_text=True)
    room = harness.post(fixture("legacy", "added_to_space_room")).get_data(as_text=True)
    assert "Talk to me here" in dm
    assert "Thanks for adding me" in room


def test_removed_from_space_is_acknowledged_with_an_empty_body(harness: ChatHarness) -> None:
    response = harness.post(fixture("legacy", "removed_from_space"))
    assert response.status_code == 200
    assert response.json == {}


def test_an_unhandled_event_gets_a_polite_reply_and_a_ready_to_paste_handler(
    harness: ChatHarness, caplog: pytest.LogCaptureFixture
) -> None:
    event = fixture("legacy", "card_clicked")
    event["common"]["invokedFunction"] = "archiveReport"
    event["action"]["actionMethodName"] = "archiveReport"
    with caplog.at_level(logging.INFO):
        response = harness.post(event)
    assert response.status_code == 200
    assert "don't know how to do that yet" in response.json["text"]
    hint = next(r.getMessage() for r in caplog.records if "No handler" in r.getMessage())
    assert "@router.action('archiveReport')" in hint
    assert "def archivereport(event: CardClickEvent, ctx: Context) -> Response:" in hint


def test_a_failing_handler_gives_a_friendly_message_and_a_logged_traceback(
    make_harness: Callable[..., ChatHarness],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = Router()

    @broken.command("/boom", command_id=9)
    def boom(event: object, ctx: object) -> None:
        raise RuntimeError("database on fire")

    harness = make_harness(
        "project_number",
        extra_features=[Feature("broken", broken)],
        NUDGE_COMMAND_IDS="/help=1,/boom=9",
    )
    event = fixture("legacy", "app_command")
    event["appCommandMetadata"]["appCommandId"] = 9
    trace = "105445aa7843bc8bf206b12000100000"
    with caplog.at_level(logging.ERROR):
        response = harness.post(event, **{"X-Cloud-Trace-Context": f"{trace}/1;o=1"})
    assert response.status_code == 200
    assert "something went wrong" in response.json["text"]
    assert trace[:12] in response.json["text"]
    assert "database on fire" not in response.get_data(as_text=True)
    failure = next(r for r in caplog.records if "failed" in r.getMessage())
    assert failure.exc_info is not None
    from shared.log import JsonFormatter

    line = json.loads(JsonFormatter("nudge-test").format(failure))
    assert line["severity"] == "ERROR"
    assert "database on fire" in line["message"]


MALFORMED: list[tuple[str, bytes]] = [
    ("not json", b"{this is not json"),
    ("not utf-8", b'{"type": "\xff"}'),
    ("an array", b'[{"type": "MESSAGE"}]'),
    ("an empty object", b"{}"),
    ("a string", b'"MESSAGE"'),
    ("unknown type", json.dumps({"type": "TELEPORT", "space": {"name": "spaces/A"}}).encode()),
    (
        "missing type",
        json.dumps({"space": {"name": "spaces/A"}, "user": {"name": "users/1"}}).encode(),
    ),
    (
        "space is a string",
        json.dumps({**fixture("legacy", "message"), "space": "spaces/A"}).encode(),
    ),
    (
        "annotations not a list",
        json.dumps(
            {**fixture("legacy", "message"), "message": {"text": "hi", "annotations": "x"}}
        ).encode(),
    ),
    ("deep nesting", b'{"type":' + b"[" * 10_000 + b"]" * 10_000 + b"}"),
]


@pytest.mark.parametrize(("case", "body"), MALFORMED, ids=[c for c, _ in MALFORMED])
def test_malformed_bodies_get_400_with_a_clear_json_error(
    harness: ChatHarness, case: str, body: bytes
) -> None:
    response = harness.post(body)
    assert response.status_code == 400, case
    error = response.json["error"]
    assert error["message"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert 'File "' not in text


def test_a_body_over_the_limit_gets_413_with_the_real_limit(harness: ChatHarness) -> None:
    response = harness.post(b'{"type":"MESSAGE","pad":"' + b"x" * 1_100_000 + b'"}')
    assert response.status_code == 413
    error = response.json["error"]
    assert error["code"] == "body_too_large"
    assert "1,000,000 bytes" in error["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_get_is_refused_with_405(harness: ChatHarness) -> None:
    response = harness.client.get("/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
