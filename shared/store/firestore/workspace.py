"""``EventLog``, ``SubscriptionStore`` and ``SpaceSettingsStore`` on Firestore.

Three collections, one document per key (percent-encoded like every key here):

* ``{prefix}handled_events``: one mark per Workspace event ID, ``{key, state,
  until}`` with ``state`` ``busy`` (a delivery holds a lease until ``until``) or
  ``done`` (handled; kept until ``until``). ``until`` is a timestamp so that the
  TTL policy in ``indexes.TTL_POLICIES`` lets Firestore delete marks that no
  longer count; a mark whose ``until`` passed counts as absent until then.
  ``begin`` never holds a lock: it creates the mark if absent (atomic), or takes
  over a stale one with an update conditional on the ``update_time`` it read. A
  lost race means someone else just wrote a live mark, so it reads again.
* ``{prefix}subscriptions``: every field of ``SubscriptionRecord``, natively
  typed; ``expiring_before`` needs the composite index in ``indexes.py``.
* ``{prefix}space_settings``: every field of ``SpaceSettings``; ``put_space``
  is compare-and-set on ``version``: ``create`` for a new record (fails if one
  exists), otherwise an update conditional on the ``update_time`` as read.

These collections needed no schema migration: they are new, nothing older
wrote them, and an older Nudge never reads them.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from shared.store.events import Begin
from shared.store.firestore.database import FirestoreDatabase, doc_id
from shared.store.spaces import SpaceSettings
from shared.store.subscriptions import SubscriptionRecord

log = logging.getLogger(__name__)

HANDLED_EVENTS = "handled_events"
SUBSCRIPTIONS = "subscriptions"
SPACE_SETTINGS = "space_settings"

#: ``begin`` and ``abandon`` read again at most this often after losing a race.
RACE_ATTEMPTS = 6

_BUSY = "busy"
_DONE = "done"
_LOST_RACE = (exceptions.AlreadyExists, exceptions.FailedPrecondition, exceptions.NotFound)


def _timestamp(seconds: float) -> datetime:
    """Epoch seconds as a UTC timestamp (microseconds), the type a TTL policy needs."""
    return datetime.fromtimestamp(seconds, UTC)


def _pause(attempt: int) -> None:
    """A short, growing, random pause, so that racing instances spread out."""
    time.sleep(random.uniform(0, min(0.1, 0.005 * 2**attempt)))


class FirestoreEventLog:
    """Handled-event marks in ``{prefix}handled_events``; a lease that ran out counts as never
    begun. Atomic across instances without a locking transaction (see the module docstring).
    """

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def _ref(self, key: str) -> firestore.DocumentReference:
        return self._db.collection(HANDLED_EVENTS).document(doc_id(key))

    def begin(self, key: str, *, now: float, lease_seconds: float) -> Begin:
        ref = self._ref(key)
        # Both sides rounded to microseconds alike, so "live until exactly now" is exact.
        instant = _timestamp(now)
        lease = {"key": key, "state": _BUSY, "until": _timestamp(now + lease_seconds)}
        for attempt in range(RACE_ATTEMPTS):
            snapshot = ref.get()
            try:
                if not snapshot.exists:
                    ref.create(lease)
                    return Begin.NEW
                data = snapshot.to_dict() or {}
                until = data.get("until")
                if isinstance(until, datetime) and until >= instant:
                    return Begin.DONE if data.get("state") == _DONE else Begin.BUSY
                # Stale (a crashed delivery's lease, or a done mark past its expiry):
                # take it over only if nobody wrote it since we read it.
                option = self._db.write_option(last_update_time=snapshot.update_time)
                ref.update(lease, option=option)
                return Begin.NEW
            except _LOST_RACE:
                _pause(attempt)  # someone else wrote the mark meanwhile: look again
        log.warning(
            "the mark of a Workspace event kept changing; treating it as busy",
            extra={"fields": {"key": key, "attempts": RACE_ATTEMPTS}},
        )
        return Begin.BUSY

    def finish(self, key: str, *, expires_at: float) -> None:
        self._ref(key).set({"key": key, "state": _DONE, "until": _timestamp(expires_at)})

    def abandon(self, key: str) -> None:
        ref = self._ref(key)
        for attempt in range(RACE_ATTEMPTS):
            snapshot = ref.get()
            if not snapshot.exists or snapshot.get("state") != _BUSY:
                return  # nothing to forget, or a done mark, which must stay
            try:
                ref.delete(option=self._db.write_option(last_update_time=snapshot.update_time))
            except _LOST_RACE:
                _pause(attempt)  # it changed meanwhile (finished, taken over): look again
                continue
            return
        log.warning(
            "could not abandon a Workspace event's mark: it kept changing",
            extra={"fields": {"key": key, "attempts": RACE_ATTEMPTS}},
        )


_SUBSCRIPTION_FIELDS = tuple(f.name for f in fields(SubscriptionRecord))
_SUBSCRIPTION_TUPLES = frozenset({"event_types", "notes"})
_SUBSCRIPTION_FLOATS = frozenset({"expire_time", "created_at", "updated_at", "retire_after"})

_SETTINGS_FIELDS = tuple(f.name for f in fields(SpaceSettings))
_SETTINGS_TUPLES = frozenset({"watch_words"})
_SETTINGS_FLOATS = frozenset({"updated_at"})
_SETTINGS_INTS = frozenset({"webhook_failures", "version"})


def _document(
    record: object,
    names: tuple[str, ...],
    *,
    floats: frozenset[str],
    ints: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Every field of ``record`` as a Firestore value: tuples as arrays, numbers coerced."""
    data: dict[str, Any] = {}
    for name in names:
        value = getattr(record, name)
        if isinstance(value, tuple):
            value = list(value)
        elif name in floats:
            value = float(value)
        elif name in ints:
            value = int(value)
        data[name] = value
    return data


def _values(
    data: Mapping[str, Any],
    names: tuple[str, ...],
    *,
    tuples: frozenset[str],
    floats: frozenset[str],
) -> dict[str, Any]:
    """The stored fields the record knows (a missing one keeps its default)."""
    values: dict[str, Any] = {}
    for name in names:
        if name not in data:
            continue
        value = data[name]
        if name in tuples:
            value = tuple(value or ())
        elif name in floats:
            value = float(value)
        values[name] = value
    return values


def _subscription(snapshot: firestore.DocumentSnapshot[Any]) -> SubscriptionRecord:
    data = snapshot.to_dict() or {}
    values = _values(
        data, _SUBSCRIPTION_FIELDS, tuples=_SUBSCRIPTION_TUPLES, floats=_SUBSCRIPTION_FLOATS
    )
    return SubscriptionRecord(**values)


def _settings(snapshot: firestore.DocumentSnapshot[Any]) -> SpaceSettings:
    data = snapshot.to_dict() or {}
    values = _values(data, _SETTINGS_FIELDS, tuples=_SETTINGS_TUPLES, floats=_SETTINGS_FLOATS)
    return SpaceSettings(**values)


def subscription_document(record: SubscriptionRecord) -> dict[str, Any]:
    """What ``put_subscription`` writes for ``record`` (every indexed field included)."""
    return _document(record, _SUBSCRIPTION_FIELDS, floats=_SUBSCRIPTION_FLOATS)


def settings_document(settings: SpaceSettings) -> dict[str, Any]:
    """What ``put_space`` writes for ``settings``."""
    return _document(settings, _SETTINGS_FIELDS, floats=_SETTINGS_FLOATS, ints=_SETTINGS_INTS)


class FirestoreSubscriptions:
    """Workspace Events subscriptions in ``{prefix}subscriptions``, keyed by name."""

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def _ref(self, name: str) -> firestore.DocumentReference:
        return self._db.collection(SUBSCRIPTIONS).document(doc_id(name))

    def _where(self, field: str, op: str, value: Any) -> Any:
        return self._db.collection(SUBSCRIPTIONS).where(filter=FieldFilter(field, op, value))

    def put_subscription(self, record: SubscriptionRecord) -> None:
        stamped = replace(record, updated_at=self._db.clock())
        self._ref(record.name).set(subscription_document(stamped))

    def get_subscription(self, name: str) -> SubscriptionRecord | None:
        snapshot = self._ref(name).get()
        return _subscription(snapshot) if snapshot.exists else None

    def delete_subscription(self, name: str) -> bool:
        try:
            self._ref(name).delete(option=self._db.write_option(exists=True))
        except exceptions.NotFound:
            return False
        return True

    def subscriptions_for(self, space: str) -> list[SubscriptionRecord]:
        # Equality on one field: the automatic index. A space has a handful, so they are
        # sorted here rather than with an ORDER BY that would need a composite index.
        found = [_subscription(s) for s in self._where("space", "==", space).stream()]
        return sorted(found, key=lambda record: record.name)

    def expiring_before(self, instant: float) -> list[SubscriptionRecord]:
        # Indexed on (state, expire_time): see indexes.COMPOSITE_INDEXES.
        query = (
            self._where("state", "==", "ACTIVE")
            .where(filter=FieldFilter("expire_time", "<", float(instant)))
            .order_by("expire_time")
        )
        return [_subscription(s) for s in query.stream()]


class FirestoreSpaceSettings:
    """Per-space automation settings in ``{prefix}space_settings``, compare-and-set on version."""

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def _ref(self, space: str) -> firestore.DocumentReference:
        return self._db.collection(SPACE_SETTINGS).document(doc_id(space))

    def get_space(self, space: str) -> SpaceSettings | None:
        snapshot = self._ref(space).get()
        return _settings(snapshot) if snapshot.exists else None

    def put_space(self, settings: SpaceSettings) -> SpaceSettings | None:
        ref = self._ref(settings.space)
        snapshot = ref.get()
        current = int(snapshot.get("version")) if snapshot.exists else 0
        if current != settings.version:
            return None
        stored = replace(settings, version=settings.version + 1, updated_at=self._db.clock())
        try:
            if snapshot.exists:
                option = self._db.write_option(last_update_time=snapshot.update_time)
                ref.update(settings_document(stored), option=option)
            else:
                ref.create(settings_document(stored))
        except _LOST_RACE:
            return None  # someone wrote (or created) them since we read
        return stored
