"""What Firestore must have provisioned for this backend's queries: composite indexes and TTL.

The emulator enforces no index, so the contract suite cannot catch a missing
one: real Firestore answers ``FAILED_PRECONDITION: The query requires an
index``. Keep this list in step with the queries in ``reminders.py``,
``workspace.py`` and ``calendars.py``; the Terraform configuration provisions
from it (``python -m shared.store.firestore.indexes --prefix nudge_`` prints it
as JSON, in the shape of ``google_firestore_index`` and ``google_firestore_field``).

Queries with equality filters only and no ORDER BY on another field
(``in_space``: ``space ==``, then ``origin_space ==``; the ``owned_by`` total,
``owner == AND listed ==``; ``subscriptions_for``: ``space ==``, sorted in
Python; ``channels_of``: ``user ==``, sorted in Python; ``meeting_by_meet_space``:
``meet_space ==``) are served by Firestore's automatic single-field indexes and
need nothing here. So are ``links_due`` and ``agendas_due``: one range on one
field, ordered by that field alone (``next_sync <= now ORDER BY next_sync``,
likewise ``agenda_next``). The emulator applies no TTL policy either: there,
expired handled-event marks simply stay (they count as absent all the same).

Importing this module does not import the client library.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IndexField:
    field_path: str
    order: str = "ASCENDING"


@dataclass(frozen=True, slots=True)
class CompositeIndex:
    #: The collection's name after the prefix (``reminders`` is ``nudge_reminders``).
    collection: str
    fields: tuple[IndexField, ...]
    purpose: str
    query_scope: str = "COLLECTION"


@dataclass(frozen=True, slots=True)
class TtlPolicy:
    """Firestore deletes a document once the timestamp in ``field`` has passed (within ~a day)."""

    collection: str
    field: str
    purpose: str


COMPOSITE_INDEXES: tuple[CompositeIndex, ...] = (
    CompositeIndex(
        "reminders",
        (IndexField("state"), IndexField("next_fire")),
        "claim_due and count_due: state == 'active' AND next_fire <= now ORDER BY next_fire; "
        "a lease moves next_fire, so one range finds what is due, leased or not, and the "
        "cost follows the number due, not the number stored",
    ),
    CompositeIndex(
        "reminders",
        (IndexField("owner"), IndexField("listed"), IndexField("list_fire")),
        "owned_by: owner == X AND listed == KIND ORDER BY list_fire, paged with offset",
    ),
    CompositeIndex(
        "subscriptions",
        (IndexField("state"), IndexField("expire_time")),
        "expiring_before: state == 'ACTIVE' AND expire_time < instant ORDER BY expire_time, "
        "for the renewal of Workspace Events subscriptions, soonest first",
    ),
)

TTL_POLICIES: tuple[TtlPolicy, ...] = (
    TtlPolicy(
        "nonces",
        "expires_at",
        "used OAuth state nonces are kept only until their state expires; nothing else prunes them",
    ),
    TtlPolicy(
        "handled_events",
        "until",
        "a Workspace event's mark (busy: until its lease ends; done: until it can no longer "
        "be redelivered) counts as absent once 'until' has passed; nothing else prunes them",
    ),
)


def terraform(
    prefix: str = "nudge_", database: str = "(default)"
) -> dict[str, list[dict[str, object]]]:
    """The indexes and TTL policies as arguments of ``google_firestore_index`` / ``_field``."""
    return {
        "google_firestore_index": [
            {
                "database": database,
                "collection": prefix + index.collection,
                "query_scope": index.query_scope,
                "fields": [{"field_path": f.field_path, "order": f.order} for f in index.fields],
            }
            for index in COMPOSITE_INDEXES
        ],
        "google_firestore_field": [
            {
                "database": database,
                "collection": prefix + policy.collection,
                "field": policy.field,
                "ttl_config": {},
            }
            for policy in TTL_POLICIES
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--prefix", default="nudge_", help="NUDGE_FIRESTORE_PREFIX")
    parser.add_argument("--database", default="(default)", help="NUDGE_FIRESTORE_DATABASE")
    args = parser.parse_args(argv)
    print(json.dumps(terraform(args.prefix, args.database), indent=2))


if __name__ == "__main__":
    main()
