"""``spaces.get``, ``spaces.list`` and ``spaces.findDirectMessage``.

The caller must have joined a space to see it (the app included). ``list``
returns the caller's spaces; ``filter`` supports ``spaceType = "SPACE"``
clauses joined by ``OR``. ``findDirectMessage`` with app auth finds the
app's DM with that user; with user auth, the caller's DM with that user.
"""

from __future__ import annotations

import re
from typing import Any

from devkit.emulator.auth import APP_USER, Principal
from devkit.emulator.errors import invalid, not_found
from devkit.emulator.paging import decode_token, encode_token, fingerprint, page_size
from devkit.emulator.state import SPACE_TYPES, Space, State

Json = dict[str, Any]
DEFAULT_PAGE_SIZE = 100
_TYPE_CLAUSE = re.compile(r'space_?[tT]ype\s*=\s*"?([A-Z_]+)"?')


class SpaceService:
    """Space operations over a ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    def _joined(self, space: Space, user: str) -> bool:
        membership = self.state.membership_of(space.name, user)
        return membership is not None and membership.state == "JOINED"

    def get(self, principal: Principal, name: str) -> Json:
        with self.state.lock:
            space = self.state.require_space(name)
            self.state.require_joined(name, principal.user)
            return self.state.space_json(space)

    def list_spaces(self, principal: Principal, query: Json) -> Json:
        with self.state.lock:
            size = page_size(query, DEFAULT_PAGE_SIZE)
            types = _space_types(query.get("filter", ""))
            print_ = fingerprint("spaces", principal.key, query.get("filter", ""))
            offset = decode_token(query.get("pageToken"), print_)
            rows = [
                s
                for s in self.state.spaces.values()
                if self._joined(s, principal.user) and (not types or s.space_type in types)
            ]
            out: Json = {"spaces": [self.state.space_json(s) for s in rows[offset : offset + size]]}
            if offset + size < len(rows):
                out["nextPageToken"] = encode_token(offset + size, print_)
            return out

    def find_direct_message(self, principal: Principal, query: Json) -> Json:
        with self.state.lock:
            wanted = query.get("name")
            if not wanted:
                raise invalid("name is required: users/{user}.")
            if not str(wanted).startswith("users/"):
                raise invalid(f"Invalid user name {wanted!r}: expected users/{{user}}.")
            user = self.state.find_user(str(wanted))
            if user is None:
                raise not_found()
            for space in self.state.spaces.values():
                if space.space_type != "DIRECT_MESSAGE" or not self._joined(space, user.name):
                    continue
                if principal.is_app and space.single_user_bot_dm:
                    if self._joined(space, APP_USER):
                        return self.state.space_json(space)
                elif (
                    not principal.is_app
                    and not space.single_user_bot_dm
                    and self._joined(space, principal.user)
                ):
                    return self.state.space_json(space)
            raise not_found()


def _space_types(text: str) -> set[str]:
    types: set[str] = set()
    for clause in (c for c in re.split(r"\s+OR\s+", text.strip()) if c.strip()):
        found = _TYPE_CLAUSE.fullmatch(clause.strip())
        if not found or found.group(1) not in SPACE_TYPES:
            raise invalid(f"Invalid filter: {text!r}.")
        types.add(found.group(1))
    return types
