"""``spaces.messages.*`` semantics: create, get, patch/update, delete, list, webhooks.

Follows REFERENCE.md §3.1-3.2: server-assigned names, ``thread.threadKey``
threads (scoped per app), ``messageReplyOption``, ``requestId`` idempotency,
client-assigned ``messageId`` names, ``updateMask`` and ``allowMissing``
upserts, ``force`` deletes, and ``list`` with ``filter``/``orderBy``/paging
(the filter and order grammar: ``message_query``).
Callers validate query and body against the discovery document first; this
module checks the semantics. Every public method runs under ``state.lock``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from devkit.emulator.auth import Principal
from devkit.emulator.errors import ApiError, denied, invalid, not_found
from devkit.emulator.message_query import message_filter, order_desc
from devkit.emulator.paging import decode_token, encode_token, fingerprint, page_size
from devkit.emulator.state import Space, State, StoredMessage, Thread, conflict, rfc3339

Json = dict[str, Any]

MAX_MESSAGE_BYTES = 32_000
MAX_THREAD_KEY = 4000
MAX_MESSAGE_ID = 63
DEFAULT_PAGE_SIZE = 25
_MESSAGE_ID = re.compile(r"client-[a-z0-9-]+")
_CONTENT = ("text", "cardsV2", "cards", "attachment", "accessoryWidgets")
_CARD_FIELDS = ("cardsV2", "cards", "accessoryWidgets")
#: Mask path (snake_case) -> message field.
_MASK_FIELDS = {
    "text": "text",
    "attachment": "attachment",
    "cards": "cards",
    "cards_v2": "cardsV2",
    "accessory_widgets": "accessoryWidgets",
    "quoted_message_metadata": "quotedMessageMetadata",
}
_COPIED = (
    "text",
    "cardsV2",
    "cards",
    "attachment",
    "accessoryWidgets",
    "privateMessageViewer",
    "fallbackText",
    "actionResponse",
    "quotedMessageMetadata",
)
HUMAN_CARDS = "Message cannot have cards for requests carrying human credentials."
EMPTY = "Message cannot be empty. Discarding empty message."
UNSPECIFIED = "MESSAGE_REPLY_OPTION_UNSPECIFIED"
FALLBACK = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
OR_FAIL = "REPLY_MESSAGE_OR_FAIL"


def message_size(message: Json) -> int:
    """Bytes of the compact JSON serialisation (what the 32,000-byte limit is checked on)."""
    return len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode())


def check_message_id(message_id: str) -> None:
    if len(message_id) > MAX_MESSAGE_ID or not _MESSAGE_ID.fullmatch(message_id):
        raise invalid(
            f"Invalid message ID {message_id!r}: a custom message ID must begin with 'client-', "
            "contain only lowercase letters, numbers and hyphens, and be at most 63 characters."
        )


def _thread_key_scope(principal: Principal, space: str) -> str:
    # Keys are scoped per app: the app (app or user auth) vs each space's webhook.
    return f"webhook:{space}" if principal.kind == "webhook" else "app"


class MessageService:
    """Message operations over a ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    # --- access ----------------------------------------------------------------------

    def _space_for(self, principal: Principal, space_name: str) -> Space:
        space = self.state.require_space(space_name)
        if principal.kind != "webhook":
            self.state.require_joined(space_name, principal.user)
        return space

    def _check_content(self, principal: Principal, message: Json, *, need_content: bool) -> None:
        if not principal.is_app and any(message.get(f) for f in _CARD_FIELDS):
            raise invalid(HUMAN_CARDS)
        if need_content and not any(message.get(f) for f in _CONTENT):
            raise invalid(EMPTY)
        size = message_size(message)
        if size > MAX_MESSAGE_BYTES:
            raise invalid(
                f"Message is too large: {size} bytes; the maximum message size is "
                f"{MAX_MESSAGE_BYTES} bytes."
            )

    # --- create ----------------------------------------------------------------------

    def create(self, principal: Principal, parent: str, query: Json, body: Json) -> Json:
        with self.state.lock:
            space = self._space_for(principal, parent)
            self._check_content(principal, body, need_content=True)
            request_id = query.get("requestId")
            if request_id:
                previous = self.state.request_ids.get((parent, request_id))
                if previous is not None:
                    owner, name = previous
                    if owner != principal.key:
                        raise invalid(
                            f"Request ID {request_id!r} was already used by a different caller."
                        )
                    return self._view(principal, self.state.messages[parent][name])
            message_id = query.get("messageId")
            if message_id is not None:
                check_message_id(message_id)
                if (parent, message_id) in self.state.client_ids:
                    raise conflict(
                        f"Message with the custom ID {message_id} already exists in {parent}."
                    )
            thread, reply = self._thread_for(principal, space, query, body)
            stored = self._new_message(principal, space, thread, reply, body, message_id)
            if request_id:
                self.state.request_ids[(parent, request_id)] = (principal.key, stored.name)
            return self._view(principal, stored)

    def _thread_for(
        self, principal: Principal, space: Space, query: Json, body: Json
    ) -> tuple[Thread, bool]:
        """The thread a new message goes to and whether it's a reply."""
        option = query.get("messageReplyOption", UNSPECIFIED)
        wanted = body.get("thread") or {}
        key = wanted.get("threadKey") or query.get("threadKey")
        thread_name = wanted.get("name")
        if key is not None and len(key) > MAX_THREAD_KEY:
            raise invalid(f"Thread key is too long: the maximum is {MAX_THREAD_KEY} characters.")
        if option == UNSPECIFIED:
            return self.state.new_thread(space.name, None), False
        if thread_name:
            existing = self.state.threads.get(thread_name)
            if existing is not None and thread_name.startswith(f"{space.name}/threads/"):
                return existing, True
            if option == OR_FAIL:
                raise not_found(f"Thread {thread_name} not found.")
            return self.state.new_thread(space.name, None), False
        if key:
            scope = (space.name, _thread_key_scope(principal, space.name), key)
            known = self.state.thread_keys.get(scope)
            if known is not None:
                return self.state.threads[known], True
            thread = self.state.new_thread(space.name, key)
            self.state.thread_keys[scope] = thread.name
            return thread, False
        if option == OR_FAIL:
            raise not_found("No thread to reply to: set thread.name or thread.threadKey.")
        return self.state.new_thread(space.name, None), False

    def _new_message(
        self,
        principal: Principal,
        space: Space,
        thread: Thread,
        reply: bool,
        body: Json,
        message_id: str | None,
    ) -> StoredMessage:
        created = self.state.now()
        name = self.state.new_message_name(thread)
        sender: Json = {"name": principal.user, "type": "BOT" if principal.is_app else "HUMAN"}
        if principal.kind == "webhook":
            sender["displayName"] = space.webhook_name
        elif principal.display_name:
            sender["displayName"] = principal.display_name
        data: Json = {"name": name, "sender": sender, "createTime": rfc3339(created)}
        data.update({k: body[k] for k in _COPIED if k in body})
        if "text" in data:
            data["formattedText"] = data["argumentText"] = data["text"]
        data["thread"] = {"name": thread.name, **({"threadKey": thread.key} if thread.key else {})}
        space_json = self.state.space_json(space)
        data["space"] = {
            k: space_json[k]
            for k in ("name", "type", "spaceType", "displayName")
            if k in space_json
        }
        if reply:
            data["threadReply"] = True
        if message_id:
            data["clientAssignedMessageId"] = message_id
        stored = StoredMessage(
            data, space.name, principal.key, thread.name, self.state.next_seq(), created, message_id
        )
        self.state.store(stored)
        return stored

    def _view(self, principal: Principal, stored: StoredMessage) -> Json:
        """What the API returns; webhooks get only what they sent plus name and thread.name."""
        data = json.loads(json.dumps(stored.data))
        if principal.kind != "webhook":
            return dict(data)
        keep = {k: data[k] for k in _COPIED if k in data}
        keep["name"] = data["name"]
        keep["thread"] = {"name": data["thread"]["name"]}
        if "threadKey" in data["thread"]:
            keep["thread"]["threadKey"] = data["thread"]["threadKey"]
        return keep

    # --- get ---------------------------------------------------------------------------

    def get(self, principal: Principal, name: str) -> Json:
        with self.state.lock:
            stored = self.state.live_message(name)
            space = self._space_for(principal, stored.space)
            readable = (
                not principal.is_app
                or stored.creator == principal.key
                or space.space_type == "DIRECT_MESSAGE"
                or principal.has_scope("chat.app.messages.readonly")
            )
            if not readable:
                raise denied()
            return self._view(principal, stored)

    # --- patch / update ----------------------------------------------------------------

    def update(self, principal: Principal, name: str, query: Json, body: Json) -> Json:
        with self.state.lock:
            space_name = "/".join(name.split("/")[:2])
            space = self._space_for(principal, space_name)
            stored = self.state.find_message(name)
            if stored is None or stored.deleted:
                if not query.get("allowMissing"):
                    raise not_found()
                return self._upsert(principal, space, name, body)
            if stored.creator != principal.key:
                raise denied()
            fields = self._mask(query.get("updateMask"), principal)
            updated = dict(stored.data)
            for field in fields:
                if field in body:
                    updated[field] = body[field]
                else:
                    updated.pop(field, None)
            if "text" in updated:
                updated["formattedText"] = updated["argumentText"] = updated["text"]
            else:
                for derived in ("formattedText", "argumentText"):
                    updated.pop(derived, None)
            content = {k: updated[k] for k in _COPIED if k in updated}
            self._check_content(principal, content, need_content=True)
            updated["lastUpdateTime"] = rfc3339(self.state.now())
            stored.data = updated
            return self._view(principal, stored)

    def _mask(self, mask: str | None, principal: Principal) -> list[str]:
        if not mask or not mask.strip():
            raise invalid("The update mask (updateMask) is required.")
        fields: list[str] = []
        for raw in mask.split(","):
            path = raw.strip()
            if path == "*":
                fields.extend(["text", "attachment", "cards", "cardsV2", "accessoryWidgets"])
                continue
            key = re.sub(r"(?<!^)(?=[A-Z])", "_", path).lower()
            if key not in _MASK_FIELDS:
                raise invalid(f"Invalid update mask path: {path!r}.")
            fields.append(_MASK_FIELDS[key])
        if not principal.is_app and any(f in _CARD_FIELDS for f in fields if f):
            raise invalid(HUMAN_CARDS)
        return list(dict.fromkeys(fields))

    def _upsert(self, principal: Principal, space: Space, name: str, body: Json) -> Json:
        message_id = name.rsplit("/", 1)[1]
        if not message_id.startswith("client-"):
            raise invalid(
                "allowMissing=true needs a client-assigned message ID (spaces/S/messages/client-…)."
            )
        check_message_id(message_id)
        self._check_content(principal, body, need_content=True)
        existing = self.state.client_ids.get((space.name, message_id))
        if existing is not None:  # deleted: its custom ID stays taken
            raise conflict(f"Message with the custom ID {message_id} already exists.")
        query = {"messageReplyOption": FALLBACK} if body.get("thread") else {}
        thread, reply = self._thread_for(principal, space, query, body)
        return self._view(
            principal, self._new_message(principal, space, thread, reply, body, message_id)
        )

    # --- delete ------------------------------------------------------------------------

    def delete(self, principal: Principal, name: str, query: Json) -> Json:
        with self.state.lock:
            stored = self.state.live_message(name)
            self._space_for(principal, stored.space)
            if stored.creator != principal.key:
                raise denied()
            thread = self.state.threads[stored.thread]
            replies = [
                self.state.messages[stored.space][n]
                for n in thread.messages
                if n != stored.name and not self.state.messages[stored.space][n].deleted
            ]
            is_root = thread.messages and thread.messages[0] == stored.name
            doomed = [stored]
            if is_root and replies:
                if principal.is_app or not query.get("force"):
                    raise ApiError(
                        400,
                        "Message has threaded replies; deleting it needs force=true "
                        "(user authentication only).",
                        "FAILED_PRECONDITION",
                    )
                doomed.extend(replies)
            when = rfc3339(self.state.now())
            kind = (
                "CREATOR" if principal.is_app or principal.key == stored.creator else "SPACE_OWNER"
            )
            for message in doomed:
                message.deleted = True
                message.data["deleteTime"] = when
                message.data["deletionMetadata"] = {"deletionType": kind}
            return {}

    # --- list ----------------------------------------------------------------------------

    def list_messages(self, principal: Principal, parent: str, query: Json) -> Json:
        with self.state.lock:
            self._space_for(principal, parent)
            size = page_size(query, DEFAULT_PAGE_SIZE)
            descending = order_desc(query.get("orderBy", ""))
            matches = message_filter(query.get("filter", ""))
            show_deleted = bool(query.get("showDeleted"))
            print_ = fingerprint(parent, query.get("filter", ""), descending, show_deleted)
            offset = decode_token(query.get("pageToken"), print_)
            rows = [
                m
                for m in self.state.messages[parent].values()
                if (show_deleted or not m.deleted) and matches(m)
            ]
            rows.sort(key=lambda m: m.seq, reverse=descending)
            page = rows[offset : offset + size]
            out: Json = {"messages": [self._view(principal, m) for m in page]}
            if offset + size < len(rows):
                out["nextPageToken"] = encode_token(offset + size, print_)
            return out
