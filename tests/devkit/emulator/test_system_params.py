"""Google's system parameters and proto3 JSON enums (names or numbers), over plain HTTP."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import pytest
from google.apps import card_v1, chat_v1

from devkit.emulator import ChatEmulator, discovery, enums

MESSAGES = "v1/spaces/AAAA/messages"
MEMBERS = "v1/spaces/AAAA/members"
INTS = "json;enum-encoding=int"
DEV = "users/100000000000000000001"
INVITEE = {"name": "users/invitee@example.com", "type": "HUMAN"}


def query(*pairs: tuple[str, str]) -> str:
    return urllib.parse.urlencode(pairs)


@pytest.fixture
def admin(emu: ChatEmulator) -> str:
    """A user token that may add members (``chat.memberships``)."""
    emu.register_token("admin", kind="user", user=DEV, scopes=["chat.memberships"])
    return "admin"


# --- enum-encoding=int in responses ------------------------------------------------------------


@pytest.mark.parametrize("alt", ["$alt", "alt"])
def test_int_encoding_answers_numbers_at_every_depth(raw: Any, alt: str) -> None:
    space = raw("GET", f"v1/spaces/AAAA?{query((alt, INTS))}")
    assert space.status == 200, space.body
    assert space.body["spaceType"] == chat_v1.Space.SpaceType.SPACE == 1
    assert space.body["type"] == chat_v1.Space.Type.ROOM
    assert space.body["spaceThreadingState"] == 2  # THREADED_MESSAGES: proto 2, discovery index 1
    assert space.body["spaceHistoryState"] == chat_v1.HistoryState.HISTORY_ON
    assert space.body["displayName"] == "Local team"

    card = {"sections": [{"widgets": [{"textParagraph": {"text": "t"}, "horizontalAlignment": 2}]}]}
    message = raw("POST", f"{MESSAGES}?{query(('$alt', INTS))}", {"cardsV2": [{"card": card}]})
    assert message.body["sender"]["type"] == chat_v1.User.Type.BOT
    assert message.body["space"]["spaceType"] == 1
    widget = message.body["cardsV2"][0]["card"]["sections"][0]["widgets"][0]
    assert widget["horizontalAlignment"] == card_v1.Widget.HorizontalAlignment.CENTER

    listed = raw("GET", f"{MEMBERS}?{query(('$alt', INTS))}")
    assert {(m["state"], m["role"], m["member"]["type"]) for m in listed.body["memberships"]} == {
        (1, 1, 1)  # JOINED, ROLE_MEMBER, HUMAN
    }


@pytest.mark.parametrize("alt", ["", "alt=json", "$alt=json", "alt=json;enum-encoding=string"])
def test_json_without_int_encoding_answers_names(raw: Any, alt: str) -> None:
    space = raw("GET", "v1/spaces/AAAA?" + query(*urllib.parse.parse_qsl(alt)))
    assert space.status == 200, space.body
    assert (space.body["spaceType"], space.body["spaceThreadingState"]) == (
        "SPACE",
        "THREADED_MESSAGES",
    )


def test_unencoded_dollar_and_semicolon_work_too(raw: Any) -> None:
    space = raw("GET", "v1/spaces/AAAA?$alt=json;enum-encoding=int&$prettyPrint=false")
    assert space.status == 200, space.body
    assert space.body["spaceType"] == 1


# --- every system parameter, both spellings ------------------------------------------------------


@pytest.mark.parametrize(
    "pair",
    [
        ("$alt", "json"),
        ("alt", "json"),
        ("$fields", "name,spaceType"),
        ("fields", "name"),
        ("$prettyPrint", "true"),
        ("prettyPrint", "false"),
        ("$.xgafv", "1"),
        ("$.xgafv", "2"),
        ("$quotaUser", "someone"),
        ("quotaUser", "someone"),
        ("$callback", "cb"),
        ("callback", "cb"),
        ("key", "an-api-key"),
        ("access_token", "app"),
        ("oauth_token", "app"),
    ],
)
def test_system_parameters_are_accepted(raw: Any, pair: tuple[str, str]) -> None:
    reply = raw("GET", f"v1/spaces/AAAA?{query(pair)}")
    assert reply.status == 200, reply.body
    assert reply.body["name"] == "spaces/AAAA"


def test_a_google_apps_chat_query_is_accepted(raw: Any) -> None:
    """What the REST transport sends for ``create_message``, enum as a number."""
    sent = query(
        ("messageReplyOption", "1"),
        ("requestId", "r-1"),
        ("$alt", INTS),
        ("$.xgafv", "2"),
        ("$quotaUser", "u"),
    )
    reply = raw("POST", f"{MESSAGES}?{sent}", {"text": "x", "thread": {"threadKey": "k"}})
    assert reply.status == 200, reply.body
    assert reply.body["sender"]["type"] == 2


def test_access_token_authenticates_like_a_bearer_token(raw: Any, emu: ChatEmulator) -> None:
    emu.register_token("dev-token", kind="user", user=DEV, scopes=["chat.messages"])
    reply = raw(
        "POST", f"{MESSAGES}?{query(('access_token', 'dev-token'))}", {"text": "hi"}, token=None
    )
    assert reply.status == 200, reply.body
    assert reply.body["sender"]["name"] == DEV


def test_pretty_print_false_is_compact(emu: ChatEmulator) -> None:
    def text(suffix: str) -> str:
        request = urllib.request.Request(
            f"{emu.url}v1/spaces/AAAA{suffix}", headers={"Authorization": "Bearer app"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(response.read().decode())

    compact, pretty = text("?$prettyPrint=false"), text("?prettyPrint=true")
    assert "\n" not in compact
    assert pretty.startswith("{\n  ")
    assert json.loads(compact) == json.loads(pretty)


@pytest.mark.parametrize(
    ("pair", "status", "fragment"),
    [
        (("$alt", "xml"), 400, "Invalid value at 'alt' (TYPE_ENUM), \"xml\""),
        (("alt", "json;enum-encoding=hex"), 400, "Invalid alt option 'enum-encoding=hex'"),
        (("$alt", "json;compact"), 400, "Invalid alt option 'compact'"),
        (("$alt", "proto"), 501, "alt=proto is not implemented"),
        (("$prettyPrint", "maybe"), 400, "Invalid value at 'pretty_print' (TYPE_BOOL)"),
        (("$.xgafv", "3"), 400, "Invalid value at '$.xgafv' (TYPE_ENUM)"),
    ],
)
def test_bad_system_parameter_values(
    raw: Any, error_of: Any, pair: tuple[str, str], status: int, fragment: str
) -> None:
    reply = raw("GET", f"v1/spaces/AAAA?{query(pair)}")
    assert reply.status == status
    assert fragment in error_of(reply)["message"]


@pytest.mark.parametrize("name", ["bogus", "$bogus", "$key", "$access_token", "$.fields"])
def test_other_unknown_parameters_are_still_rejected(raw: Any, error_of: Any, name: str) -> None:
    error = error_of(raw("GET", f"v1/spaces/AAAA?{query((name, '1'), ('$alt', INTS))}"))
    assert error["status"] == "INVALID_ARGUMENT"
    assert f'Unknown name "{name}": Cannot bind query parameter.' in error["message"]


# --- enums given as numbers ----------------------------------------------------------------------


def test_enum_numbers_in_queries(raw: Any) -> None:
    body = {"text": "x", "thread": {"threadKey": "k"}}
    first = raw("POST", f"{MESSAGES}?messageReplyOption=1", body)
    second = raw(
        "POST", f"{MESSAGES}?messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD", body
    )
    assert first.status == second.status == 200
    assert first.body["thread"]["name"] == second.body["thread"]["name"]
    unspecified = raw("POST", f"{MESSAGES}?message_reply_option=0", body)
    assert unspecified.body["thread"]["name"] != first.body["thread"]["name"]
    # NOTIFICATION_TYPE_SILENT is proto 3, at index 2 in the discovery document.
    silent = raw("POST", f"{MESSAGES}?createMessageNotificationOptions.notificationType=3", body)
    assert silent.status == 200, silent.body


def test_enum_numbers_in_bodies(raw: Any, admin: str) -> None:
    # ROLE_ASSISTANT_MANAGER is proto 4 (3 is unused), at index 3 in the discovery document.
    created = raw("POST", MEMBERS, {"member": INVITEE, "role": 4}, token=admin)
    assert created.status == 200, created.body
    assert created.body["role"] == "ROLE_ASSISTANT_MANAGER"
    as_text = raw(
        "POST", MEMBERS, {"member": {"name": "users/alex@example.com"}, "role": "2"}, token=admin
    )
    assert as_text.status == 409  # parsed (ROLE_MANAGER); Alex is already a member
    fetched = raw("GET", f"{MEMBERS}/100000000000000000003?{query(('$alt', INTS))}")
    assert fetched.body["role"] == chat_v1.Membership.MembershipRole.ROLE_ASSISTANT_MANAGER == 4


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            f"{MESSAGES}?messageReplyOption=7",
            {"text": "x"},
            "Invalid value at 'message_reply_option' (TYPE_ENUM), \"7\": no value is numbered 7; "
            "expected a name or 0 (MESSAGE_REPLY_OPTION_UNSPECIFIED), "
            "1 (REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD), 2 (REPLY_MESSAGE_OR_FAIL)",
        ),
        (
            f"{MESSAGES}?createMessageNotificationOptions.notificationType=1",
            {"text": "x"},
            "Invalid value at 'create_message_notification_options.notification_type' "
            '(TYPE_ENUM), "1": no value is numbered 1',
        ),
        (
            f"{MESSAGES}?messageReplyOption=-1",
            {"text": "x"},
            "no value is numbered -1",
        ),
    ],
)
def test_out_of_range_enum_numbers_in_queries(
    raw: Any, error_of: Any, path: str, body: Any, message: str
) -> None:
    reply = raw("POST", path, body)
    assert reply.status == 400
    assert message in error_of(reply)["message"]


@pytest.mark.parametrize(
    ("role", "message"),
    [
        (3, "Invalid value at 'membership.role' (TYPE_ENUM), 3: no value is numbered 3; "),
        (99, "Invalid value at 'membership.role' (TYPE_ENUM), 99: no value is numbered 99; "),
        (True, "Invalid value at 'membership.role' (TYPE_ENUM), true"),
        (1.5, "Invalid value at 'membership.role' (TYPE_ENUM), 1.5"),
    ],
)
def test_out_of_range_enum_numbers_in_bodies(
    raw: Any, error_of: Any, admin: str, role: Any, message: str
) -> None:
    reply = raw("POST", MEMBERS, {"member": INVITEE, "role": role}, token=admin)
    assert reply.status == 400
    assert message in error_of(reply)["message"]


# --- the numbering -------------------------------------------------------------------------------


def _proto_fields() -> list[tuple[str, str, list[str], dict[str, int]]]:
    """Every enum field of chat.v1.json with its proto field's numbering."""
    by_name: dict[str, list[Any]] = {}

    def add(message: Any, prefix: str) -> None:
        by_name.setdefault(prefix + message.name, []).append(message)
        for nested in message.nested_types:
            add(nested, prefix)

    for module, prefix in ((chat_v1, ""), (card_v1, "GoogleAppsCardV1")):
        for value in vars(module).values():
            meta = getattr(value, "meta", None)
            if meta is not None and hasattr(meta, "pb"):
                add(meta.pb.DESCRIPTOR, prefix)
    found = []
    for schema_name, schema in discovery.load().schemas.items():
        for prop, spec in schema.get("properties", {}).items():
            values = (spec.get("items") or spec).get("enum")
            candidates = by_name.get(schema_name.replace("GoogleChatV1", ""), [])
            fields = [m.fields_by_camelcase_name.get(prop) for m in candidates]
            enum_type = next((f.enum_type for f in fields if f is not None and f.enum_type), None)
            if values and enum_type is not None:
                numbers = {v.name: v.number for v in enum_type.values}
                found.append((schema_name, prop, values, numbers))
    return found


def test_numbers_are_the_proto_numbers_for_every_enum_field() -> None:
    fields = _proto_fields()
    assert len(fields) > 50
    for schema_name, prop, values, numbers in fields:
        expected = {name: numbers[name] for name in values}
        assert dict(enums.numbering(tuple(values))) == expected, f"{schema_name}.{prop}"
    differing = {f"{s}.{p}" for s, p, v, n in fields if [n[x] for x in v] != list(range(len(v)))}
    assert {"Membership.role", "Space.spaceThreadingState", "ImageButton.icon"} <= differing


def test_enums_no_proto_defines_are_numbered_in_document_order() -> None:
    values = ("WIDGET_STATE_UNSPECIFIED", "WOBBLY", "STEADY")
    assert dict(enums.numbering(values)) == {
        "WIDGET_STATE_UNSPECIFIED": 0,
        "WOBBLY": 1,
        "STEADY": 2,
    }
    assert enums.parse(values, "2") == enums.parse(values, 2) == "STEADY"
    with pytest.raises(enums.EnumError, match="no value is numbered 3"):
        enums.parse(values, 3)
