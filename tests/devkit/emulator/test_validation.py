"""Validation against the discovery document, with Google's error bodies (raw HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.emulator import discovery

MESSAGES = "v1/spaces/AAAA/messages"
DEV = "users/100000000000000000001"


def test_discovery_document_is_the_bundled_one() -> None:
    doc = discovery.load()
    assert doc.document["rootUrl"] == "https://chat.googleapis.com/"
    assert doc.document["servicePath"] == ""
    create = doc.methods["chat.spaces.messages.create"]
    assert (create.http_method, create.path) == ("POST", "v1/{+parent}/messages")


def test_unknown_query_parameter(raw: Any, error_of: Any) -> None:
    reply = raw("POST", f"{MESSAGES}?bogus=1", {"text": "x"})
    error = error_of(reply)
    assert (reply.status, error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"] == (
        'Invalid JSON payload received. Unknown name "bogus": Cannot bind query parameter. '
        "Field 'bogus' could not be found in request message."
    )


def test_snake_case_query_and_body_are_accepted(raw: Any) -> None:
    body = {"text": "x", "thread": {"thread_key": "k"}}
    query = "message_reply_option=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD&request_id=r1&alt=json"
    first = raw("POST", f"{MESSAGES}?{query}", body)
    assert first.status == 200, first.body
    assert first.body["thread"]["threadKey"] == "k"
    second = raw(
        "POST", f"{MESSAGES}?messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD", body
    )
    assert second.body["thread"]["name"] == first.body["thread"]["name"]
    card = {"card_id": "c", "card": {"header": {"title": "T"}}}
    with_card = raw("POST", MESSAGES, {"cards_v2": [card]})
    assert with_card.body["cardsV2"] == [{"cardId": "c", "card": {"header": {"title": "T"}}}]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("messageReplyOption=SOMETIMES", "Invalid value at 'message_reply_option' (TYPE_ENUM)"),
        ("createMessageNotificationOptions.notificationType=LOUD", "(TYPE_ENUM)"),
        ("$.xgafv=3", "(TYPE_ENUM)"),
    ],
)
def test_bad_enum_query_values(raw: Any, error_of: Any, query: str, fragment: str) -> None:
    error = error_of(raw("POST", f"{MESSAGES}?{query}", {"text": "x"}))
    assert error["status"] == "INVALID_ARGUMENT"
    assert fragment in error["message"]


def test_bad_typed_query_values(raw: Any, error_of: Any, emu: Any) -> None:
    emu.register_token("reader", kind="user", user=DEV, scopes=["chat.messages"])
    bad_bool = raw(
        "PATCH", f"{MESSAGES}/client-x?allowMissing=maybe&updateMask=text", {"text": "x"}
    )
    assert "Invalid value at 'allow_missing' (TYPE_BOOL)" in error_of(bad_bool)["message"]
    bad_int = raw("GET", f"{MESSAGES}?pageSize=lots", token="reader")
    assert bad_int.status == 400


def test_unknown_body_fields_at_every_depth(raw: Any, error_of: Any) -> None:
    error = error_of(raw("POST", MESSAGES, {"text": "x", "foo": 1}))
    assert error["message"] == (
        "Invalid JSON payload received. Unknown name \"foo\" at 'message': Cannot find field."
    )
    deep = {"cardsV2": [{"cardId": "c", "card": {"header": {"title": "T", "colour": "red"}}}]}
    error = error_of(raw("POST", MESSAGES, deep))
    assert (
        "Unknown name \"colour\" at 'message.cards_v2[0].card.header': Cannot find field."
        in error["message"]
    )


def test_wrong_json_types_and_enum_values(raw: Any, error_of: Any, emu: Any) -> None:
    assert (
        "'message.text' (TYPE_STRING), 123"
        in error_of(raw("POST", MESSAGES, {"text": 123}))["message"]
    )
    as_list = error_of(raw("POST", MESSAGES, {"text": ["a"]}))["message"]
    assert "Proto field is not repeating, cannot start list." in as_list
    thread = error_of(raw("POST", MESSAGES, {"text": "x", "thread": "t"}))["message"]
    assert "Invalid value at 'message.thread' (type.googleapis.com/google.chat.v1.Thread)" in thread
    emu.register_token("admin", kind="user", user=DEV, scopes=["chat.memberships"])
    role = {"member": {"name": "users/x", "type": "HUMAN"}, "role": "BOSS"}
    error = error_of(raw("POST", "v1/spaces/AAAA/members", role, token="admin"))
    assert "Invalid value at 'membership.role' (TYPE_ENUM), \"BOSS\"" in error["message"]


def test_output_only_fields_are_ignored(raw: Any) -> None:
    reply = raw(
        "POST", MESSAGES, {"text": "x", "sender": {"name": "users/evil"}, "threadReply": True}
    )
    assert reply.status == 200
    assert reply.body["sender"]["name"] == "users/app"


@pytest.mark.parametrize(
    "message_id",
    ["custom-name", "client-UPPER", "client-under_score", "client-" + "a" * 57, "client-"],
)
def test_bad_message_ids(raw: Any, error_of: Any, message_id: str) -> None:
    error = error_of(raw("POST", f"{MESSAGES}?messageId={message_id}", {"text": "x"}))
    assert error["status"] == "INVALID_ARGUMENT"


def test_longest_valid_message_id(raw: Any) -> None:
    message_id = "client-" + "a" * 56
    assert raw("POST", f"{MESSAGES}?messageId={message_id}", {"text": "x"}).status == 200


def test_message_size_limit(raw: Any, error_of: Any, emu: Any) -> None:
    error = error_of(raw("POST", MESSAGES, {"text": "a" * 32_001}))
    assert error["status"] == "INVALID_ARGUMENT"
    assert "32000" in error["message"]
    assert raw("POST", MESSAGES, {"text": "é" * 15_990}).status == 200  # 31,980 bytes
    assert error_of(raw("POST", MESSAGES, {"text": "é" * 16_001}))["code"] == 400
    assert len(emu.messages("AAAA")) == 1


def test_empty_and_malformed_bodies(raw: Any, error_of: Any) -> None:
    assert "empty" in error_of(raw("POST", MESSAGES, {}))["message"]
    bad = raw("POST", MESSAGES, data=b"{not json")
    assert error_of(bad)["message"].startswith("Invalid JSON payload received.")


def test_auth_errors(raw: Any, error_of: Any) -> None:
    missing = raw("POST", MESSAGES, {"text": "x"}, token=None)
    error = error_of(missing)
    assert (missing.status, error["status"]) == (401, "UNAUTHENTICATED")
    assert error["message"].startswith("Request is missing required authentication credential.")


def test_unknown_routes_and_unimplemented_methods(raw: Any, error_of: Any) -> None:
    assert error_of(raw("GET", "v1/nothing/here"))["status"] == "NOT_FOUND"
    assert error_of(raw("GET", "v2/spaces"))["status"] == "NOT_FOUND"
    unimplemented = raw("POST", "v1/spaces", {"spaceType": "SPACE"})
    assert (unimplemented.status, error_of(unimplemented)["status"]) == (501, "UNIMPLEMENTED")
