"""The Firestore data's schema version, kept in ``{prefix}meta/schema``, and numbered migrations.

Firestore has no tables to create, so a migration is code that rewrites
documents written by an older Nudge (version 1 is the first layout and has
nothing to do). The schema document records the last version applied; a
database written by a newer Nudge is refused, as the SQLite backend refuses
one. Append a migration to change the layout; never edit one that has shipped.
Migrations must be idempotent: two instances starting at once may both run one
before either records it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from google.api_core import exceptions
from google.cloud import firestore

log = logging.getLogger(__name__)

#: The collection (after the prefix) and document that hold the schema version.
META_COLLECTION = "meta"
SCHEMA_DOCUMENT = "schema"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    purpose: str
    #: Rewrites older documents; called with the prefixed collection for a name.
    apply: Callable[[Callable[[str], firestore.CollectionReference]], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "tokens, nonces (expires_at a timestamp, for a TTL policy), reminders (with the "
        "derived listed and list_fire fields for owned_by) and users, one document per key",
    ),
)

#: The schema version this code writes.
SCHEMA_VERSION = MIGRATIONS[-1].version


class SchemaTooNew(RuntimeError):
    """The database was written by a newer Nudge; refusing to guess at its layout."""


def migrate(client: firestore.Client, prefix: str, *, now: float) -> list[int]:
    """Bring the data under ``prefix`` up to ``SCHEMA_VERSION``; returns the versions applied."""

    def collection(name: str) -> firestore.CollectionReference:
        return client.collection(prefix + name)

    ref = collection(META_COLLECTION).document(SCHEMA_DOCUMENT)
    for _ in range(5):
        snapshot = ref.get()
        current = int((snapshot.to_dict() or {}).get("version", 0)) if snapshot.exists else 0
        if current > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the Firestore data under {prefix!r} has schema version {current}; "
                f"this Nudge knows up to {SCHEMA_VERSION}"
            )
        pending = [m for m in MIGRATIONS if m.version > current]
        if not pending:
            return []
        for migration in pending:
            if migration.apply is not None:
                migration.apply(collection)
        record = {"version": SCHEMA_VERSION, "purpose": pending[-1].purpose, "migrated_at": now}
        try:
            if snapshot.exists:
                option = client.write_option(last_update_time=snapshot.update_time)
                ref.update(record, option=option)
            else:
                ref.create(record)
        except (exceptions.AlreadyExists, exceptions.FailedPrecondition):
            continue  # another instance recorded a version meanwhile: look again
        return [m.version for m in pending]
    raise RuntimeError(f"the schema version under {prefix!r} keeps changing; try again")
