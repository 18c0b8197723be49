"""Keeping subscriptions alive: lifecycle events, *Reauthorize*, and renewal on the tick.

* ``expirationReminder`` -> renew (``patch ttl=0s``) as the same principal.
* ``suspended`` -> confirm with ``get`` (a stale event after a reactivation changes
  nothing), record the state and reason, DM the subscriber the reason in words with
  a *Reauthorize* button.
* ``expired`` -> create the subscription again as the same principal, when its
  stored authorization allows; otherwise record it as ended and DM the subscriber.
* *Reauthorize* -> reactivate (when suspended) and renew; recreate when it is gone.
* The tick renews what expires within ``RENEW_WITHIN``, so nothing depends on the
  reminders alone (REFERENCE §5.2), and recreates what expired unnoticed.

Events arrive at least once and in any order, so each handler reads the stored
record first: unknown or ended subscriptions are ignored, renewing twice is
harmless, and every DM has a client message ID derived from the event, so a
redelivery does not post it again. Transient API failures raise (Pub/Sub
retries); a user whose grant is gone is told, not retried forever.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.auth.errors import AuthorizationRequired
from shared.chat.render import render_message
from shared.chat.responses import Reply
from shared.chatapi.ids import client_message_id
from shared.core.ticks import Tick, TickReport
from shared.features.subscriptions import cards, records
from shared.features.subscriptions.principals import as_authority
from shared.google.errors import ApiError, InvalidArgument, NotFound, PermissionDenied
from shared.services import Services
from shared.store.subscriptions import SubscriptionRecord
from shared.workspace.models import LifecycleEvent, WorkspaceEvent

if TYPE_CHECKING:
    from shared.workspace.subscription_json import Subscription
    from shared.workspace.subscriptions import SubscriptionManager

log = logging.getLogger(__name__)

LIFECYCLE = "google.workspace.events.subscription.v1."
EXPIRATION_REMINDER = LIFECYCLE + "expirationReminder"
SUSPENDED = LIFECYCLE + "suspended"
EXPIRED = LIFECYCLE + "expired"
#: The tick renews subscriptions that expire sooner than this.
RENEW_WITHIN = timedelta(hours=2)
#: Seconds of a tick's time kept back: no renewal starts with less left.
TICK_MARGIN_SECONDS = 5.0


def _now(services: Services) -> float:
    return services.clock().timestamp()


def _fields(record: SubscriptionRecord, **more: object) -> dict[str, object]:
    return {"subscription": record.name, "space": record.space, **more}


def _live_record(services: Services, name: str, event: WorkspaceEvent) -> SubscriptionRecord | None:
    record = services.subscriptions().get_subscription(name)
    if record is None or record.state == "DELETED":
        log.info(
            "ignoring a lifecycle event for a subscription Nudge does not keep",
            extra={"fields": {"subscription": name, "ce_type": event.type, "ce_id": event.id}},
        )
        return None
    return record


# --- telling the subscriber ------------------------------------------------------------------


def notify(services: Services, record: SubscriptionRecord, key: str, reply: Reply) -> bool:
    """DM ``record.creator`` once per ``key`` (a retry finds the same message); True if posted."""
    chat = services.chat()
    settings = services.settings
    try:
        dm = str(chat.find_direct_message(record.creator).get("name") or "")
    except NotFound:
        log.warning(
            "no DM with the subscriber to tell them", extra={"fields": _fields(record, key=key)}
        )
        return False
    if not dm:
        return False
    body = render_message(
        reply, addon=settings.app_format == "addon", endpoint_url=settings.endpoint_url
    )
    try:
        chat.create_message(
            dm, body, message_id=client_message_id("subscriptions", record.name, key)
        )
    except ApiError as exc:
        if exc.retryable:
            raise
        log.warning(
            "could not DM the subscriber",
            extra={"fields": _fields(record, key=key, error=str(exc)[:200])},
        )
        return False
    return True


# --- the operations every path shares --------------------------------------------------------


def renew(
    services: Services, record: SubscriptionRecord, *, deadline: float | None = None
) -> SubscriptionRecord:
    """Renew to the maximum lifetime as the record's principal; the stored, updated record."""

    def work(manager: SubscriptionManager) -> Subscription:
        return manager.renew(record.name, deadline=deadline)

    updated = records.refreshed(record, as_authority(services, record, work), now=_now(services))
    services.subscriptions().put_subscription(updated)
    return updated


def restore(services: Services, record: SubscriptionRecord) -> SubscriptionRecord:
    """Reactivate if suspended, then renew; recreate when the subscription is gone.

    Raises ``AuthorizationRequired`` when the principal's grant falls short, and
    the API's error when the cause of a suspension persists.
    """

    def work(manager: SubscriptionManager) -> Subscription | None:
        try:
            current = manager.get(record.name)
        except NotFound:
            return None
        if current.state == "SUSPENDED":
            manager.reactivate(record.name)
        return manager.renew(record.name)

    found = as_authority(services, record, work)
    if found is None:
        made = recreate(services, record, tell=False)
        if made is None:
            raise NotFound("the subscription expired and could not be made again")
        return made
    updated = records.refreshed(record, found, now=_now(services))
    services.subscriptions().put_subscription(updated)
    return updated


def recreate(
    services: Services, record: SubscriptionRecord, *, tell: bool = True, key: str = ""
) -> SubscriptionRecord | None:
    """A new subscription like ``record`` (which expired), as the same principal.

    Reuses the principal's existing one for the target (``ALREADY_EXISTS``). When
    the stored authorization does not allow it, ``record`` is kept as ended and,
    with ``tell``, the subscriber is told; returns ``None`` then.
    """
    store = services.subscriptions()
    topic = services.settings.events_topic
    why = ""
    made: tuple[Subscription, bool] | None = None
    if not topic:
        why = "no Pub/Sub topic is configured (NUDGE_EVENTS_TOPIC)"
    else:

        def work(manager: SubscriptionManager) -> tuple[Subscription, bool]:
            return manager.create_or_find(
                target=record.target,
                event_types=record.event_types,
                topic=topic,
                include_resource=record.include_resource,
            )

        try:
            made = as_authority(services, record, work)
        except AuthorizationRequired:
            why = "it needs your permission again"
        except (PermissionDenied, NotFound, InvalidArgument) as exc:
            why = f"Google refused ({exc.reason})"
    now = _now(services)
    if made is None:
        store.put_subscription(records.ended(record, f"not recreated: {why}", now=now))
        log.warning("could not recreate a subscription", extra={"fields": _fields(record, why=why)})
        if tell:
            reply = cards.ended_notice(record, why, services.settings.app_name)
            notify(services, record, key or f"ended:{record.expire_time}", reply)
        return None
    sub, created = made
    fresh = records.record_of(
        sub, authority=record.authority, creator=record.creator, now=now, space=record.space
    )
    if sub.name != record.name:
        store.delete_subscription(record.name)
    store.put_subscription(fresh)
    log.info(
        "recreated an expired subscription",
        extra={"fields": _fields(record, new=sub.name, reused=not created)},
    )
    return fresh


def _blocked(services: Services, record: SubscriptionRecord, key: str) -> None:
    """Renewal needs the subscriber's permission again: remember it and ask them, once."""
    services.subscriptions().put_subscription(records.blocked(record, now=_now(services)))
    notify(services, record, key, cards.blocked_notice(record, services.settings.app_name))


# --- lifecycle event handlers ------------------------------------------------------------


def on_expiration_reminder(event: WorkspaceEvent, services: Services) -> None:
    """Renew as the same principal (a repeated reminder renews again, harmlessly)."""
    if not isinstance(event, LifecycleEvent):
        return
    record = _live_record(services, event.subscription_name, event)
    if record is None or _retired(services, record, _now(services)):
        return
    if record.state == "SUSPENDED":
        log.info("not renewing a suspended subscription", extra={"fields": _fields(record)})
        return
    try:
        renew(services, record)
    except AuthorizationRequired:
        _blocked(services, record, f"blocked:{event.id}")
    except NotFound:
        recreate(services, record, key=f"ended:{event.id}")


def on_suspended(event: WorkspaceEvent, services: Services) -> None:
    """Record the suspension and DM the subscriber with the reason and *Reauthorize*."""
    if not isinstance(event, LifecycleEvent):
        return
    record = _live_record(services, event.subscription_name, event)
    if record is None or _retired(services, record, _now(services)):
        return
    reason = event.reason
    try:
        current = as_authority(services, record, lambda m: m.get(record.name))
    except AuthorizationRequired:
        current = None  # the grant itself is what failed: trust the event
    except NotFound:
        log.info("a suspended subscription is gone already", extra={"fields": _fields(record)})
        return
    except ApiError as exc:
        if exc.retryable:
            raise
        current = None  # the principal cannot even read it: the event is all there is
    now = _now(services)
    if current is not None:
        if current.state == "ACTIVE":  # reactivated since: a stale (or repeated) event
            if record.state != "ACTIVE":
                services.subscriptions().put_subscription(
                    records.refreshed(record, current, now=now)
                )
            return
        reason = current.suspension_reason or reason
    services.subscriptions().put_subscription(records.suspended(record, reason, now=now))
    log.warning("a subscription was suspended", extra={"fields": _fields(record, reason=reason)})
    reply = cards.suspended_notice(record, reason, services.settings.app_name)
    notify(services, record, f"suspended:{event.id}", reply)


def on_expired(event: WorkspaceEvent, services: Services) -> None:
    """Create it again when the stored authorization allows, else tell the subscriber."""
    if not isinstance(event, LifecycleEvent):
        return
    record = _live_record(services, event.subscription_name, event)
    if record is None or _retired(services, record, _now(services)):
        return
    recreate(services, record, key=f"ended:{event.id}")


# --- the tick ------------------------------------------------------------------------------


def retire(services: Services, record: SubscriptionRecord) -> None:
    """Delete a subscription whose time is over (``retire_after``), and forget it.

    Best effort at Google: without the grant, or if it is gone, it just expires there.
    """
    try:
        as_authority(services, record, lambda m: m.delete(record.name))
    except (AuthorizationRequired, NotFound):
        pass
    except ApiError as exc:
        if exc.retryable:
            raise
    services.subscriptions().delete_subscription(record.name)
    log.info("retired a subscription whose time is over", extra={"fields": _fields(record)})


def _retired(services: Services, record: SubscriptionRecord, now: float) -> bool:
    """Whether ``record``'s time is over; if so it was retired (deleted) just now."""
    if not record.retire_after or now < record.retire_after:
        return False
    retire(services, record)
    return True


def _renew_one(services: Services, record: SubscriptionRecord, *, now: float, left: float) -> str:
    """Renew (or, when it expired unnoticed, recreate) one record: what happened."""
    if _retired(services, record, now):
        return "done"
    if records.is_blocked(record) and record.expire_time > now:
        return "waiting"  # renewing needs the subscriber first; they were asked
    try:
        if record.expire_time <= now:
            recreate(services, record, key=f"ended:{record.expire_time}")
        else:
            renew(services, record, deadline=left)
    except AuthorizationRequired:
        _blocked(services, record, f"blocked:{record.expire_time}")
        return "waiting"
    except NotFound:
        recreate(services, record, key=f"ended:{record.expire_time}")
    except ApiError as exc:
        log.warning(
            "renewing a subscription failed; the next tick tries again",
            extra={"fields": _fields(record, error=str(exc)[:200])},
        )
        return "failed"
    return "done"


def renew_expiring(tick: Tick, services: Services) -> TickReport:
    """Renew every subscription expiring within ``RENEW_WITHIN``, within the tick's deadline."""
    name = "subscriptions.renew_expiring"
    now = tick.now.timestamp()
    due = services.subscriptions().expiring_before(now + RENEW_WITHIN.total_seconds())
    counts = {"done": 0, "waiting": 0, "failed": 0}
    for index, record in enumerate(due):
        left = tick.time_left() - TICK_MARGIN_SECONDS
        if left <= 0:
            return TickReport(
                name, done=counts["done"], left=len(due) - index, notes="deadline reached"
            )
        counts[_renew_one(services, record, now=now, left=left)] += 1
    notes = f"{counts['waiting']} waiting for permission" if counts["waiting"] else ""
    return TickReport(name, done=counts["done"], left=counts["failed"], notes=notes)
