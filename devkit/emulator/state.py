"""In-memory emulator state: users, spaces, memberships, threads and messages.

One re-entrant lock guards everything; the API services hold it for a whole
operation, so each request is atomic. ``State.seed_defaults`` creates the
out-of-the-box data ``make run`` relies on (see ``DEFAULT_*`` below).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from devkit.emulator.auth import APP_DISPLAY_NAME, APP_USER
from devkit.emulator.errors import ApiError, denied, invalid, not_found

Json = dict[str, Any]

DEFAULT_SPACE = "spaces/AAAA"
DEFAULT_DM = "spaces/DM1"
DEFAULT_WEBHOOK_KEY = "local-webhook-key"
DEFAULT_WEBHOOK_TOKEN = "local-webhook-token"  # noqa: S105 - local only
DEFAULT_USERS: tuple[tuple[str, str, str, bool], ...] = (
    ("users/100000000000000000001", "dev@example.com", "Dev User", True),
    ("users/100000000000000000002", "alex@example.com", "Alex Example", True),
    ("users/100000000000000000003", "invitee@example.com", "Ivy Invitee", False),
)
SPACE_TYPES = ("SPACE", "GROUP_CHAT", "DIRECT_MESSAGE")
APP_MEMBERSHIP_ID = "app"


def rfc3339(moment: dt.datetime) -> str:
    """``2025-01-02T03:04:05.123456Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> dt.datetime:
    """Parse an RFC 3339 timestamp (``Z`` or an offset); raises ``ValueError``."""
    moment = dt.datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        raise ValueError("timestamp needs a time zone")
    return moment


@dataclass
class User:
    name: str  # users/{id}
    email: str | None = None
    display_name: str = ""
    auto_accept: bool = True

    def to_json(self, kind: str = "HUMAN") -> Json:
        out: Json = {"name": self.name, "type": kind}
        if self.display_name:
            out["displayName"] = self.display_name
        return out


@dataclass
class Space:
    name: str
    display_name: str = ""
    space_type: str = "SPACE"
    single_user_bot_dm: bool = False
    create_time: str = ""
    webhook_key: str | None = None
    webhook_token: str | None = None
    webhook_name: str = "Incoming webhook"

    def to_json(self, joined_humans: int = 0) -> Json:
        space_id = self.name.split("/", 1)[1]
        dm = self.space_type == "DIRECT_MESSAGE"
        out: Json = {
            "name": self.name,
            "type": "DM" if dm else "ROOM",
            "spaceType": self.space_type,
            "singleUserBotDm": self.single_user_bot_dm,
            "threaded": not dm,
            "spaceThreadingState": "GROUPED_MESSAGES" if dm else "THREADED_MESSAGES",
            "spaceHistoryState": "HISTORY_ON",
            "createTime": self.create_time,
            "spaceUri": f"https://chat.google.com/{'dm' if dm else 'room'}/{space_id}?cls=11",
            "membershipCount": {"joinedDirectHumanUserCount": joined_humans},
        }
        if self.display_name and not dm:
            out["displayName"] = self.display_name
        return out


@dataclass
class Membership:
    name: str  # spaces/S/members/{id}
    member: str  # users/{id}
    kind: str = "HUMAN"
    state: str = "JOINED"
    role: str = "ROLE_MEMBER"
    create_time: str = ""

    def to_json(self, user: User | None) -> Json:
        if self.kind == "BOT":
            member: Json = {"name": self.member, "type": "BOT", "displayName": APP_DISPLAY_NAME}
        else:
            member = (user or User(self.member)).to_json()
        return {
            "name": self.name,
            "state": self.state,
            "role": self.role,
            "member": member,
            "createTime": self.create_time,
        }


@dataclass
class Thread:
    name: str
    key: str | None = None
    messages: list[str] = field(default_factory=list)


@dataclass
class StoredMessage:
    """A message as stored: its public JSON plus bookkeeping."""

    data: Json
    space: str
    creator: str  # Principal.key
    thread: str
    seq: int
    created: dt.datetime
    client_id: str | None = None
    deleted: bool = False

    @property
    def name(self) -> str:
        return str(self.data["name"])


def _short_id(seed: str, length: int = 11) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return base64.b32encode(digest).decode().rstrip("=")[:length]


class State:
    """All emulator data, guarded by ``lock`` (re-entrant)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.users: dict[str, User] = {}
            self.spaces: dict[str, Space] = {}
            self.members: dict[str, dict[str, Membership]] = {}
            self.messages: dict[str, dict[str, StoredMessage]] = {}
            self.threads: dict[str, Thread] = {}
            self.client_ids: dict[tuple[str, str], str] = {}
            self.request_ids: dict[tuple[str, str], tuple[str, str]] = {}
            self.thread_keys: dict[tuple[str, str, str], str] = {}
            #: message name -> reaction name -> Reaction JSON (``reactions.py``).
            self.reactions: dict[str, dict[str, Json]] = {}
            self._seq = 0
            self._last_time = dt.datetime.fromtimestamp(0, dt.UTC)

    # --- clock and ids -------------------------------------------------------------

    def now(self) -> dt.datetime:
        """Wall-clock UTC, strictly increasing across calls (1 µs apart at least)."""
        with self.lock:
            moment = dt.datetime.now(dt.UTC)
            if moment <= self._last_time:
                moment = self._last_time + dt.timedelta(microseconds=1)
            self._last_time = moment
            return moment

    def next_seq(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    def new_thread(self, space: str, key: str | None) -> Thread:
        thread = Thread(f"{space}/threads/{_short_id(f'{space}/t/{self.next_seq()}')}", key)
        self.threads[thread.name] = thread
        return thread

    def new_message_name(self, thread: Thread) -> str:
        thread_id = thread.name.rsplit("/", 1)[1]
        space = thread.name.split("/threads/")[0]
        return f"{space}/messages/{thread_id}.{_short_id(f'{space}/m/{self.next_seq()}')}"

    # --- users -----------------------------------------------------------------------

    def add_user(
        self, name: str, email: str | None = None, display_name: str = "", auto_accept: bool = True
    ) -> User:
        if not name.startswith("users/") or "@" in name:
            raise ValueError(f"user names look like users/{{id}}, not {name!r}")
        with self.lock:
            user = User(name, email, display_name or email or name, auto_accept)
            self.users[name] = user
            return user

    def find_user(self, ref: str, *, create: bool = False) -> User | None:
        """``users/{id}``, ``users/{email}``, a bare ID or email; ``create`` makes it up."""
        ident = ref.removeprefix("users/")
        with self.lock:
            if "@" in ident:
                for user in self.users.values():
                    if user.email and user.email.lower() == ident.lower():
                        return user
                if not create:
                    return None
                number = int(hashlib.sha256(ident.lower().encode()).hexdigest(), 16) % 10**20
                return self.add_user(f"users/1{number:020d}", ident, ident)
            found = self.users.get(f"users/{ident}")
            if found is None and create and ident and ident != "app":
                found = self.add_user(f"users/{ident}")
            return found

    # --- spaces and memberships --------------------------------------------------------

    def add_space(
        self,
        name: str,
        *,
        display_name: str = "",
        space_type: str = "SPACE",
        members: list[Any] | None = None,
        webhook_key: str | None = None,
        webhook_token: str | None = None,
        app_member: bool = True,
        single_user_bot_dm: bool | None = None,
    ) -> Space:
        """Create (or replace) a space; ``members`` holds user names, emails or dicts."""
        if (
            not name.startswith("spaces/")
            or "/" in name.removeprefix("spaces/")
            or name == "spaces/"
        ):
            raise ValueError(f"space names look like spaces/ID, not {name!r}")
        if space_type not in SPACE_TYPES:
            raise ValueError(f"spaceType must be one of {', '.join(SPACE_TYPES)}")
        with self.lock:
            space = Space(
                name,
                display_name,
                space_type,
                bool(
                    single_user_bot_dm
                    if single_user_bot_dm is not None
                    else space_type == "DIRECT_MESSAGE"
                ),
                rfc3339(self.now()),
                webhook_key,
                webhook_token,
            )
            self.spaces[name] = space
            self.members[name] = {}
            self.messages[name] = {}
            if app_member:
                self.add_membership(name, APP_USER, kind="BOT")
            for entry in members or []:
                self._seed_member(name, entry)
            return space

    def _seed_member(self, space: str, entry: Any) -> None:
        spec: Json = {"name": entry} if isinstance(entry, str) else dict(entry)
        ref = str(spec.get("name") or spec.get("email") or "")
        if not ref:
            raise ValueError("a member needs a name (users/{id}) or an email")
        user = self.find_user(ref, create=True)
        if user is None:
            raise ValueError(f"cannot seed member {ref!r}")
        if spec.get("email") and not user.email:
            user.email = str(spec["email"])
        if spec.get("displayName") or spec.get("display_name"):
            user.display_name = str(spec.get("displayName") or spec.get("display_name"))
        for flag in ("autoAccept", "auto_accept"):
            if flag in spec:
                user.auto_accept = bool(spec[flag])
        self.add_membership(
            space,
            user.name,
            state=str(spec.get("state", "JOINED")),
            role=str(spec.get("role", "ROLE_MEMBER")),
        )

    def add_membership(
        self,
        space: str,
        member: str,
        *,
        kind: str = "HUMAN",
        state: str = "JOINED",
        role: str = "ROLE_MEMBER",
    ) -> Membership:
        member_id = APP_MEMBERSHIP_ID if member == APP_USER else member.removeprefix("users/")
        membership = Membership(
            f"{space}/members/{member_id}", member, kind, state, role, rfc3339(self.now())
        )
        with self.lock:
            self.members[space][membership.name] = membership
        return membership

    def membership_of(self, space: str, user: str) -> Membership | None:
        member_id = APP_MEMBERSHIP_ID if user == APP_USER else user.removeprefix("users/")
        return self.members.get(space, {}).get(f"{space}/members/{member_id}")

    def space_json(self, space: Space) -> Json:
        joined = sum(
            1
            for m in self.members.get(space.name, {}).values()
            if m.kind == "HUMAN" and m.state == "JOINED"
        )
        return space.to_json(joined)

    def require_space(self, name: str) -> Space:
        space = self.spaces.get(name)
        if space is None:
            raise not_found()
        return space

    def require_joined(self, space: str, user: str) -> None:
        """403 unless ``user`` (``users/app`` for the app) has joined ``space``."""
        membership = self.membership_of(space, user)
        if membership is None or membership.state != "JOINED":
            raise denied()

    # --- messages ------------------------------------------------------------------------

    def find_message(self, name: str) -> StoredMessage | None:
        """By system name or by ``spaces/S/messages/client-…`` alias."""
        parts = name.split("/")
        if len(parts) != 4 or parts[0] != "spaces" or parts[2] != "messages":
            raise invalid(f"Invalid resource name: {name}")
        space = f"spaces/{parts[1]}"
        stored = self.messages.get(space, {}).get(name)
        if stored is None and parts[3].startswith("client-"):
            real = self.client_ids.get((space, parts[3]))
            stored = self.messages[space].get(real) if real else None
        return stored

    def live_message(self, name: str) -> StoredMessage:
        stored = self.find_message(name)
        if stored is None or stored.deleted:
            raise not_found()
        return stored

    def store(self, stored: StoredMessage) -> None:
        self.messages[stored.space][stored.name] = stored
        self.threads[stored.thread].messages.append(stored.name)
        if stored.client_id:
            self.client_ids[(stored.space, stored.client_id)] = stored.name

    # --- seeding -------------------------------------------------------------------------

    def seed_defaults(self) -> None:
        """Three users, ``spaces/AAAA`` ("Local team", with a webhook) and the DM ``spaces/DM1``."""
        with self.lock:
            for name, email, display, auto in DEFAULT_USERS:
                self.add_user(name, email, display, auto)
            dev, alex = DEFAULT_USERS[0][0], DEFAULT_USERS[1][0]
            self.add_space(
                DEFAULT_SPACE,
                display_name="Local team",
                members=[dev, alex],
                webhook_key=DEFAULT_WEBHOOK_KEY,
                webhook_token=DEFAULT_WEBHOOK_TOKEN,
            )
            self.add_space(DEFAULT_DM, space_type="DIRECT_MESSAGE", members=[dev])


def conflict(message: str) -> ApiError:
    return ApiError(409, message, "ALREADY_EXISTS")
