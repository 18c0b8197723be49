"""``spaces.messages.reactions.create/list/delete``: emoji reactions on messages.

The caller must have joined the message's space. A reaction is
``spaces/S/messages/M/reactions/R``, with the reacting ``user`` (``HUMAN``, or
``BOT`` for the app) and its ``emoji`` (``unicode`` or ``customEmoji``). The same
person reacting with the same emoji twice gets 409 ``ALREADY_EXISTS`` (our
reading); only whoever reacted may delete a reaction. Every public method runs
under ``state.lock``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from devkit.emulator.auth import Principal
from devkit.emulator.errors import denied, invalid, not_found
from devkit.emulator.paging import decode_token, encode_token, fingerprint, page_size
from devkit.emulator.state import State, conflict

Json = dict[str, Any]
DEFAULT_PAGE_SIZE = 25
_EMOJI_CLAUSE = re.compile(r'emoji\.unicode\s*=\s*"([^"]+)"')


def _emoji_key(emoji: Json) -> str:
    custom = emoji.get("customEmoji") or {}
    return str(emoji.get("unicode") or custom.get("uid") or custom.get("emojiName") or "")


class ReactionService:
    """Reactions over a ``State`` (kept per message, in creation order)."""

    def __init__(self, state: State) -> None:
        self.state = state

    def _message(self, principal: Principal, name: str) -> str:
        stored = self.state.live_message(name)
        self.state.require_space(stored.space)
        self.state.require_joined(stored.space, principal.user)
        return stored.name

    def create(self, principal: Principal, parent: str, body: Json) -> Json:
        with self.state.lock:
            message = self._message(principal, parent)
            emoji = body.get("emoji") or {}
            key = _emoji_key(emoji)
            if not key:
                raise invalid("Reaction.emoji needs unicode or customEmoji.")
            reaction_id = hashlib.sha256(f"{principal.user}|{key}".encode()).hexdigest()[:12]
            name = f"{message}/reactions/{reaction_id}"
            on_message = self.state.reactions.setdefault(message, {})
            if name in on_message:
                raise conflict("The user has already reacted with this emoji.")
            user: Json = {"name": principal.user, "type": "BOT" if principal.is_app else "HUMAN"}
            reaction = {"name": name, "user": user, "emoji": dict(emoji)}
            on_message[name] = reaction
            return dict(reaction)

    def list_reactions(self, principal: Principal, parent: str, query: Json) -> Json:
        with self.state.lock:
            message = self._message(principal, parent)
            size = page_size(query, DEFAULT_PAGE_SIZE)
            text = str(query.get("filter") or "").strip()
            wanted = None
            if text:
                found = _EMOJI_CLAUSE.fullmatch(text)
                if not found:
                    raise invalid(f"Invalid filter: {text!r}.")
                wanted = found.group(1)
            print_ = fingerprint(message, text)
            offset = decode_token(query.get("pageToken"), print_)
            rows = [
                r
                for r in self.state.reactions.get(message, {}).values()
                if wanted is None or r["emoji"].get("unicode") == wanted
            ]
            out: Json = {"reactions": [dict(r) for r in rows[offset : offset + size]]}
            if offset + size < len(rows):
                out["nextPageToken"] = encode_token(offset + size, print_)
            return out

    def delete(self, principal: Principal, name: str) -> Json:
        with self.state.lock:
            message = self._message(principal, name.split("/reactions/")[0])
            reaction = self.state.reactions.get(message, {}).get(name)
            if reaction is None:
                raise not_found()
            if reaction["user"]["name"] != principal.user:
                raise denied()
            del self.state.reactions[message][name]
            return {}
