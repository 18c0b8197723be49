"""``WorkspaceEvents``: the subscriptions and operations API, its clock, and its events."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from devkit.emulator.auth import Principal
from devkit.emulator.errors import ApiError, denied, invalid, not_found
from devkit.emulator.paging import decode_token, encode_token, fingerprint
from devkit.emulator.publisher import Publisher
from devkit.emulator.state import State, rfc3339
from devkit.emulator.workspace_events import delivery, validation
from devkit.emulator.workspace_events.delivery import Outgoing
from devkit.emulator.workspace_events.model import (
    CHAT_TARGET,
    MAX_NAMES_ONLY,
    MAX_WITH_RESOURCE,
    MEET_EVENTS,
    MEET_TARGET,
    REMINDERS,
    SUSPENSION_REASONS,
    Json,
    Subscription,
    uid,
)
from devkit.emulator.workspace_events.operations import Operations


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
            self.operations = Operations()
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
            target = validation.check_target(
                self.state, principal, str(body.get("targetResource") or "")
            )
            types = validation.event_types(body.get("eventTypes"), target)
            validation.check_family_scopes(principal, types)
            topic = validation.topic(body)
            options = body.get("payloadOptions") or {}
            include = bool(options.get("includeResource", False))
            validation.check_payload(target, include)
            mask = str(options.get("fieldMask") or "")
            if mask and not include:
                raise invalid("payload_options.field_mask needs include_resource=true.")
            now = self.now()
            lifetime = MAX_WITH_RESOURCE if include else MAX_NAMES_ONLY
            expire = validation.expiry(body, now, lifetime)
            for other in self.subscriptions.values():
                if other.owner == principal.key and other.target == target:
                    raise ApiError(
                        409,
                        "A subscription for this target resource already exists for the "
                        f"authorizing principal: {other.name}.",
                        "ALREADY_EXISTS",
                    )
            self._seq += 1
            ident = uid(f"{principal.key}|{target}|{self._seq}|{uuid.uuid4()}")
            sub = Subscription(
                name=f"subscriptions/{ident[:20]}",
                uid=ident,
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
            types, target = validation.parse_filter(str(query.get("filter") or ""))
            size = validation.page_size(query)
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
            paths = validation.update_mask(query.get("updateMask"), body)
            if body.get("etag") and body["etag"] != sub.etag:
                raise ApiError(409, "The etag does not match the subscription's.", "ABORTED")
            if sub.state == "SUSPENDED":  # our reading: reactivate first
                raise validation.precondition(
                    f"{sub.name} is suspended ({sub.suspension_reason}): reactivate it first."
                )
            types = sub.event_types
            if "eventTypes" in paths:
                types = validation.event_types(body.get("eventTypes"), sub.target)
            validation.check_family_scopes(principal, types)
            now = self.now()
            expire = sub.expire
            if "ttl" in paths or "expireTime" in paths:
                expire = validation.expiry(body, now, sub.lifetime, only="ttl" in paths)
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
            validation.check_family_scopes(principal, sub.event_types)
            if sub.state == "ACTIVE":  # our reading: nothing to do
                return self._operation(principal, "ReactivateSubscriptionMetadata", sub.to_json())
            problem = validation.access_problem(self.state, principal, sub.target)
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
            return self.operations.poll(principal.key, name)

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
            found = delivery.chat_event(self.state, method, path, result)
            if found is None:
                return
            event_type, space, payload_key, resource, deleted = found
            seed = f"{event_type}|{resource.get('name')}|{self._next()}"
            ce_id = f"{space}/spaceEvents/{uid(seed)}"
            out: list[Outgoing] = []
            for sub in self.subscriptions.values():
                if sub.state != "ACTIVE" or event_type not in sub.event_types:
                    continue
                if not delivery.covers(self.state, sub, space):
                    continue
                payload = {payload_key: delivery.shape(sub, payload_key, resource, deleted)}
                out.append((sub, event_type, ce_id, CHAT_TARGET + space, payload))
        self._send(out)

    # --- events from Google Meet -------------------------------------------------------

    def publish_meet_event(self, space: str, event_type: str, data: Json) -> int:
        """Meet says ``event_type`` happened in its space ``spaces/M`` (``data``: the names
        payload): publish it to the ACTIVE subscriptions on that space that asked for it;
        how many got it. Every call is a new event (a new ``ce-id``)."""
        if not event_type.startswith(MEET_EVENTS) or not space.startswith("spaces/"):
            raise invalid("expected a google.workspace.meet.* type and a Meet space spaces/M")
        self.sweep()
        target = MEET_TARGET + space
        with self.state.lock:
            ce_id = f"{space}/meetEvents/{uid(f'{event_type}|{space}|{self._next()}')}"  # ours
            out: list[Outgoing] = [
                (sub, event_type, ce_id, target, dict(data))
                for sub in self.subscriptions.values()
                if sub.state == "ACTIVE" and sub.target == target and event_type in sub.event_types
            ]
        self._send(out)
        return len(out)

    # --- helpers -------------------------------------------------------------------------

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _lifecycle(self, sub: Subscription, kind: str) -> Outgoing:
        return delivery.lifecycle(sub, kind, self._next())

    def _send(self, out: list[Outgoing], *, memory_only: bool = False) -> None:
        """Publish, outside the state lock (a Pub/Sub error may come back to suspend)."""
        for sub, kind, ce_id, subject, payload in out:
            self.publisher.publish(
                subscription=sub.name,
                topic=sub.topic,
                message=delivery.message(sub, kind, ce_id, subject, payload, self.now()),
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
        return self.operations.start(
            principal.key,
            metadata,
            response,
            error=error,
            seq=self._next(),
            pending=self.pending_polls,
        )

    def _own(self, principal: Principal, name: str) -> Subscription:
        sub = self.subscriptions.get(name)
        if sub is None:
            raise not_found()
        if sub.owner != principal.key and not (principal.is_app and not sub.authority):
            raise denied()  # our reading
        return sub

    def _etag(self, sub: Subscription) -> str:
        return '"' + uid(f"{sub.name}|{sub.updated.isoformat()}|{self._next()}")[:16] + '"'
