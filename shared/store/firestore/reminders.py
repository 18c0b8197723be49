"""``ReminderStore`` on Firestore: one document per reminder, keyed by its ID.

Every write that must not lose a race is conditional on the document's
``update_time`` as read: ``save`` (compare-and-set on ``version``) and
``claim_due``, which leases a whole batch in one atomic commit whose every
write carries that precondition. If anyone (another claim, a save, a delete)
touched one of the documents in between, the commit fails as a whole and the
claim looks again, so no two claims ever lease the same reminder. Nothing holds
a lock, so overlapping ticks never wait on each other (see
docs/decisions/0011-firestore-store.md for why not a locking transaction).

The indexes these queries need are in ``indexes.py``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from shared.store.firestore.database import FirestoreDatabase, doc_id
from shared.store.reminders import MAX_CLAIM, Reminder, ReminderPage, ReminderState

log = logging.getLogger(__name__)

REMINDERS = "reminders"
#: ``list_fire`` of a reminder with nothing left to fire, so it lists last (as SQLite does).
NEVER = 1.0e300
#: A claim that keeps losing races gives up after this many looks (others hold what is due).
CLAIM_ATTEMPTS = 12

_FIELDS = tuple(f.name for f in fields(Reminder))
_FLOATS = frozenset({"next_fire", "lease_fire", "created_at", "updated_at"})
_INTS = frozenset({"nag_every", "nag_cap", "nag_count", "version"})
#: Fields added after the first layout, for documents written before them.
_DEFAULTS: dict[str, Any] = {"kind": "reminder", "payload": "{}"}


def _document(reminder: Reminder) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(reminder, name)
        if name in _FLOATS:
            value = None if value is None else float(value)
        elif name in _INTS:
            value = int(value)
        data[name] = value
    # The schedule is opaque JSON (it may nest lists, which Firestore arrays cannot).
    data["schedule"] = json.dumps(dict(reminder.schedule), sort_keys=True)
    data["payload"] = json.dumps(dict(reminder.payload), sort_keys=True)
    data["state"] = reminder.state.value
    data.update(_listing(reminder.state, reminder.kind, data["next_fire"]))
    return data


def _listing(state: ReminderState, kind: str, next_fire: float | None) -> dict[str, Any]:
    """Derived fields for ``owned_by``: ``listed`` is the kind, or "" once done (so done ones
    drop out); nothing left sorts last."""
    return {
        "listed": "" if state is ReminderState.DONE else kind,
        "list_fire": NEVER if next_fire is None else next_fire,
    }


def _reminder(data: Mapping[str, Any]) -> Reminder:
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = data.get(name, _DEFAULTS.get(name))
        if name in _FLOATS and value is not None:
            value = float(value)
        values[name] = value
    values["schedule"] = json.loads(values["schedule"])
    values["payload"] = json.loads(values.get("payload") or "{}")
    values["state"] = ReminderState(values["state"])
    return Reminder(**values)


def _snapshot_reminder(snapshot: firestore.DocumentSnapshot[Any]) -> Reminder:
    data = snapshot.to_dict()
    if data is None:
        raise LookupError(f"{snapshot.reference.path} has no data")
    return _reminder(data)


def _count(query: Any) -> int:
    result = query.count(alias="n").get()
    return int(result[0][0].value)


def _page(query: Any, offset: int, limit: int) -> ReminderPage:
    """One page of ``query``, soonest first (``list_fire``), with the total (a count query)."""
    total = _count(query)
    offset = max(0, offset)
    items: tuple[Reminder, ...] = ()
    if limit > 0 and offset < total:
        page = query.order_by("list_fire").offset(offset).limit(limit)
        items = tuple(_snapshot_reminder(s) for s in page.stream())
    more = offset + len(items) < total
    return ReminderPage(items, total, offset + len(items) if more else None)


class FirestoreReminders:
    """Reminders in ``{prefix}reminders``."""

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def _ref(self, reminder_id: str) -> firestore.DocumentReference:
        return self._db.collection(REMINDERS).document(doc_id(reminder_id))

    def _where(self, field: str, op: str, value: Any) -> Any:
        return self._db.collection(REMINDERS).where(filter=FieldFilter(field, op, value))

    def _due(self, now: float) -> Any:
        """Active and due by ``now``: indexed on (state, next_fire), leased ones included."""
        return self._where("state", "==", ReminderState.ACTIVE.value).where(
            filter=FieldFilter("next_fire", "<=", now)
        )

    def add(self, reminder: Reminder) -> None:
        try:
            self._ref(reminder.id).create(_document(reminder))
        except exceptions.AlreadyExists:
            raise ValueError(f"reminder {reminder.id} exists") from None

    def get(self, reminder_id: str) -> Reminder | None:
        snapshot = self._ref(reminder_id).get()
        return _snapshot_reminder(snapshot) if snapshot.exists else None

    def save(self, reminder: Reminder) -> Reminder | None:
        ref = self._ref(reminder.id)
        snapshot = ref.get()
        if not snapshot.exists or snapshot.get("version") != reminder.version:
            return None
        stored = replace(reminder, version=reminder.version + 1, updated_at=self._db.clock())
        option = self._db.write_option(last_update_time=snapshot.update_time)
        try:
            ref.update(_document(stored), option=option)
        except (exceptions.FailedPrecondition, exceptions.NotFound):
            return None  # changed or deleted since we read it
        return stored

    def delete(self, reminder_id: str) -> bool:
        try:
            self._ref(reminder_id).delete(option=self._db.write_option(exists=True))
        except exceptions.NotFound:
            return False
        return True

    def owned_by(
        self, owner: str, *, kind: str = "reminder", offset: int = 0, limit: int = 10
    ) -> ReminderPage:
        listed = self._where("owner", "==", owner).where(filter=FieldFilter("listed", "==", kind))
        return _page(listed, offset, limit)

    def listing(self, *, offset: int = 0, limit: int = 100) -> ReminderPage:
        return _page(self._db.collection(REMINDERS), offset, limit)

    def in_space(self, space: str) -> list[Reminder]:
        found: dict[str, Reminder] = {}
        for field in ("space", "origin_space"):  # Firestore has no OR across fields cheaply
            for snapshot in self._where(field, "==", space).stream():
                reminder = _snapshot_reminder(snapshot)
                found[reminder.id] = reminder
        return [found[key] for key in sorted(found)]

    def claim_due(
        self, now: float, *, limit: int, lease_seconds: float, worker: str
    ) -> list[Reminder]:
        limit = max(0, min(limit, MAX_CLAIM))
        if limit == 0:
            return []
        until = float(now + lease_seconds)
        for attempt in range(CLAIM_ATTEMPTS):
            snapshots = list(self._due(now).order_by("next_fire").limit(limit).stream())
            if not snapshots:
                return []
            batch = self._db.client.batch()
            claimed = []
            for snapshot in snapshots:
                due = _snapshot_reminder(snapshot)
                fire = due.lease_fire if due.lease_fire is not None else due.next_fire
                leased = replace(
                    due,
                    next_fire=until,
                    lease_owner=worker,
                    lease_fire=fire,
                    version=due.version + 1,
                )
                lease = {
                    "next_fire": until,
                    "lease_owner": worker,
                    "lease_fire": fire,
                    "version": leased.version,
                    **_listing(leased.state, leased.kind, until),
                }
                option = self._db.write_option(last_update_time=snapshot.update_time)
                batch.update(snapshot.reference, lease, option=option)
                claimed.append(leased)
            try:
                batch.commit()
            except (exceptions.FailedPrecondition, exceptions.NotFound):
                # Someone touched one of them since the query: look again, after a short,
                # growing, random pause so that racing claims spread out.
                time.sleep(random.uniform(0, min(0.25, 0.005 * 2**attempt)))
                continue
            return claimed
        log.warning(
            "gave up claiming due reminders: other claims kept winning",
            extra={"fields": {"worker": worker, "attempts": CLAIM_ATTEMPTS}},
        )
        return []

    def count_due(self, now: float) -> int:
        return _count(self._due(now))
