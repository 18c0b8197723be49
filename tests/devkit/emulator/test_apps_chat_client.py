"""The emulator driven by google-apps-chat over REST (``$alt=json;enum-encoding=int``).

That client sends enums as numbers, in queries and bodies, and parses numbers
back; these tests check that every enum it sees comes back as the proto value
it means, beside the google-api-python-client tests of the same routes.
"""

from __future__ import annotations

from typing import Any

import google.oauth2.credentials
import pytest
from google.api_core import exceptions
from google.apps import chat_v1

from devkit.emulator import ChatEmulator

DEV = "users/100000000000000000001"
ALEX = "users/100000000000000000002"
SPACE = "spaces/AAAA"
Reply = chat_v1.CreateMessageRequest.MessageReplyOption
Role = chat_v1.Membership.MembershipRole
State = chat_v1.Membership.MembershipState


def apps_client(emu: ChatEmulator, token: str) -> Any:
    """A google-apps-chat client on the REST transport, pointed at the emulator."""
    credentials = google.oauth2.credentials.Credentials(token=token)  # type: ignore[no-untyped-call]
    return chat_v1.ChatServiceClient(
        transport="rest",
        credentials=credentials,
        client_options={"api_endpoint": emu.url.rstrip("/")},
    )


@pytest.fixture
def client(emu: ChatEmulator) -> Any:
    """The app (scope chat.bot, and chat.app.memberships to add people)."""
    emu.register_token("apps-app", kind="app", scopes=["chat.bot", "chat.app.memberships"])
    return apps_client(emu, "apps-app")


@pytest.fixture
def dev(emu: ChatEmulator) -> Any:
    """Dev User, with user scopes for messages and reactions."""
    emu.register_token("apps-dev", kind="user", user=DEV, scopes=["chat.messages"])
    return apps_client(emu, "apps-dev")


def test_messages_round_trip(client: Any, emu: ChatEmulator) -> None:
    first = client.create_message(
        request=chat_v1.CreateMessageRequest(
            parent=SPACE,
            message=chat_v1.Message(text="hello", thread=chat_v1.Thread(thread_key="standup")),
            message_reply_option=Reply.REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD,
            request_id="req-1",
        )
    )
    assert first.sender.type_ == chat_v1.User.Type.BOT
    assert first.space.space_type == chat_v1.Space.SpaceType.SPACE
    reply = client.create_message(
        request=chat_v1.CreateMessageRequest(
            parent=SPACE,
            message=chat_v1.Message(text="reply", thread=chat_v1.Thread(thread_key="standup")),
            message_reply_option=Reply.REPLY_MESSAGE_OR_FAIL,
            message_id="client-reply",
        )
    )
    assert reply.thread.name == first.thread.name
    assert reply.client_assigned_message_id == "client-reply"
    assert client.get_message(name=f"{SPACE}/messages/client-reply").text == "reply"
    assert client.get_message(name=first.name).thread.thread_key == "standup"

    updated = client.update_message(
        request=chat_v1.UpdateMessageRequest(
            message=chat_v1.Message(name=first.name, text="edited"), update_mask={"paths": ["text"]}
        )
    )
    assert updated.text == "edited"
    client.delete_message(name=reply.name)
    with pytest.raises(exceptions.NotFound):
        client.get_message(name=reply.name)
    assert [m["text"] for m in emu.messages("AAAA") if not m["deleted"]] == ["edited"]
    assert {r["status"] for r in emu.requests()} == {200, 404}


def test_list_messages_with_deletion_metadata(client: Any, dev: Any) -> None:
    kept = client.create_message(parent=SPACE, message=chat_v1.Message(text="kept"))
    gone = dev.create_message(parent=SPACE, message=chat_v1.Message(text="gone"))
    dev.delete_message(name=gone.name)
    request = chat_v1.ListMessagesRequest(
        parent=SPACE, show_deleted=True, order_by="createTime desc"
    )
    listed = list(dev.list_messages(request=request))
    assert [m.name for m in listed] == [gone.name, kept.name]
    assert listed[0].deletion_metadata.deletion_type == (
        chat_v1.DeletionMetadata.DeletionType.CREATOR
    )
    assert listed[1].sender.type_ == chat_v1.User.Type.BOT
    assert listed[0].sender.type_ == chat_v1.User.Type.HUMAN


def test_spaces(client: Any) -> None:
    space = client.get_space(name=SPACE)
    assert space.display_name == "Local team"
    assert space.space_type == chat_v1.Space.SpaceType.SPACE
    # THREADED_MESSAGES is proto value 2, at index 1 in the discovery document.
    assert space.space_threading_state == chat_v1.Space.SpaceThreadingState.THREADED_MESSAGES
    assert space.space_history_state == chat_v1.HistoryState.HISTORY_ON
    listed = list(client.list_spaces(request={"filter": 'space_type = "SPACE"'}))
    assert [s.name for s in listed] == [SPACE]
    dm = client.find_direct_message(request={"name": DEV})
    assert dm.space_type == chat_v1.Space.SpaceType.DIRECT_MESSAGE
    assert dm.space_threading_state == chat_v1.Space.SpaceThreadingState.GROUPED_MESSAGES


def test_memberships(client: Any, emu: ChatEmulator) -> None:
    created = client.create_membership(
        parent=SPACE,
        membership=chat_v1.Membership(
            member=chat_v1.User(name="users/invitee@example.com", type_=chat_v1.User.Type.HUMAN),
            role=Role.ROLE_ASSISTANT_MANAGER,  # proto 4, at index 3 in the discovery document
        ),
    )
    assert (created.state, created.role) == (State.INVITED, Role.ROLE_ASSISTANT_MANAGER)
    assert created.member.name == "users/100000000000000000003"
    got = client.get_membership(name=f"{SPACE}/members/{ALEX.split('/')[1]}")
    assert (got.state, got.role, got.member.type_) == (
        State.JOINED,
        Role.ROLE_MEMBER,
        chat_v1.User.Type.HUMAN,
    )
    request = chat_v1.ListMembershipsRequest(parent=SPACE, show_invited=True)
    members = list(client.list_memberships(request=request))
    assert {m.member.name: m.state for m in members} == {
        DEV: State.JOINED,
        ALEX: State.JOINED,
        "users/100000000000000000003": State.INVITED,
    }
    managers = list(
        client.list_memberships(request={"parent": SPACE, "filter": 'role = "ROLE_MANAGER"'})
    )
    assert managers == []
    stored = emu.requests()[0]
    assert (stored["api"], stored["status"]) == ("chat.spaces.members.create", 200)


def test_reactions(client: Any, dev: Any) -> None:
    message = client.create_message(parent=SPACE, message=chat_v1.Message(text="react"))
    reaction = dev.create_reaction(
        parent=message.name, reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode="🎉"))
    )
    assert reaction.user.name == DEV
    assert reaction.user.type_ == chat_v1.User.Type.HUMAN
    assert [r.name for r in dev.list_reactions(parent=message.name)] == [reaction.name]
    with pytest.raises(exceptions.Conflict):
        dev.create_reaction(
            parent=message.name, reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode="🎉"))
        )
    dev.delete_reaction(name=reaction.name)
    assert list(dev.list_reactions(parent=message.name)) == []


def test_both_clients_see_the_same_message(client: Any, chat: Any) -> None:
    created = (
        chat.spaces().messages().create(parent=SPACE, body={"text": "from apiclient"}).execute()
    )
    got = client.get_message(name=created["name"])
    assert (got.text, got.sender.type_) == ("from apiclient", chat_v1.User.Type.BOT)
    sent = client.create_message(parent=SPACE, message=chat_v1.Message(text="from apps-chat"))
    fetched = chat.spaces().messages().get(name=sent.name).execute()
    assert (fetched["text"], fetched["sender"]["type"]) == ("from apps-chat", "BOT")


def test_errors_map_to_api_core_exceptions(client: Any, emu: ChatEmulator) -> None:
    with pytest.raises(exceptions.NotFound):
        client.get_space(name="spaces/NOPE")
    with pytest.raises(exceptions.BadRequest, match="empty"):
        client.create_message(parent=SPACE, message=chat_v1.Message())
    emu.set_faults(error_rate=1, statuses=[429])
    with pytest.raises(exceptions.TooManyRequests):
        client.get_space(name=SPACE)
