"""Message semantics through google-api-python-client over real HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from googleapiclient.errors import HttpError

DEV = "users/100000000000000000001"
FALLBACK = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
OR_FAIL = "REPLY_MESSAGE_OR_FAIL"
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def create(chat: Any, text: str = "hi", space: str = "spaces/AAAA", **kwargs: Any) -> Any:
    body = {"text": text, **kwargs.pop("body", {})}
    return chat.spaces().messages().create(parent=space, body=body, **kwargs).execute()


def test_create_get_patch_delete_round_trip(chat: Any, emu: Any) -> None:
    message = create(chat, "hello")
    assert re.fullmatch(r"spaces/AAAA/messages/[A-Z0-9]+\.[A-Z0-9]+", message["name"])
    assert re.fullmatch(r"spaces/AAAA/threads/[A-Z0-9]+", message["thread"]["name"])
    assert RFC3339_Z.match(message["createTime"])
    assert message["sender"]["type"] == "BOT"
    assert message["space"]["name"] == "spaces/AAAA"

    got = chat.spaces().messages().get(name=message["name"]).execute()
    assert got == message

    patched = (
        chat.spaces()
        .messages()
        .patch(name=message["name"], updateMask="text", body={"text": "edited"})
        .execute()
    )
    assert patched["text"] == "edited"
    assert RFC3339_Z.match(patched["lastUpdateTime"])
    assert patched["createTime"] == message["createTime"]

    assert chat.spaces().messages().delete(name=message["name"]).execute() == {}
    with pytest.raises(HttpError) as info:
        chat.spaces().messages().get(name=message["name"]).execute()
    assert info.value.resp.status == 404
    [stored] = emu.messages("AAAA")
    assert stored["deleted"] is True
    assert RFC3339_Z.match(stored["deleteTime"])


def test_update_put_and_update_mask_rules(chat: Any, error_of: Any) -> None:
    message = create(chat, "v1")
    card = {"cardId": "c", "card": {"header": {"title": "T"}}}
    put = (
        chat.spaces()
        .messages()
        .update(
            name=message["name"], updateMask="text,cards_v2", body={"text": "v2", "cardsV2": [card]}
        )
    )
    assert put.execute()["cardsV2"] == [card]
    star = chat.spaces().messages().patch(name=message["name"], updateMask="*", body={"text": "v3"})
    updated = star.execute()
    assert updated["text"] == "v3"
    assert "cardsV2" not in updated  # "*" replaces every updatable field
    for mask, expected in ((None, "update mask"), ("sender", "Invalid update mask path")):
        request = (
            chat.spaces()
            .messages()
            .patch(name=message["name"], updateMask=mask, body={"text": "x"})
        )
        with pytest.raises(HttpError) as info:
            request.execute()
        error = error_of(info.value)
        assert (error["status"], info.value.resp.status) == ("INVALID_ARGUMENT", 400)
        assert expected in error["message"]


def test_thread_key_groups_messages_per_key(chat: Any) -> None:
    first = create(chat, "a", body={"thread": {"threadKey": "k1"}}, messageReplyOption=FALLBACK)
    second = create(chat, "b", body={"thread": {"threadKey": "k1"}}, messageReplyOption=FALLBACK)
    other = create(chat, "c", body={"thread": {"threadKey": "k2"}}, messageReplyOption=FALLBACK)
    assert first["thread"] == {"name": second["thread"]["name"], "threadKey": "k1"}
    assert second["threadReply"] is True
    assert "threadReply" not in first
    assert other["thread"]["name"] != first["thread"]["name"]
    by_name = create(
        chat, "d", body={"thread": {"name": first["thread"]["name"]}}, messageReplyOption=OR_FAIL
    )
    assert by_name["thread"]["name"] == first["thread"]["name"]


def test_unspecified_reply_option_ignores_thread_key(chat: Any) -> None:
    first = create(chat, "a", body={"thread": {"threadKey": "same"}})
    second = create(chat, "b", body={"thread": {"threadKey": "same"}})
    assert first["thread"]["name"] != second["thread"]["name"]
    assert "threadKey" not in first["thread"]


def test_reply_or_fail(chat: Any, error_of: Any) -> None:
    with pytest.raises(HttpError) as info:
        create(
            chat, body={"thread": {"name": "spaces/AAAA/threads/NOPE"}}, messageReplyOption=OR_FAIL
        )
    assert error_of(info.value)["status"] == "NOT_FOUND"
    # A new threadKey still creates a thread, then the key replies into it.
    new = create(chat, body={"thread": {"threadKey": "fresh"}}, messageReplyOption=OR_FAIL)
    again = create(chat, body={"thread": {"threadKey": "fresh"}}, messageReplyOption=OR_FAIL)
    assert new["thread"]["name"] == again["thread"]["name"]


def test_fallback_with_unknown_thread_name_starts_new_thread(chat: Any) -> None:
    message = create(
        chat, body={"thread": {"name": "spaces/AAAA/threads/NOPE"}}, messageReplyOption=FALLBACK
    )
    assert message["thread"]["name"] != "spaces/AAAA/threads/NOPE"
    assert "threadReply" not in message


def test_request_id_is_idempotent_per_principal(
    chat: Any, emu: Any, service_for: Any, error_of: Any
) -> None:
    first = create(chat, "original", requestId="rid-1")
    second = create(chat, "different text", requestId="rid-1")
    assert second == first
    assert len(emu.messages("AAAA")) == 1
    user = service_for("user-tok", scopes=["chat.messages"])
    with pytest.raises(HttpError) as info:
        create(user, "mine", requestId="rid-1")
    assert info.value.resp.status == 400
    assert "different caller" in error_of(info.value)["message"]


def test_client_assigned_message_id(chat: Any, error_of: Any) -> None:
    message = create(chat, "named", messageId="client-reminder-1")
    assert message["clientAssignedMessageId"] == "client-reminder-1"
    alias = "spaces/AAAA/messages/client-reminder-1"
    assert chat.spaces().messages().get(name=alias).execute()["name"] == message["name"]
    patch = chat.spaces().messages().patch(name=alias, updateMask="text", body={"text": "new"})
    assert patch.execute()["text"] == "new"
    with pytest.raises(HttpError) as info:
        create(chat, "dup", messageId="client-reminder-1")
    assert (info.value.resp.status, error_of(info.value)["status"]) == (409, "ALREADY_EXISTS")
    assert chat.spaces().messages().delete(name=alias).execute() == {}


def test_allow_missing_upserts_client_named_messages(chat: Any, error_of: Any) -> None:
    name = "spaces/AAAA/messages/client-upsert"
    created = (
        chat.spaces()
        .messages()
        .patch(name=name, allowMissing=True, updateMask="text", body={"text": "first"})
        .execute()
    )
    assert created["clientAssignedMessageId"] == "client-upsert"
    updated = (
        chat.spaces()
        .messages()
        .patch(name=name, allowMissing=True, updateMask="text", body={"text": "second"})
        .execute()
    )
    assert (updated["name"], updated["text"]) == (created["name"], "second")
    bad = (
        chat.spaces()
        .messages()
        .patch(
            name="spaces/AAAA/messages/ABC.DEF",
            allowMissing=True,
            updateMask="text",
            body={"text": "x"},
        )
    )
    with pytest.raises(HttpError) as info:
        bad.execute()
    assert error_of(info.value)["status"] == "INVALID_ARGUMENT"
    missing = (
        chat.spaces()
        .messages()
        .patch(name="spaces/AAAA/messages/client-nope", updateMask="text", body={"text": "x"})
    )
    with pytest.raises(HttpError) as info:
        missing.execute()
    assert info.value.resp.status == 404


def test_app_cannot_list_messages_but_user_can(chat: Any, service_for: Any, error_of: Any) -> None:
    with pytest.raises(HttpError) as info:
        chat.spaces().messages().list(parent="spaces/AAAA").execute()
    assert (info.value.resp.status, error_of(info.value)["status"]) == (403, "PERMISSION_DENIED")
    for i in range(5):
        create(chat, f"m{i}")
    user = service_for("reader", scopes=["chat.messages.readonly"])
    page = user.spaces().messages().list(parent="spaces/AAAA", pageSize=2).execute()
    texts = [m["text"] for m in page["messages"]]
    while "nextPageToken" in page:
        page = (
            user.spaces()
            .messages()
            .list(parent="spaces/AAAA", pageSize=2, pageToken=page["nextPageToken"])
            .execute()
        )
        texts += [m["text"] for m in page["messages"]]
    assert texts == ["m0", "m1", "m2", "m3", "m4"]
    desc = user.spaces().messages().list(parent="spaces/AAAA", orderBy="create_time desc").execute()
    assert [m["text"] for m in desc["messages"]] == ["m4", "m3", "m2", "m1", "m0"]


def test_list_default_page_size_filters_and_show_deleted(
    chat: Any, service_for: Any, error_of: Any
) -> None:
    user = service_for("reader", scopes=["chat.messages"])
    made = [create(chat, f"n{i}") for i in range(27)]
    page = user.spaces().messages().list(parent="spaces/AAAA").execute()
    assert len(page["messages"]) == 25
    assert "nextPageToken" in page
    after = f'create_time > "{made[24]["createTime"]}"'
    late = user.spaces().messages().list(parent="spaces/AAAA", filter=after).execute()
    assert [m["text"] for m in late["messages"]] == ["n25", "n26"]
    reply = create(
        chat, "r", body={"thread": {"name": made[0]["thread"]["name"]}}, messageReplyOption=FALLBACK
    )
    thread_filter = f"thread.name = {made[0]['thread']['name']} AND {after.replace('>', '<')}"
    in_thread = user.spaces().messages().list(parent="spaces/AAAA", filter=thread_filter).execute()
    assert [m["text"] for m in in_thread["messages"]] == ["n0"]
    assert reply["threadReply"] is True
    chat.spaces().messages().delete(name=made[26]["name"]).execute()
    visible = user.spaces().messages().list(parent="spaces/AAAA", filter=after).execute()
    assert [m["text"] for m in visible["messages"]] == ["n25", "r"]
    shown = user.spaces().messages().list(parent="spaces/AAAA", filter=after, showDeleted=True)
    assert [m["text"] for m in shown.execute()["messages"]] == ["n25", "n26", "r"]
    for bad in ({"filter": "text = 'x'"}, {"orderBy": "text"}, {"pageToken": "garbage"}):
        with pytest.raises(HttpError) as info:
            user.spaces().messages().list(parent="spaces/AAAA", **bad).execute()
        assert error_of(info.value)["status"] == "INVALID_ARGUMENT", bad


def test_delete_with_replies_needs_user_force(chat: Any, service_for: Any, error_of: Any) -> None:
    user = service_for("writer", scopes=["chat.messages"])
    root = create(user, "root", body={"thread": {"threadKey": "t"}}, messageReplyOption=FALLBACK)
    create(user, "reply", body={"thread": {"threadKey": "t"}}, messageReplyOption=FALLBACK)
    with pytest.raises(HttpError) as info:
        user.spaces().messages().delete(name=root["name"]).execute()
    assert error_of(info.value)["status"] == "FAILED_PRECONDITION"
    assert user.spaces().messages().delete(name=root["name"], force=True).execute() == {}
    assert user.spaces().messages().list(parent="spaces/AAAA").execute() == {"messages": []}


def test_ownership_and_human_card_rules(chat: Any, service_for: Any, error_of: Any) -> None:
    user = service_for("writer", scopes=["chat.messages"])
    theirs = create(user, "human text")
    assert theirs["sender"] == {"name": DEV, "type": "HUMAN", "displayName": DEV}
    for request in (
        chat.spaces().messages().patch(name=theirs["name"], updateMask="text", body={"text": "x"}),
        chat.spaces().messages().delete(name=theirs["name"]),
        chat.spaces().messages().get(name=theirs["name"]),  # chat.bot reads only its own in spaces
    ):
        with pytest.raises(HttpError) as info:
            request.execute()
        assert error_of(info.value)["status"] == "PERMISSION_DENIED"
    card = {"cardId": "c", "card": {"header": {"title": "T"}}}
    with pytest.raises(HttpError) as info:
        create(user, "with card", body={"cardsV2": [card]})
    assert "human credentials" in error_of(info.value)["message"]


def test_user_must_be_a_member(service_for: Any, error_of: Any) -> None:
    outsider = service_for("outsider", user="users/999", scopes=["chat.messages"])
    with pytest.raises(HttpError) as info:
        create(outsider, "hi")
    assert error_of(info.value)["status"] == "PERMISSION_DENIED"
    with pytest.raises(HttpError) as info:
        create(outsider, "hi", space="spaces/NOPE")
    assert error_of(info.value)["status"] == "NOT_FOUND"


def test_dm_and_app_principals(chat: Any) -> None:
    dm = chat.spaces().findDirectMessage(name=DEV).execute()
    assert dm["name"] == "spaces/DM1"
    assert dm["spaceType"] == "DIRECT_MESSAGE"
    by_email = chat.spaces().findDirectMessage(name="users/dev@example.com").execute()
    assert by_email["name"] == "spaces/DM1"
    with pytest.raises(HttpError) as info:
        chat.spaces().findDirectMessage(name="users/100000000000000000002").execute()
    assert info.value.resp.status == 404
    assert create(chat, "dm hello", space="spaces/DM1")["space"]["spaceType"] == "DIRECT_MESSAGE"
    spaces = chat.spaces().list().execute()["spaces"]
    assert [s["name"] for s in spaces] == ["spaces/AAAA", "spaces/DM1"]
    assert chat.spaces().get(name="spaces/AAAA").execute()["displayName"] == "Local team"
