"""``spaces.members`` through google-api-python-client."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

DEV = "users/100000000000000000001"
ALEX = "users/100000000000000000002"
INVITEE = "users/100000000000000000003"


def add(service: Any, name: str, kind: str = "HUMAN", space: str = "spaces/AAAA") -> Any:
    body = {"member": {"name": name, "type": kind}}
    return service.spaces().members().create(parent=space, body=body).execute()


def test_app_adds_humans_by_email_and_id(emu: Any, service_for: Any) -> None:
    emu.add_space("spaces/EMPTY", display_name="Empty")
    app = service_for(
        "app-members", kind="app", user=None, scopes=["chat.bot", "chat.app.memberships"]
    )
    by_email = add(app, "users/alex@example.com", space="spaces/EMPTY")
    assert by_email["name"] == "spaces/EMPTY/members/100000000000000000002"
    assert by_email["member"]["name"] == ALEX  # canonical ID, not the email
    assert by_email["state"] == "JOINED"
    assert by_email["role"] == "ROLE_MEMBER"
    invited = add(app, INVITEE, space="spaces/EMPTY")
    assert invited["state"] == "INVITED"
    stranger = add(app, "users/new.person@example.com", space="spaces/EMPTY")
    assert stranger["member"]["name"].startswith("users/1")
    listed = app.spaces().members().list(parent="spaces/EMPTY").execute()["memberships"]
    assert {m["member"]["name"] for m in listed} == {ALEX, stranger["member"]["name"]}
    everyone = app.spaces().members().list(parent="spaces/EMPTY", showInvited=True).execute()
    assert len(everyone["memberships"]) == 3  # app memberships hidden under app auth
    got = app.spaces().members().get(name="spaces/EMPTY/members/alex@example.com").execute()
    assert got == by_email
    with pytest.raises(HttpError) as info:
        add(app, ALEX, space="spaces/EMPTY")
    assert info.value.resp.status == 409


def test_scope_rules_for_humans(chat: Any, service_for: Any, error_of: Any) -> None:
    with pytest.raises(HttpError) as info:
        add(chat, "users/someone@example.com")  # chat.bot alone can't add members
    assert error_of(info.value)["status"] == "PERMISSION_DENIED"
    only_app_scope = service_for("u-app-scope", scopes=["chat.memberships.app"])
    with pytest.raises(HttpError) as info:
        add(only_app_scope, "users/someone@example.com")
    assert info.value.resp.status == 403
    user = service_for("u-members", scopes=["chat.memberships"])
    assert add(user, "users/777")["member"]["name"] == "users/777"


def test_adding_the_app_needs_user_auth_and_scope(
    emu: Any, service_for: Any, error_of: Any
) -> None:
    emu.add_space("spaces/NOAPP", members=[DEV], app_member=False)
    app = service_for("app-all", kind="app", user=None, scopes=["chat.bot", "chat.app.memberships"])
    with pytest.raises(HttpError) as info:
        add(app, "users/app", "BOT", space="spaces/NOAPP")
    assert error_of(info.value)["status"] == "PERMISSION_DENIED"
    no_scope = service_for("u-plain", scopes=["chat.memberships"])
    with pytest.raises(HttpError) as info:
        add(no_scope, "users/app", "BOT", space="spaces/NOAPP")
    assert info.value.resp.status == 403
    user = service_for("u-app", scopes=["chat.memberships.app", "chat.memberships.readonly"])
    membership = add(user, "users/app", "BOT", space="spaces/NOAPP")
    assert membership["member"]["type"] == "BOT"
    assert membership["state"] == "JOINED"
    got = user.spaces().members().get(name="spaces/NOAPP/members/app").execute()
    assert got["name"] == membership["name"]
    with pytest.raises(HttpError) as info:
        add(user, "users/app", "BOT", space="spaces/NOAPP")
    assert info.value.resp.status == 409


def test_app_not_in_space_is_denied(emu: Any, chat: Any, error_of: Any) -> None:
    emu.add_space("spaces/NOAPP", members=[DEV], app_member=False)
    with pytest.raises(HttpError) as info:
        chat.spaces().messages().create(parent="spaces/NOAPP", body={"text": "x"}).execute()
    assert error_of(info.value)["status"] == "PERMISSION_DENIED"


def test_member_list_filter_and_paging(chat: Any, service_for: Any) -> None:
    user = service_for("u-read", scopes=["chat.memberships.readonly"])
    all_members = user.spaces().members().list(parent="spaces/AAAA").execute()["memberships"]
    assert len(all_members) == 3  # user auth sees the app's membership
    humans = user.spaces().members().list(parent="spaces/AAAA", filter='member.type = "HUMAN"')
    assert len(humans.execute()["memberships"]) == 2
    page = user.spaces().members().list(parent="spaces/AAAA", pageSize=1).execute()
    assert len(page["memberships"]) == 1
    assert page["nextPageToken"]
