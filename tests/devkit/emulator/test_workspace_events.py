"""The emulator's Workspace Events API: validation against workspaceevents.v1.json, auth,
one subscription per principal and target, TTLs, operations, lifecycle, and published events."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from devkit.emulator import ChatEmulator, discovery

DEV = "users/100000000000000000001"
ALEX = "users/100000000000000000002"
TARGET = "//chat.googleapis.com/spaces/AAAA"
TOPIC = "projects/nudge-test/topics/events"
CHAT = "google.workspace.chat."
MESSAGE_TYPES = [f"{CHAT}message.v1.{a}" for a in ("created", "updated", "deleted")]
READ = ["chat.messages.readonly", "chat.memberships.readonly", "chat.messages.reactions.readonly"]


@pytest.fixture
def tokens(emu: ChatEmulator) -> None:
    emu.register_token("dev", user=DEV, scopes=READ)
    emu.register_token("alex", user=ALEX, scopes=[*READ, "chat.messages.reactions.create"])
    emu.register_token(
        "approved-app",
        kind="app",
        scopes=["chat.bot", "chat.app.messages.readonly", "chat.app.memberships"],
    )


def body(**overrides: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "targetResource": TARGET,
        "eventTypes": MESSAGE_TYPES,
        "notificationEndpoint": {"pubsubTopic": TOPIC},
        "payloadOptions": {"includeResource": True},
    }
    out.update(overrides)
    return out


@pytest.fixture
def subscribe(raw: Any, tokens: None) -> Callable[..., dict[str, Any]]:
    """``subscribe(token, **body overrides)``: create and return the Subscription."""

    def create(token: str = "dev", **overrides: Any) -> dict[str, Any]:
        reply = raw("POST", "v1/subscriptions", body(**overrides), token=token)
        assert reply.status == 200, reply.body
        assert reply.body["done"] is True
        response: dict[str, Any] = reply.body["response"]
        assert response.pop("@type").endswith("google.apps.events.subscriptions.v1.Subscription")
        return response

    return create


def decoded(record: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(record["message"]["data"]))


def of_type(emu: ChatEmulator, suffix: str) -> list[dict[str, Any]]:
    return [
        r for r in emu.published() if r["message"]["attributes"]["ce-type"].endswith("." + suffix)
    ]


# --- discovery and validation ----------------------------------------------------------------


def test_routes_come_from_the_bundled_discovery_document() -> None:
    doc = discovery.load_workspace_events()
    assert doc.document["rootUrl"] == "https://workspaceevents.googleapis.com/"
    assert set(doc.methods) >= {
        "workspaceevents.subscriptions.create",
        "workspaceevents.subscriptions.get",
        "workspaceevents.subscriptions.list",
        "workspaceevents.subscriptions.patch",
        "workspaceevents.subscriptions.delete",
        "workspaceevents.subscriptions.reactivate",
        "workspaceevents.operations.get",
    }
    assert doc.match("POST", "/v1/subscriptions/abc:reactivate")[0].id.endswith("reactivate")  # type: ignore[index]


def test_bodies_and_queries_are_validated(raw: Any, error_of: Any, tokens: None) -> None:
    unknown = raw("POST", "v1/subscriptions", body(bogus=1), token="dev")
    assert error_of(unknown)["message"] == (
        "Invalid JSON payload received. Unknown name \"bogus\" at 'subscription': "
        "Cannot find field."
    )
    wrong_type = raw("POST", "v1/subscriptions", body(payloadOptions="x"), token="dev")
    assert (
        "(type.googleapis.com/google.apps.events.subscriptions.v1.PayloadOptions)"
        in (error_of(wrong_type)["message"])
    )
    query = raw("POST", "v1/subscriptions?dryRun=true", body(), token="dev")
    assert 'Unknown name "dryRun"' in error_of(query)["message"]
    assert raw("GET", "v1/subscriptions/a/b", token="dev").status == 404


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"eventTypes": [f"{CHAT}message.v1.sent"]}, "Invalid event type"),
        ({"eventTypes": [f"{CHAT}message.v1.batchCreated"]}, "Invalid event type"),
        ({"eventTypes": ["google.workspace.events.subscription.v1.expired"]}, "Invalid event"),
        ({"eventTypes": []}, "event_types is required"),
        ({"targetResource": "spaces/AAAA"}, "Invalid target resource"),
        ({"notificationEndpoint": {"pubsubTopic": "t"}}, "pubsub_topic"),
        ({"payloadOptions": {"fieldMask": "message.text"}}, "field_mask needs"),
        ({"ttl": "5h"}, "Invalid ttl"),
        ({"ttl": "14401s"}, "maximum lifetime"),
        ({"ttl": "60s", "expireTime": "2999-01-01T00:00:00Z"}, "not both"),
        ({"expireTime": "2000-01-01T00:00:00Z"}, "in the future"),
    ],
)
def test_create_refuses_what_google_refuses(
    raw: Any, error_of: Any, tokens: None, overrides: dict[str, Any], fragment: str
) -> None:
    reply = raw("POST", "v1/subscriptions", body(**overrides), token="dev")
    error = error_of(reply)
    assert (reply.status, error["status"]) == (400, "INVALID_ARGUMENT")
    assert fragment in error["message"]


@pytest.mark.parametrize(
    "filter_",
    [
        "",
        "garbage",
        f'event_types:"{CHAT}message.v1.sent"',
        f'target_resource="{TARGET}"',
        f'event_types:"{CHAT}message.v1.created" AND target_resource="a" AND target_resource="b"',
        f'event_types:"{CHAT}message.v1.created" OR',
    ],
)
def test_list_refuses_bad_filters(raw: Any, error_of: Any, tokens: None, filter_: str) -> None:
    from urllib.parse import quote

    reply = raw("GET", f"v1/subscriptions?filter={quote(filter_)}", token="dev")
    assert (reply.status, error_of(reply)["status"]) == (400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    ("mask", "patch", "fragment"),
    [
        ("state", {"ttl": "0s"}, "Invalid update_mask path 'state'"),
        ("target_resource", {"ttl": "0s"}, "Invalid update_mask path"),
        ("ttl,expire_time", {"ttl": "0s"}, "not both"),
        ("", {}, "update_mask is required"),
        ("ttl", {"ttl": "-5s"}, "Invalid ttl"),
        ("event_types", {"eventTypes": ["nope"]}, "Invalid event type"),
    ],
)
def test_patch_refuses_bad_masks(
    raw: Any,
    error_of: Any,
    subscribe: Callable[..., dict[str, Any]],
    mask: str,
    patch: dict[str, Any],
    fragment: str,
) -> None:
    name = subscribe()["name"]
    query = f"?updateMask={mask}" if mask else ""
    reply = raw("PATCH", f"v1/{name}{query}", patch, token="dev")
    assert reply.status == 400
    assert fragment in error_of(reply)["message"]


# --- auth ------------------------------------------------------------------------------------


def test_auth_and_scopes(raw: Any, error_of: Any, tokens: None) -> None:
    missing = raw("POST", "v1/subscriptions", body(), token=None)
    assert (missing.status, error_of(missing)["status"]) == (401, "UNAUTHENTICATED")
    app = raw("POST", "v1/subscriptions", body(), token="app")  # chat.bot only
    assert (app.status, error_of(app)["message"]) == (
        403,
        "Request had insufficient authentication scopes.",
    )
    spaces = raw(
        "POST", "v1/subscriptions", body(eventTypes=[f"{CHAT}space.v1.updated"]), token="dev"
    )
    assert spaces.status == 403
    approved = raw("POST", "v1/subscriptions", body(), token="approved-app")
    assert approved.status == 200, approved.body
    sub = approved.body["response"]
    assert "authority" not in sub
    assert sub["serviceAccountAuthority"].startswith("projects/")
    people = body(targetResource="//chat.googleapis.com/spaces/-")
    assert raw("POST", "v1/subscriptions", people, token="approved-app").status == 400
    assert raw("POST", "v1/subscriptions", people, token="dev").status == 200
    outsider = body(targetResource="//chat.googleapis.com/spaces/DM1")
    assert raw("POST", "v1/subscriptions", outsider, token="alex").status == 403


def test_one_subscription_per_principal_per_target(
    raw: Any, error_of: Any, subscribe: Callable[..., dict[str, Any]]
) -> None:
    first = subscribe()
    again = raw(
        "POST", "v1/subscriptions", body(eventTypes=[f"{CHAT}reaction.v1.created"]), token="dev"
    )
    error = error_of(again)
    assert (again.status, error["status"]) == (409, "ALREADY_EXISTS")
    assert first["name"] in error["message"]
    assert subscribe("alex")["name"] != first["name"]  # another user may


# --- the resource, TTLs and operations -------------------------------------------------------


def test_subscription_shape_and_ttls(subscribe: Callable[..., dict[str, Any]]) -> None:
    sub = subscribe()
    assert sub["state"] == "ACTIVE"
    assert sub["authority"] == sub["userAuthority"] == DEV
    assert sub["notificationEndpoint"] == {"pubsubTopic": TOPIC}
    created = dt.datetime.fromisoformat(sub["createTime"])
    assert dt.datetime.fromisoformat(sub["expireTime"]) - created == dt.timedelta(hours=4)
    names = subscribe("alex", payloadOptions={"includeResource": False})
    created = dt.datetime.fromisoformat(names["createTime"])
    assert dt.datetime.fromisoformat(names["expireTime"]) - created == dt.timedelta(days=7)


def test_list_pages_and_sees_only_the_callers(
    raw: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    for index in range(3):
        emu.add_space(f"spaces/P{index}", members=[DEV])
        subscribe(targetResource=f"//chat.googleapis.com/spaces/P{index}")
    subscribe("alex")
    seen: list[str] = []
    token = ""
    filter_ = f'event_types:"{CHAT}message.v1.created"'
    while True:
        page = raw("GET", f"v1/subscriptions?filter={filter_}&pageSize=2{token}", token="dev")
        seen += [s["name"] for s in page.body.get("subscriptions", [])]
        if "nextPageToken" not in page.body:
            break
        token = f"&pageToken={page.body['nextPageToken']}"
    assert len(seen) == len(set(seen)) == 3


def test_operations(raw: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]) -> None:
    emu.set_pending_polls(2)
    pending = raw("POST", "v1/subscriptions", body(), token="dev").body
    assert pending["done"] is False
    assert "response" not in pending
    assert pending["metadata"]["@type"].endswith("CreateSubscriptionMetadata")
    assert raw("GET", f"v1/{pending['name']}", token="alex").status == 404  # not theirs
    assert raw("GET", f"v1/{pending['name']}", token="dev").body["done"] is False
    done = raw("GET", f"v1/{pending['name']}", token="dev").body
    assert done["done"] is True
    assert done["response"]["state"] == "ACTIVE"
    assert raw("GET", "v1/operations/nope", token="dev").status == 404


def test_patch_delete_and_etags(
    raw: Any, error_of: Any, subscribe: Callable[..., dict[str, Any]]
) -> None:
    sub = subscribe()
    stale = raw(
        "PATCH", f"v1/{sub['name']}?updateMask=ttl", {"ttl": "0s", "etag": '"x"'}, token="dev"
    )
    assert error_of(stale)["status"] == "ABORTED"
    renewed = raw("PATCH", f"v1/{sub['name']}?updateMask=ttl", {"ttl": "60s"}, token="dev").body
    response = renewed["response"]
    expire = dt.datetime.fromisoformat(response["expireTime"])
    assert expire - dt.datetime.fromisoformat(response["updateTime"]) == dt.timedelta(seconds=60)
    assert response["etag"] != sub["etag"]
    wrong = raw("DELETE", f"v1/{sub['name']}?etag=%22nope%22", token="dev")
    assert (wrong.status, error_of(wrong)["status"]) == (409, "ABORTED")
    assert raw("DELETE", f"v1/{sub['name']}?validateOnly=true", token="dev").status == 200
    assert raw("GET", f"v1/{sub['name']}", token="dev").status == 200
    gone = raw("DELETE", f"v1/{sub['name']}", token="dev").body
    assert gone["response"] == {"@type": "type.googleapis.com/google.protobuf.Empty"}
    assert raw("GET", f"v1/{sub['name']}", token="dev").status == 404
    assert raw("DELETE", f"v1/{sub['name']}", token="dev").status == 404
    assert raw("DELETE", f"v1/{sub['name']}?allowMissing=true", token="dev").status == 200


def test_reactivate(raw: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]) -> None:
    sub = subscribe()
    assert raw("POST", f"v1/{sub['name']}:reactivate", {}, token="dev").body[
        "done"
    ]  # ACTIVE: no-op
    emu.suspend_subscription(sub["name"], "USER_SCOPE_REVOKED")
    patch = raw("PATCH", f"v1/{sub['name']}?updateMask=ttl", {"ttl": "0s"}, token="dev")
    assert patch.body["error"]["status"] == "FAILED_PRECONDITION"
    assert raw("POST", f"v1/{sub['name']}:reactivate", {}, token="alex").status == 403
    back = raw("POST", f"v1/{sub['name']}:reactivate", {}, token="dev").body["response"]
    assert back["state"] == "ACTIVE"
    assert back["suspensionReason"] == "USER_SCOPE_REVOKED"  # kept, as Google does
    assert back["expireTime"] == sub["expireTime"]


# --- events ----------------------------------------------------------------------------------


def test_messages_are_published_as_workspace_cloudevents(
    raw: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    sub = subscribe(eventTypes=[*MESSAGE_TYPES, f"{CHAT}reaction.v1.created"])
    posted = raw("POST", "v1/spaces/AAAA/messages", {"text": "hello <users/all>"}).body
    [record] = emu.published()
    attributes = record["message"]["attributes"]
    assert attributes == {
        "ce-datacontenttype": "application/json",
        "ce-id": attributes["ce-id"],
        "ce-source": f"//workspaceevents.googleapis.com/{sub['name']}",
        "ce-specversion": "1.0",
        "ce-subject": TARGET,
        "ce-time": attributes["ce-time"],
        "ce-type": f"{CHAT}message.v1.created",
    }
    assert attributes["ce-id"].startswith("spaces/AAAA/spaceEvents/")
    assert record["message"]["orderingKey"] == f"//workspaceevents.googleapis.com/{sub['name']}"
    assert record["topic"] == TOPIC
    assert record["delivery"] == "memory"
    message = decoded(record)["message"]
    assert message["name"] == posted["name"]
    assert message["text"] == "hello <users/all>"
    assert message["sender"]["type"] == "BOT"  # the app's own messages are delivered too

    raw("PATCH", f"v1/{posted['name']}?updateMask=text", {"text": "edited"})
    raw("DELETE", f"v1/{posted['name']}")
    updated, deleted = emu.published()[1:]
    assert decoded(updated)["message"]["text"] == "edited"
    assert set(decoded(deleted)["message"]) == {"name", "createTime", "deletionMetadata"}

    reaction = raw(
        "POST", f"v1/{posted['name']}/reactions", {"emoji": {"unicode": "✅"}}, token="alex"
    )
    assert reaction.status == 404  # deleted message: nothing to react to


def test_payload_options_and_who_receives_what(
    raw: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    names = subscribe(payloadOptions={"includeResource": False})
    masked = subscribe(
        "alex", payloadOptions={"includeResource": True, "fieldMask": "message.sender"}
    )
    emu.add_space("spaces/ELSEWHERE", members=[ALEX])
    raw("POST", "v1/spaces/AAAA/messages", {"text": "hi"})
    raw("POST", "v1/spaces/AAAA/messages", {"text": "psst", "privateMessageViewer": {"name": DEV}})
    emu.post_as(ALEX, "not watched", space="spaces/ELSEWHERE")
    by_sub = {r["subscription"]: decoded(r)["message"] for r in emu.published()}
    assert set(by_sub) == {names["name"], masked["name"]}
    assert set(by_sub[names["name"]]) == {"name"}
    assert set(by_sub[masked["name"]]) == {"name", "sender"}


def test_members_and_reactions_are_published(
    raw: Any, error_of: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    subscribe(
        eventTypes=[f"{CHAT}membership.v1.created", f"{CHAT}reaction.v1.created"],
    )
    raw(
        "POST",
        "v1/spaces/AAAA/members",
        {"member": {"name": "users/invitee@example.com", "type": "HUMAN"}},
        token="approved-app",
    )
    posted = emu.post_as(ALEX, "react to me")
    bad = raw("POST", f"v1/{posted['name']}/reactions", {"emoji": {"unicode": 5}}, token="alex")
    assert "(TYPE_STRING)" in error_of(bad)["message"]  # validated against chat.v1.json
    reaction = raw(
        "POST", f"v1/{posted['name']}/reactions", {"emoji": {"unicode": "✅"}}, token="alex"
    )
    assert reaction.status == 200, reaction.body
    assert reaction.body["user"] == {"name": ALEX, "type": "HUMAN"}
    twice = raw(
        "POST", f"v1/{posted['name']}/reactions", {"emoji": {"unicode": "✅"}}, token="alex"
    )
    assert twice.status == 409
    listed = raw("GET", f"v1/{posted['name']}/reactions", token="alex").body["reactions"]
    assert [r["name"] for r in listed] == [reaction.body["name"]]
    types = [r["message"]["attributes"]["ce-type"] for r in emu.published()]
    assert types == [f"{CHAT}membership.v1.created", f"{CHAT}reaction.v1.created"]
    member, react = (decoded(r) for r in emu.published())
    assert member["membership"]["state"] == "INVITED"
    assert react["reaction"]["emoji"] == {"unicode": "✅"}


def test_lifecycle_reminders_expiry_and_suspension(
    raw: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    short = subscribe()  # 4 hours: only the 1-hour reminder
    week = subscribe("alex", payloadOptions={"includeResource": False})
    emu.advance_time(3 * 3600 + 60)
    reminders = of_type(emu, "expirationReminder")
    assert [r["subscription"] for r in reminders] == [short["name"]]
    data = decoded(reminders[0])["subscription"]
    assert (data["name"], data["authority"]) == (short["name"], DEV)
    assert reminders[0]["message"]["attributes"]["ce-subject"] == (
        f"//workspaceevents.googleapis.com/{short['name']}"
    )
    emu.advance_time(3600)
    assert [r["subscription"] for r in of_type(emu, "expired")] == [short["name"]]
    assert raw("GET", f"v1/{short['name']}", token="dev").status == 404

    emu.advance_time(6 * 86400 + 8 * 3600)  # the week-long one: 12 hours before ...
    assert [r["subscription"] for r in of_type(emu, "expirationReminder")][1:] == [week["name"]]
    emu.advance_time(11 * 3600)  # ... and 1 hour before
    assert len(of_type(emu, "expirationReminder")) == 3
    emu.suspend_subscription(week["name"], "ENDPOINT_NOT_FOUND")
    [suspended] = of_type(emu, "suspended")
    assert decoded(suspended)["subscription"]["suspensionReason"] == "ENDPOINT_NOT_FOUND"
    emu.expire_subscription(week["name"])
    assert len(of_type(emu, "expired")) == 2


def test_inspection_controls_over_http(
    raw: Any, error_of: Any, emu: ChatEmulator, subscribe: Callable[..., dict[str, Any]]
) -> None:
    sub = subscribe()
    ident = sub["name"].split("/")[1]
    listed = raw("GET", "_emulator/subscriptions", token=None).body["subscriptions"]
    assert [s["owner"] for s in listed] == [f"user:{DEV}"]
    bad = raw("POST", f"_emulator/subscriptions/{ident}:suspend", {"reason": "NAP"}, token=None)
    assert bad.status == 400
    raw("POST", f"_emulator/subscriptions/{ident}:suspend", {"reason": "OTHER"}, token=None)
    moved = raw("POST", "_emulator/workspace/time", {"advanceSeconds": 60}, token=None).body
    assert moved["offsetSeconds"] == 60
    raw("POST", "_emulator/spaces/AAAA/messages", {"sender": ALEX, "text": "x"}, token=None)
    events = raw("GET", "_emulator/workspace/events?clear=true", token=None).body["events"]
    assert [e["message"]["attributes"]["ce-type"].rsplit(".", 1)[1] for e in events] == [
        "suspended"  # a suspended subscription delivers nothing else
    ]
    assert raw("GET", "_emulator/workspace/events", token=None).body["events"] == []
    assert raw("POST", "_emulator/workspace/operations", {"pendingPolls": 1}, token=None).body == {
        "pendingPolls": 1
    }
    sink = raw("POST", "_emulator/workspace/sink", {"pubsubHost": "a/b"}, token=None)
    assert sink.status == 400
    raw("POST", f"_emulator/subscriptions/{ident}:expire", token=None)
    assert raw("GET", "_emulator/subscriptions", token=None).body["subscriptions"] == []
