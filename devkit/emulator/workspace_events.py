"""The Workspace Events API (v1) in the emulator: subscriptions on Chat spaces, and their events.

Routes (validated against ``workspaceevents.v1.json`` by the app, like the Chat
routes): ``subscriptions.create/get/list/patch/delete/reactivate`` and
``operations.get``. Following REFERENCE §5:

* **Who**: user auth, or app auth. The method's discovery scopes are checked
  first (``chat.bot`` reads, lists and deletes; creating, patching and
  reactivating need a user scope or a ``chat.app.*`` one); then each event
  family needs one of its scopes (§5.4), and the principal must have joined
  the target space. ``//chat.googleapis.com/spaces/-`` is user-only.
* **One per principal per target**: a second create -> 409 ``ALREADY_EXISTS``.
* **TTL**: ``ttl`` unset or ``0s`` is the maximum, 7 days names-only, 4 hours with
  the resource; longer -> 400. Expiration reminders at 12 h (only when the
  lifetime exceeded 12 h) and 1 h before ``expireTime``; at ``expireTime`` the
  subscription is deleted and ``expired`` published.
* **Operations**: every mutation returns one, done at once unless
  ``pending_polls`` asks for that many ``operations.get`` first. Its result is
  the subscription as the mutation left it.
* **Events**: committed Chat API writes (``observe``) become CloudEvents for
  every ACTIVE subscription that asked for their type and can see the space:
  message created/updated/deleted, membership created, reaction created/deleted.
  Names-only subscriptions get ``{"message": {"name": …}}``; ``fieldMask`` keeps
  the listed fields. Private messages are not published.

Our reading where Google does not say (marked so): a patch of a SUSPENDED
subscription is ``FAILED_PRECONDITION``; reactivating an ACTIVE one is a no-op;
a reactivation whose cause persists (the principal left the space, the space is
gone) ends in an operation error ``FAILED_PRECONDITION``; ``get`` of another
principal's subscription is ``PERMISSION_DENIED``; lifecycle ``ce-id``s are
``subscriptions/ID/lifecycleEvents/N``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devkit.emulator.auth import APP_USER, Principal
from devkit.emulator.errors import INSUFFICIENT_SCOPES, ApiError, denied, invalid, not_found
from devkit.emulator.paging import decode_token, encode_token, fingerprint
from devkit.emulator.publisher import Publisher, pubsub_message
from devkit.emulator.state import State, parse_rfc3339, rfc3339

Json = dict[str, Any]

CHAT_TARGET = "//chat.googleapis.com/"
PEOPLE_TARGET = "//cloudidentity.googleapis.com/users/"
SOURCE = "//workspaceevents.googleapis.com/"
TYPE_URL = "type.googleapis.com/google.apps.events.subscriptions.v1."
LIFECYCLE = "google.workspace.events.subscription.v1."
SERVICE_ACCOUNT = "projects/local/serviceAccounts/nudge-local@local.iam.gserviceaccount.com"

MAX_NAMES_ONLY = dt.timedelta(days=7)
MAX_WITH_RESOURCE = dt.timedelta(hours=4)
#: Expiration reminders: (mark, how long before expireTime).
REMINDERS = (("12h", dt.timedelta(hours=12)), ("1h", dt.timedelta(hours=1)))
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

_CHAT = "google.workspace.chat."
FAMILY_TYPES: dict[str, tuple[str, ...]] = {
    "message": tuple(f"{_CHAT}message.v1.{a}" for a in ("created", "updated", "deleted")),
    "membership": tuple(f"{_CHAT}membership.v1.{a}" for a in ("created", "updated", "deleted")),
    "reaction": tuple(f"{_CHAT}reaction.v1.{a}" for a in ("created", "deleted")),
    "space": tuple(f"{_CHAT}space.v1.{a}" for a in ("updated", "deleted")),
}
SUBSCRIBABLE = {t: family for family, types in FAMILY_TYPES.items() for t in types}
#: Scopes that cover each family (REFERENCE §5.4), short names.
USER_SCOPES: dict[str, tuple[str, ...]] = {
    "message": ("chat.messages", "chat.messages.readonly"),
    "reaction": (
        "chat.messages.reactions",
        "chat.messages.reactions.readonly",
        "chat.messages",
        "chat.messages.readonly",
    ),
    "membership": ("chat.memberships", "chat.memberships.readonly"),
    "space": ("chat.spaces", "chat.spaces.readonly"),
}
APP_SCOPES: dict[str, tuple[str, ...]] = {
    "message": ("chat.app.messages.readonly",),
    "reaction": ("chat.app.messages.readonly",),
    "membership": ("chat.app.memberships", "chat.app.memberships.readonly"),
    "space": ("chat.app.spaces", "chat.app.spaces.readonly"),
}
SUSPENSION_REASONS = (
    "USER_SCOPE_REVOKED",
    "APP_SCOPE_REVOKED",
    "RESOURCE_DELETED",
    "USER_AUTHORIZATION_FAILURE",
    "APP_AUTHORIZATION_FAILURE",
    "ENDPOINT_PERMISSION_DENIED",
    "ENDPOINT_NOT_FOUND",
    "ENDPOINT_RESOURCE_EXHAUSTED",
    "OTHER",
)
_TOPIC = re.compile(r"projects/[^/]+/topics/[^/]+")
_DURATION = re.compile(r"(\d+)(\.\d{1,9})?s")
_MASK_PATHS = {
    "ttl": "ttl",
    "expire_time": "expireTime",
    "expireTime": "expireTime",
    "event_types": "eventTypes",
    "eventTypes": "eventTypes",
}
_EVENT_TYPES_CLAUSE = re.compile(r'event_types\s*:\s*"([^"]*)"')
_TARGET_CLAUSE = re.compile(r'target_resource\s*=\s*"([^"]*)"')


def _precondition(message: str) -> ApiError:
    return ApiError(400, message, "FAILED_PRECONDITION")


def _uid(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


@dataclass
class Subscription:
    """A stored subscription."""

    name: str
    uid: str
    target: str
    event_types: list[str]
    topic: str
    include_resource: bool
    field_mask: str
    owner: str  # Principal.key of the authorizing principal
    authority: str  # users/{id}, "" for the app
    expire: dt.datetime
    created: dt.datetime
    updated: dt.datetime
    state: str = "ACTIVE"
    suspension_reason: str = ""
    etag: str = ""
    reminded: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return SOURCE + self.name

    @property
    def lifetime(self) -> dt.timedelta:
        return MAX_WITH_RESOURCE if self.include_resource else MAX_NAMES_ONLY

    def to_json(self) -> Json:
        options: Json = {"includeResource": self.include_resource}
        if self.field_mask:
            options["fieldMask"] = self.field_mask
        out: Json = {
            "name": self.name,
            "uid": self.uid,
            "targetResource": self.target,
            "eventTypes": list(self.event_types),
            "payloadOptions": options,
            "notificationEndpoint": {"pubsubTopic": self.topic},
            "state": self.state,
            "createTime": rfc3339(self.created),
            "updateTime": rfc3339(self.updated),
            "expireTime": rfc3339(self.expire),
            "etag": self.etag,
            "reconciling": False,
        }
        if self.authority:
            out["authority"] = out["userAuthority"] = self.authority
        else:
            out["serviceAccountAuthority"] = SERVICE_ACCOUNT
        if self.suspension_reason:
            out["suspensionReason"] = self.suspension_reason
        return out


@dataclass
class Operation:
    name: str
    owner: str
    result: Json  # {"response": …} or {"error": …}
    metadata: str
    pending: int = 0

    def to_json(self) -> Json:
        out: Json = {"name": self.name, "metadata": {"@type": TYPE_URL + self.metadata}}
        if self.pending > 0:
            out["done"] = False
            return out
        out["done"] = True
        out.update(self.result)
        return out


#: ``(subscription, ce-type, ce-id, ce-subject, payload)``: one event to publish.
Outgoing = tuple[Subscription, str, str, str, Json]


class WorkspaceEvents:
    """Subscriptions, operations and event delivery over the emulator's ``State``.

    Everything runs under ``state.lock``; events are handed to the publisher
    after it is released. ``now()`` is the wall clock plus ``offset``, which
    ``advance`` moves to reach expiry without waiting.
    """

    def __init__(self, state: State, publisher: Publisher | None = None) -> None:
        self.state = state
        self.publisher = publisher or Publisher()
        self.publisher.on_endpoint_error = self._endpoint_error
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.reset()

    def reset(self) -> None:
        """Forget subscriptions, operations, published events and the time offset."""
        with self.state.lock:
            self.subscriptions: dict[str, Subscription] = {}
            self.operations: dict[str, Operation] = {}
            self.offset = dt.timedelta()
            self.pending_polls = 0
            self._seq = 0
        self.publisher.clear()

    # --- time -------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.clock() + self.offset

    def advance(self, seconds: float) -> Json:
        """Move the subscriptions' clock ``seconds`` ahead, then deliver what is due."""
        if seconds < 0:
            raise invalid("time only moves forward")
        with self.state.lock:
            self.offset += dt.timedelta(seconds=seconds)
        self.sweep()
        return {"now": rfc3339(self.now()), "offsetSeconds": self.offset.total_seconds()}

    def sweep(self) -> None:
        """Send due expiration reminders, and expire (delete) what reached its expireTime."""
        out: list[Outgoing] = []
        with self.state.lock:
            now = self.now()
            for sub in list(self.subscriptions.values()):
                if now >= sub.expire:
                    del self.subscriptions[sub.name]
                    out.append(self._lifecycle(sub, "expired"))
                    continue
                if sub.state != "ACTIVE":
                    continue
                for mark, before in REMINDERS:
                    if mark in sub.reminded or now < sub.expire - before:
                        continue
                    sub.reminded.add(mark)
                    if sub.expire - sub.updated > before:
                        out.append(self._lifecycle(sub, "expirationReminder"))
        self._send(out)

    # --- API: subscriptions ----------------------------------------------------------

    def create(self, principal: Principal, query: Json, body: Json) -> Json:
        self.sweep()
        with self.state.lock:
            target = self._target(principal, str(body.get("targetResource") or ""))
            types = self._event_types(body.get("eventTypes"))
            self._check_family_scopes(principal, types)
            topic = str((body.get("notificationEndpoint") or {}).get("pubsubTopic") or "")
            if not _TOPIC.fullmatch(topic):
                raise invalid(
                    "notification_endpoint.pubsub_topic must be projects/{project}/topics/{topic}."
                )
            options = body.get("payloadOptions") or {}
            include = bool(options.get("includeResource", False))
            mask = str(options.get("fieldMask") or "")
            if mask and not include:
                raise invalid("payload_options.field_mask needs include_resource=true.")
            now = self.now()
            lifetime = MAX_WITH_RESOURCE if include else MAX_NAMES_ONLY
            expire = self._expiry(body, now, lifetime)
            for other in self.subscriptions.values():
                if other.owner == principal.key and other.target == target:
                    raise ApiError(
                        409,
                        "A subscription for this target resource already exists for the "
                        f"authorizing principal: {other.name}.",
                        "ALREADY_EXISTS",
                    )
            self._seq += 1
            uid = _uid(f"{principal.key}|{target}|{self._seq}|{uuid.uuid4()}")
            sub = Subscription(
                name=f"subscriptions/{uid[:20]}",
                uid=uid,
                target=target,
                event_types=types,
                topic=topic,
                include_resource=include,
                field_mask=mask,
                owner=principal.key,
                authority="" if principal.is_app else principal.user,
                expire=expire,
                created=now,
                updated=now,
            )
            sub.etag = self._etag(sub)
            if not query.get("validateOnly"):
                self.subscriptions[sub.name] = sub
            return self._operation(principal, "CreateSubscriptionMetadata", sub.to_json())

    def get(self, principal: Principal, name: str) -> Json:
        self.sweep()
        with self.state.lock:
            return self._own(principal, name).to_json()

    def list_subscriptions(self, principal: Principal, query: Json) -> Json:
        self.sweep()
        with self.state.lock:
            types, target = _parse_filter(str(query.get("filter") or ""))
            size = int(query.get("pageSize") or 0)
            if size < 0:
                raise invalid("page_size must not be negative.")
            size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
            print_ = fingerprint("subscriptions", principal.key, query.get("filter"))
            offset = decode_token(query.get("pageToken"), print_)
            rows = [
                s
                for s in sorted(self.subscriptions.values(), key=lambda s: (s.created, s.name))
                if s.owner == principal.key
                and set(s.event_types) & types
                and (target is None or s.target == target)
            ]
            out: Json = {"subscriptions": [s.to_json() for s in rows[offset : offset + size]]}
            if offset + size < len(rows):
                out["nextPageToken"] = encode_token(offset + size, print_)
            return out

    def patch(self, principal: Principal, name: str, query: Json, body: Json) -> Json:
        self.sweep()
        with self.state.lock:
            sub = self._own(principal, name)
            paths = self._mask(query.get("updateMask"), body)
            if body.get("etag") and body["etag"] != sub.etag:
                raise ApiError(409, "The etag does not match the subscription's.", "ABORTED")
            if sub.state == "SUSPENDED":  # our reading: reactivate first
                raise _precondition(
                    f"{sub.name} is suspended ({sub.suspension_reason}): reactivate it first."
                )
            types = sub.event_types
            if "eventTypes" in paths:
                types = self._event_types(body.get("eventTypes"))
            self._check_family_scopes(principal, types)
            now = self.now()
            expire = sub.expire
            if "ttl" in paths or "expireTime" in paths:
                expire = self._expiry(body, now, sub.lifetime, only="ttl" in paths)
            if query.get("validateOnly"):
                preview = Subscription(**{**sub.__dict__, "event_types": types, "expire": expire})
                return self._operation(principal, "UpdateSubscriptionMetadata", preview.to_json())
            sub.event_types, sub.expire, sub.updated = types, expire, now
            sub.reminded.clear()
            sub.etag = self._etag(sub)
            return self._operation(principal, "UpdateSubscriptionMetadata", sub.to_json())

    def reactivate(self, principal: Principal, name: str) -> Json:
        self.sweep()
        with self.state.lock:
            sub = self._own(principal, name)
            self._check_family_scopes(principal, sub.event_types)
            if sub.state == "ACTIVE":  # our reading: nothing to do
                return self._operation(principal, "ReactivateSubscriptionMetadata", sub.to_json())
            problem = self._access_problem(principal, sub.target)
            if problem:
                return self._operation(
                    principal,
                    "ReactivateSubscriptionMetadata",
                    error={"code": 9, "message": f"{sub.name} cannot be reactivated: {problem}"},
                )
            sub.state = "ACTIVE"  # suspensionReason keeps the original error (REFERENCE §5.3)
            sub.updated = self.now()
            sub.etag = self._etag(sub)
            return self._operation(principal, "ReactivateSubscriptionMetadata", sub.to_json())

    def delete(self, principal: Principal, name: str, query: Json) -> Json:
        self.sweep()
        with self.state.lock:
            sub = self.subscriptions.get(name)
            if sub is None:
                if not query.get("allowMissing"):
                    raise not_found()
                return self._operation(principal, "DeleteSubscriptionMetadata", None)
            self._own(principal, name)
            if query.get("etag") and query["etag"] != sub.etag:
                raise ApiError(409, "The etag does not match the subscription's.", "ABORTED")
            if not query.get("validateOnly"):
                del self.subscriptions[name]
            return self._operation(principal, "DeleteSubscriptionMetadata", None)

    def get_operation(self, principal: Principal, name: str) -> Json:
        with self.state.lock:
            operation = self.operations.get(name)
            if operation is None or operation.owner != principal.key:
                raise not_found()
            if operation.pending > 0:
                operation.pending -= 1  # the N-th poll after the mutation sees it done
            return operation.to_json()

    # --- control (inspection API) ------------------------------------------------------

    def suspend(self, name: str, reason: str = "USER_SCOPE_REVOKED") -> Json:
        """Suspend ``subscriptions/ID`` now and publish ``suspended``."""
        if reason not in SUSPENSION_REASONS:
            raise invalid(f"reason must be one of {', '.join(SUSPENSION_REASONS)}")
        with self.state.lock:
            sub = self.subscriptions.get(name)
            if sub is None:
                raise not_found(f"No subscription {name}.")
            out = self._suspend(sub, reason)
            result = sub.to_json()
        self._send(out)
        return result

    def expire(self, name: str) -> Json:
        """Let ``subscriptions/ID`` expire now: it is deleted and ``expired`` published."""
        with self.state.lock:
            sub = self.subscriptions.get(name)
            if sub is None:
                raise not_found(f"No subscription {name}.")
            sub.expire = self.now()
        self.sweep()
        return {"name": name, "expired": True}

    def all_subscriptions(self) -> list[Json]:
        with self.state.lock:
            return [s.to_json() | {"owner": s.owner} for s in self.subscriptions.values()]

    def _suspend(self, sub: Subscription, reason: str) -> list[Outgoing]:
        if sub.state == "SUSPENDED" and sub.suspension_reason == reason:
            return []
        sub.state, sub.suspension_reason = "SUSPENDED", reason
        sub.updated = self.now()
        sub.etag = self._etag(sub)
        return [self._lifecycle(sub, "suspended")]

    def _endpoint_error(self, name: str, reason: str) -> None:
        """The topic refused an event: suspend, keeping ``suspended`` in memory only."""
        with self.state.lock:
            sub = self.subscriptions.get(name)
            out = self._suspend(sub, reason) if sub is not None else []
        self._send(out, memory_only=True)

    # --- events from the Chat API ------------------------------------------------------

    def observe(
        self, method: str, principal: Principal, path: dict[str, str], result: Json
    ) -> None:
        """A committed Chat API write: publish it to the subscriptions that want it."""
        self.sweep()
        with self.state.lock:
            found = self._chat_event(method, path, result)
            if found is None:
                return
            event_type, space, payload_key, resource, deleted = found
            seed = f"{event_type}|{resource.get('name')}|{self._next()}"
            ce_id = f"{space}/spaceEvents/{_uid(seed)}"
            out: list[Outgoing] = []
            for sub in self.subscriptions.values():
                if sub.state != "ACTIVE" or event_type not in sub.event_types:
                    continue
                if not self._covers(sub, space):
                    continue
                payload = {payload_key: self._shape(sub, payload_key, resource, deleted)}
                out.append((sub, event_type, ce_id, CHAT_TARGET + space, payload))
        self._send(out)

    def _chat_event(
        self, method: str, path: dict[str, str], result: Json
    ) -> tuple[str, str, str, Json, bool] | None:
        """``(type, space, payload key, resource, deleted)`` for a Chat write, if it is one."""
        state = self.state
        if method == "chat.spaces.messages.create" or method.endswith(
            ("messages.patch", "messages.update")
        ):
            stored = state.find_message(str(result.get("name") or path.get("name") or ""))
            if stored is None or "privateMessageViewer" in stored.data:
                return None
            action = "created" if method.endswith("create") else "updated"
            return (f"{_CHAT}message.v1.{action}", stored.space, "message", stored.data, False)
        if method == "chat.spaces.messages.delete":
            stored = state.find_message(path["name"])
            if stored is None or "privateMessageViewer" in stored.data:
                return None
            resource = {
                "name": stored.name,
                "createTime": stored.data.get("createTime"),
                "deletionMetadata": stored.data.get("deletionMetadata", {}),
            }
            return (f"{_CHAT}message.v1.deleted", stored.space, "message", resource, True)
        if method == "chat.spaces.members.create":
            return (f"{_CHAT}membership.v1.created", path["parent"], "membership", result, False)
        if method == "chat.spaces.messages.reactions.create":
            space = "/".join(path["parent"].split("/")[:2])
            return (f"{_CHAT}reaction.v1.created", space, "reaction", result, False)
        if method == "chat.spaces.messages.reactions.delete":
            space = "/".join(path["name"].split("/")[:2])
            return (f"{_CHAT}reaction.v1.deleted", space, "reaction", {"name": path["name"]}, True)
        return None

    def _covers(self, sub: Subscription, space: str) -> bool:
        """Whether ``sub`` watches ``space`` and its principal can still see it."""
        if sub.target not in (CHAT_TARGET + space, CHAT_TARGET + "spaces/-"):
            return False
        member = sub.authority or APP_USER
        found = self.state.membership_of(space, member)
        return found is not None and found.state == "JOINED"

    @staticmethod
    def _shape(sub: Subscription, key: str, resource: Json, deleted: bool) -> Json:
        """The resource as the subscription's payload options ask for it."""
        data = dict(resource)
        if deleted:
            return data
        if not sub.include_resource:
            return {"name": data.get("name")}
        if not sub.field_mask:
            return data
        out: Json = {"name": data.get("name")}
        for raw in sub.field_mask.split(","):
            parts = raw.strip().split(".")
            if parts and parts[0] == key:
                parts = parts[1:]
            source: Any = data
            target = out
            for index, part in enumerate(parts):
                if not isinstance(source, dict) or part not in source:
                    break
                if index == len(parts) - 1:
                    target[part] = source[part]
                else:
                    source = source[part]
                    target = target.setdefault(part, {})
        return out

    # --- helpers -------------------------------------------------------------------------

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _lifecycle(self, sub: Subscription, kind: str) -> Outgoing:
        ce_id = f"{sub.name}/lifecycleEvents/{self._next()}"  # our reading
        return (sub, LIFECYCLE + kind, ce_id, sub.full_name, {"subscription": sub.to_json()})

    def _message(
        self, sub: Subscription, kind: str, ce_id: str, subject: str, payload: Json
    ) -> Json:
        attributes = {
            "ce-datacontenttype": "application/json",
            "ce-id": ce_id,
            "ce-source": sub.full_name,
            "ce-specversion": "1.0",
            "ce-subject": subject,
            "ce-time": rfc3339(self.now()),
            "ce-type": kind,
        }
        return pubsub_message(attributes, payload, sub.full_name)

    def _send(self, out: list[Outgoing], *, memory_only: bool = False) -> None:
        """Publish, outside the state lock (a Pub/Sub error may come back to suspend)."""
        for sub, kind, ce_id, subject, payload in out:
            self.publisher.publish(
                subscription=sub.name,
                topic=sub.topic,
                message=self._message(sub, kind, ce_id, subject, payload),
                payload=payload,
                memory_only=memory_only,
            )

    def _operation(
        self,
        principal: Principal,
        metadata: str,
        response: Json | None = None,
        *,
        error: Json | None = None,
    ) -> Json:
        if error is not None:
            result: Json = {"error": error}
        elif response is None:
            result = {"response": {"@type": "type.googleapis.com/google.protobuf.Empty"}}
        else:
            result = {"response": {"@type": TYPE_URL + "Subscription", **response}}
        name = f"operations/{_uid(f'op|{self._next()}|{uuid.uuid4()}')}"
        operation = Operation(name, principal.key, result, metadata, self.pending_polls)
        self.operations[name] = operation
        return operation.to_json()

    def _own(self, principal: Principal, name: str) -> Subscription:
        sub = self.subscriptions.get(name)
        if sub is None:
            raise not_found()
        if sub.owner != principal.key and not (principal.is_app and not sub.authority):
            raise denied()  # our reading
        return sub

    def _target(self, principal: Principal, target: str) -> str:
        if not target:
            raise invalid("target_resource is required.")
        if target.startswith(PEOPLE_TARGET):
            if principal.is_app:
                raise invalid("Chat apps can't subscribe to user events.")
            return target
        rest = target.removeprefix(CHAT_TARGET)
        parts = rest.split("/")
        if rest == target or len(parts) != 2 or parts[0] != "spaces" or not parts[1]:
            raise invalid(
                f"Invalid target resource {target!r}: expected "
                "//chat.googleapis.com/spaces/{space}."
            )
        if parts[1] == "-":
            if principal.is_app:
                raise invalid("//chat.googleapis.com/spaces/- needs user authentication.")
            return target
        problem = self._access_problem(principal, rest)
        if problem == "missing":
            raise not_found(f"Space {rest} not found.")
        if problem:
            raise denied()
        return target

    def _access_problem(self, principal: Principal, target: str) -> str:
        """ "" if the principal can see the target space, else why not."""
        space = target.removeprefix(CHAT_TARGET)
        if not space.startswith("spaces/") or space == "spaces/-":
            return ""
        if space not in self.state.spaces:
            return "missing"
        who = APP_USER if principal.is_app else principal.user
        member = self.state.membership_of(space, who)
        if member is None or member.state != "JOINED":
            return "the authorizing principal is not a member of the space"
        return ""

    @staticmethod
    def _event_types(raw: Any) -> list[str]:
        types = [str(t) for t in raw or []]
        if not types:
            raise invalid("event_types is required: at least one event type.")
        for event_type in types:
            if event_type not in SUBSCRIBABLE:
                raise invalid(
                    f"Invalid event type {event_type!r}: it is not a supported event type for "
                    "the target resource (lifecycle and batch types are delivered without "
                    "being listed)."
                )
        return list(dict.fromkeys(types))

    @staticmethod
    def _check_family_scopes(principal: Principal, types: list[str]) -> None:
        table = APP_SCOPES if principal.is_app else USER_SCOPES
        for family in dict.fromkeys(SUBSCRIBABLE[t] for t in types):
            if not principal.has_scope(*table[family]):
                raise denied(INSUFFICIENT_SCOPES)

    def _expiry(
        self, body: Json, now: dt.datetime, lifetime: dt.timedelta, *, only: bool | None = None
    ) -> dt.datetime:
        ttl, expire_time = body.get("ttl"), body.get("expireTime")
        if only is True:
            expire_time = None
        elif only is False:
            ttl = None
        if ttl is not None and expire_time is not None:
            raise invalid("Set ttl or expire_time, not both.")
        if expire_time is not None:
            try:
                when = parse_rfc3339(str(expire_time))
            except ValueError:
                raise invalid(f"Invalid expire_time {expire_time!r}.") from None
            if when <= now:
                raise invalid("expire_time must be in the future.")
            if when > now + lifetime:
                raise invalid(f"expire_time is beyond the maximum lifetime ({lifetime}).")
            return when
        if ttl is None:
            return now + lifetime
        found = _DURATION.fullmatch(str(ttl))
        if not found:
            raise invalid(f'Invalid ttl {ttl!r}: expected a duration such as "3600s".')
        seconds = float(found.group(1) + (found.group(2) or ""))
        if seconds == 0:
            return now + lifetime
        if dt.timedelta(seconds=seconds) > lifetime:
            raise invalid(f"ttl is beyond the maximum lifetime ({int(lifetime.total_seconds())}s).")
        return now + dt.timedelta(seconds=seconds)

    @staticmethod
    def _mask(raw: Any, body: Json) -> set[str]:
        if raw is None or not str(raw).strip():
            fields: set[str] = {k for k in ("ttl", "expireTime", "eventTypes") if k in body}
            if not fields:
                raise invalid("update_mask is required (ttl, expire_time or event_types).")
            return fields
        out: set[str] = set()
        for part in str(raw).split(","):
            path = part.strip()
            if path == "*":
                out |= {k for k in ("ttl", "expireTime") if k in body} | {"eventTypes"}
                continue
            if path not in _MASK_PATHS:
                raise invalid(
                    f"Invalid update_mask path {path!r}: only ttl, expire_time and event_types "
                    "can be updated."
                )
            out.add(_MASK_PATHS[path])
        if {"ttl", "expireTime"} <= out:
            raise invalid("update_mask may name ttl or expire_time, not both.")
        return out

    def _etag(self, sub: Subscription) -> str:
        return '"' + _uid(f"{sub.name}|{sub.updated.isoformat()}|{self._next()}")[:16] + '"'


def _parse_filter(text: str) -> tuple[set[str], str | None]:
    """``(event types, target)`` of a list filter; 400 for anything else.

    Accepted: ``event_types:"T"`` clauses joined by ``OR`` (in parentheses or not)
    and at most one ``target_resource="R"``, joined by ``AND``.
    """
    if not text.strip():
        raise invalid('filter is required: at least one event_types:"…" clause.')
    types: set[str] = set()
    target: str | None = None
    for part in re.split(r"\s+AND\s+", text.strip()):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        if found := _TARGET_CLAUSE.fullmatch(part):
            if target is not None:
                raise invalid(f"Invalid filter {text!r}: only one target_resource.")
            target = found.group(1)
            continue
        alternatives = re.split(r"\s+OR\s+", part)
        for alternative in alternatives:
            found = _EVENT_TYPES_CLAUSE.fullmatch(alternative.strip())
            if not found:
                raise invalid(f"Invalid filter {text!r}.")
            if found.group(1) not in SUBSCRIBABLE:
                raise invalid(f"Invalid filter {text!r}: unknown event type {found.group(1)!r}.")
            types.add(found.group(1))
    if not types:
        raise invalid(f'Invalid filter {text!r}: at least one event_types:"…" clause is required.')
    return types, target
