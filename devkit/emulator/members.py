"""``spaces.members.create/get/list`` semantics (REFERENCE.md §3.3).

- Human (``users/{id}`` or ``users/{email}``): app auth needs
  ``chat.app.memberships``, user auth ``chat.memberships``; the response
  carries the canonical ``users/{id}``; users with auto-accept off become
  ``INVITED``, others ``JOINED``.
- The app itself (``users/app``, type ``BOT``): user auth with
  ``chat.memberships.app`` only.
- Google groups (``groupMember``): user auth only.
- ``list`` hides ``INVITED`` members unless ``showInvited=true`` and, under app
  auth, all app memberships (the app's own included).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from devkit.emulator.auth import APP_USER, Principal
from devkit.emulator.errors import denied, invalid, not_found
from devkit.emulator.paging import decode_token, encode_token, fingerprint, page_size
from devkit.emulator.state import Membership, State, conflict, rfc3339

Json = dict[str, Any]
DEFAULT_PAGE_SIZE = 100
_CLAUSE = re.compile(r'(member\.type|role)\s*(!=|=)\s*"?([A-Z_]+)"?')


class MemberService:
    """Membership operations over a ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    def _check_access(self, principal: Principal, space: str) -> None:
        self.state.require_space(space)
        self.state.require_joined(space, principal.user)

    def _json(self, membership: Membership) -> Json:
        return membership.to_json(self.state.users.get(membership.member))

    def create(self, principal: Principal, parent: str, query: Json, body: Json) -> Json:
        with self.state.lock:
            self._check_access(principal, parent)
            if body.get("groupMember"):
                return self._create_group(principal, parent, body)
            member = body.get("member")
            if not member or not member.get("name"):
                raise invalid("Membership must set member.name (users/{user}) or groupMember.")
            name = str(member["name"])
            kind = member.get("type", "TYPE_UNSPECIFIED")
            if not name.startswith("users/") or name == "users/":
                raise invalid(f"Invalid member name {name!r}: expected users/{{user}}.")
            if name == APP_USER:
                return self._create_app(principal, parent, kind)
            if kind == "BOT":
                raise invalid("Memberships for other Chat apps aren't supported.")
            if principal.is_app and not principal.has_scope("chat.app.memberships"):
                raise denied("Request had insufficient authentication scopes.")
            if not principal.is_app and not principal.has_scope(
                "chat.memberships", "chat.import", "chat.admin.memberships"
            ):
                raise denied("Request had insufficient authentication scopes.")
            user = self.state.find_user(name, create=True)
            if user is None:
                raise invalid(f"Invalid member name {name!r}.")
            existing = self.state.membership_of(parent, user.name)
            if existing is not None and existing.state != "NOT_A_MEMBER":
                raise conflict("Membership already exists.")
            membership = self.state.add_membership(
                parent,
                user.name,
                state="JOINED" if user.auto_accept else "INVITED",
                role=body.get("role") or "ROLE_MEMBER",
            )
            return self._json(membership)

    def _create_app(self, principal: Principal, parent: str, kind: str) -> Json:
        if kind not in ("BOT", "TYPE_UNSPECIFIED"):
            raise invalid("The app's membership (users/app) must have member.type BOT.")
        if principal.is_app or not principal.has_scope("chat.memberships.app"):
            raise denied(
                "Adding the calling app to a space needs user authentication with the "
                "chat.memberships.app scope."
            )
        if self.state.membership_of(parent, APP_USER) is not None:
            raise conflict("Membership already exists.")
        return self._json(self.state.add_membership(parent, APP_USER, kind="BOT"))

    def _create_group(self, principal: Principal, parent: str, body: Json) -> Json:
        if principal.is_app:
            raise denied("Group memberships need user authentication.")
        group = str(body["groupMember"].get("name", ""))
        if not group.startswith("groups/") or group == "groups/":
            raise invalid(f"Invalid group name {group!r}: expected groups/{{group}}.")
        name = f"{parent}/members/{group.replace('/', '-')}"
        if name in self.state.members[parent]:
            raise conflict("Membership already exists.")
        created = rfc3339(self.state.now())
        self.state.members[parent][name] = Membership(name, group, "GROUP", create_time=created)
        return {
            "name": name,
            "state": "JOINED",
            "role": "ROLE_MEMBER",
            "groupMember": {"name": group},
            "createTime": created,
        }

    def get(self, principal: Principal, name: str) -> Json:
        with self.state.lock:
            parts = name.split("/")
            space = f"spaces/{parts[1]}"
            self._check_access(principal, space)
            ident = parts[3]
            if ident == "app":
                user = APP_USER
            else:
                found = self.state.find_user(ident)
                if found is None:
                    raise not_found()
                user = found.name
            membership = self.state.membership_of(space, user)
            if membership is None:
                raise not_found()
            return self._json(membership)

    def list_members(self, principal: Principal, parent: str, query: Json) -> Json:
        with self.state.lock:
            self._check_access(principal, parent)
            size = page_size(query, DEFAULT_PAGE_SIZE)
            matches = _member_filter(query.get("filter", ""))
            print_ = fingerprint(parent, query.get("filter", ""), query.get("showInvited"))
            offset = decode_token(query.get("pageToken"), print_)
            rows = [
                m
                for m in self.state.members[parent].values()
                if not (principal.is_app and m.kind == "BOT")
                and (m.state != "INVITED" or query.get("showInvited"))
                and (m.kind != "GROUP" or query.get("showGroups", True))
                and m.state != "NOT_A_MEMBER"
                and matches(m)
            ]
            page = rows[offset : offset + size]
            out: Json = {"memberships": [self._json(m) for m in page]}
            if offset + size < len(rows):
                out["nextPageToken"] = encode_token(offset + size, print_)
            return out


def _member_filter(text: str) -> Callable[[Membership], bool]:
    """``member.type = "HUMAN" AND (role = "ROLE_MANAGER" OR role = "ROLE_MEMBER")``, minimal."""
    groups: list[list[Callable[[Membership], bool]]] = []
    for part in (p for p in re.split(r"\s+AND\s+", text.strip()) if p.strip()):
        alternatives: list[Callable[[Membership], bool]] = []
        for clause in re.split(r"\s+OR\s+", part.strip().strip("()")):
            found = _CLAUSE.fullmatch(clause.strip())
            if not found:
                raise invalid(f"Invalid filter: {text!r}.")
            field, op, value = found.groups()
            alternatives.append(_member_check(field, op, value))
        groups.append(alternatives)
    return lambda m: all(any(check(m) for check in group) for group in groups)


def _member_check(field: str, op: str, value: str) -> Callable[[Membership], bool]:
    def check(membership: Membership) -> bool:
        actual = membership.kind if field == "member.type" else membership.role
        return (actual == value) == (op == "=")

    return check
