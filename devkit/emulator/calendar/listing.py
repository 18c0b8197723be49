"""``events.list`` and ``events.instances``: full and incremental sync, paging (§2).

Full sync lists what the filters select; ``nextSyncToken`` comes only on the
last page and stands for the moment of the *first* page, so anything that
changes while a client pages shows up in its next delta (duplicates possible,
losses not). Page tokens are keyset cursors (the last item's sort key), so a
deletion between pages cannot make an unchanged event slip past a client.

Incremental sync returns every item whose change number is above the token's,
cancelled ones as stubs, in change order; its ``nextSyncToken`` is the change
number when the last page was served. A token from before
``expire_sync_tokens`` (or one this emulator never issued) gets the 410.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from devkit.emulator.calendar.errors import (
    bad_request,
    full_sync_required,
    invalid,
    sync_token_restrictions,
    time_range_empty,
)
from devkit.emulator.calendar.events import EventService, names
from devkit.emulator.calendar.render import (
    Viewer,
    etag,
    expand,
    render_cancelled,
    render_event,
)
from devkit.emulator.calendar.store import Calendar, Entry, Record
from devkit.emulator.calendar.times import UTC, from_epoch, load, parse_instant, rfc3339

Json = dict[str, Any]

MAX_RESULTS = 2500
DEFAULT_RESULTS = 250
#: Parameters that may not accompany a syncToken (§2.2, verbatim list).
FORBIDDEN_WITH_SYNC = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)


@dataclass
class Item:
    version: int
    start: dt.datetime
    end: dt.datetime
    updated: float
    event_type: str
    cancelled: bool
    record: Record
    render: Callable[[], Json]
    event_id: str

    def sort_key(self, order: str) -> list[str]:
        if order == "version":
            return [f"{self.version:015d}", self.event_id]
        if order == "updated":
            return [f"{self.updated:020.6f}", self.event_id]
        return [self.start.strftime("%Y%m%dT%H%M%S"), self.event_id]


def _encode(payload: Json) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _decode(token: str) -> Json | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _instant(query: Json, name: str) -> dt.datetime | None:
    if name not in query:
        return None
    try:
        return parse_instant(str(query[name]))
    except ValueError:
        raise invalid(f"Invalid value for: {name}", name) from None


class Lister:
    def __init__(self, service: EventService) -> None:
        self.service = service
        self.store = service.store

    def list_events(
        self, actor: str, calendar_id: str, query: Json, *, busy: bool, only: str | None = None
    ) -> Json:
        """``events.list`` (or, with ``only`` = a series id, ``events.instances``)."""
        store = self.store
        with store.lock:
            calendar = store.calendar_for(actor, calendar_id)
            viewer = self.service.viewer(actor, calendar, query, busy=busy)
            since = self._sync_since(calendar, query)
            single = bool(query.get("singleEvents")) or only is not None
            if query.get("orderBy") == "startTime" and not single:
                raise bad_request(
                    "The requested ordering is not available for the particular query."
                )
            lo, hi = _instant(query, "timeMin"), _instant(query, "timeMax")
            if lo is not None and hi is not None and hi <= lo:
                raise time_range_empty("timeMax")
            size = min(int(query.get("maxResults") or DEFAULT_RESULTS), MAX_RESULTS)
            order = "version" if since is not None else str(query.get("orderBy") or "startTime")
            fingerprint = hashlib.sha256(
                json.dumps(
                    [
                        *sorted((k, str(v)) for k, v in query.items() if k != "pageToken"),
                        ("only", str(only)),
                    ]
                ).encode()
            ).hexdigest()[:16]
            cursor, snapshot = self._page(query, fingerprint)
            snapshot = store.seq if snapshot is None else snapshot
            until = hi or (
                max(from_epoch(store.now()), lo or from_epoch(0))
                + dt.timedelta(days=store.knobs.horizon_days)
            )
            items = [
                i
                for i in self._items(calendar, viewer, single, until, only)
                if self._wanted(i, query, since, lo, hi, single)
            ]
            keyed = sorted(((i.sort_key(order), i) for i in items), key=lambda pair: pair[0])
            rest = [i for key, i in keyed if cursor is None or key > cursor]
            if store.knobs.short_pages:
                size = 0 if cursor is None else max(1, size // 2)
            page, more = rest[:size], len(rest) > size
            out: Json = {
                "kind": "calendar#events",
                "etag": etag(store.seq),
                "summary": calendar.id,
                "description": "",
                "updated": rfc3339(from_epoch(calendar.updated)),
                "timeZone": calendar.time_zone,
                "accessRole": "owner",
                "defaultReminders": [{"method": "popup", "minutes": 10}],
                "items": [i.render() for i in page],
            }
            if more:
                last = page[-1].sort_key(order) if page else ["", ""]
                out["nextPageToken"] = _encode({"k": last, "s": snapshot, "f": fingerprint})
            elif only is None:
                mark = store.seq if since is not None else snapshot
                out["nextSyncToken"] = _encode(
                    {"c": calendar.id, "g": calendar.generation, "s": mark}
                )
            return out

    # --- tokens ------------------------------------------------------------------------------

    def _sync_since(self, calendar: Calendar, query: Json) -> int | None:
        token = query.get("syncToken")
        if token is None:
            return None
        if any(name in query for name in FORBIDDEN_WITH_SYNC) or query.get("showDeleted") is False:
            raise sync_token_restrictions()
        payload = _decode(str(token))
        if (
            payload is None
            or payload.get("c") != calendar.id
            or payload.get("g") != calendar.generation
            or not isinstance(payload.get("s"), int)
        ):
            raise full_sync_required()
        return int(payload["s"])

    @staticmethod
    def _page(query: Json, fingerprint: str) -> tuple[list[str] | None, int | None]:
        token = query.get("pageToken")
        if not token:
            return None, None
        payload = _decode(str(token))
        if (
            payload is None
            or payload.get("f") != fingerprint
            or not isinstance(payload.get("k"), list)
        ):
            raise invalid("Invalid page token value.", "pageToken")
        return [str(k) for k in payload["k"]], int(payload.get("s") or 0)

    # --- items -------------------------------------------------------------------------------

    def _items(
        self, calendar: Calendar, viewer: Viewer, single: bool, until: dt.datetime, only: str | None
    ) -> Iterator[Item]:
        people = names(self.store)
        for event_id, entry in calendar.entries.items():
            if only is not None and event_id != only:
                continue
            record = self.store.records[entry.record]
            if record.recurring:
                yield from self._series(calendar, viewer, record, entry, single, until, people)
            else:
                yield self._single(calendar, viewer, record, entry, people)

    def _single(
        self,
        calendar: Calendar,
        viewer: Viewer,
        record: Record,
        entry: Entry,
        people: dict[str, str],
    ) -> Item:
        gone = entry.removed or record.deleted
        start, end = load(record.data["start"]), load(record.data["end"])

        def render() -> Json:
            if gone:
                return render_cancelled(record, viewer, entry.version)
            return render_event(record, viewer, entry.version, people)

        return Item(
            entry.version,
            start.utc(calendar.time_zone),
            end.utc(calendar.time_zone),
            record.updated,
            str(record.data.get("eventType", "default")),
            gone,
            record,
            render,
            record.id,
        )

    def _series(
        self,
        calendar: Calendar,
        viewer: Viewer,
        record: Record,
        entry: Entry,
        single: bool,
        until: dt.datetime,
        people: dict[str, str],
    ) -> Iterator[Item]:
        gone = entry.removed or record.deleted
        zone = calendar.time_zone
        kind = str(record.data.get("eventType", "default"))
        if not single:
            start = load(record.data["start"])
            yield Item(
                entry.version,
                start.utc(zone),
                dt.datetime.max.replace(tzinfo=UTC),
                record.updated,
                kind,
                gone,
                record,
                (lambda: render_cancelled(record, viewer, entry.version))
                if gone
                else (lambda: render_event(record, viewer, entry.version, people)),
                record.id,
            )
            if gone:
                return
        for instance in expand(record, until):
            override = instance.override
            if not single and override is None:
                continue
            version = max(entry.version, override.version if override else 0)
            cancelled = gone or instance.cancelled
            updated = max(record.updated, override.updated if override else 0.0)

            def render(
                instance: Any = instance, version: int = version, cancelled: bool = cancelled
            ) -> Json:
                if cancelled:
                    return render_cancelled(record, viewer, version, instance=instance)
                return render_event(record, viewer, version, people, instance=instance)

            yield Item(
                version,
                instance.start.utc(zone),
                instance.end.utc(zone),
                updated,
                kind,
                cancelled,
                record,
                render,
                f"{record.id}_{instance.key}",
            )

    @staticmethod
    def _wanted(
        item: Item,
        query: Json,
        since: int | None,
        lo: dt.datetime | None,
        hi: dt.datetime | None,
        single: bool,
    ) -> bool:
        if since is not None:
            return item.version > since and _type_ok(item, query)
        updated_min = _instant(query, "updatedMin")
        if updated_min is not None and from_epoch(item.updated) < updated_min:
            return False
        if item.cancelled and not query.get("showDeleted") and updated_min is None:
            # Cancelled exceptions of a live series stay in a non-expanded list (§2.5).
            live_series_exception = (
                not single and item.event_id != item.record.id and not item.record.deleted
            )
            if not live_series_exception:
                return False
        if lo is not None and item.end <= lo:
            return False
        if hi is not None and item.start >= hi:
            return False
        return _type_ok(item, query) and _filters_ok(item.record, query)


def _type_ok(item: Item, query: Json) -> bool:
    types = query.get("eventTypes")
    return not types or item.event_type in types


def _filters_ok(record: Record, query: Json) -> bool:
    data = record.data
    if "iCalUID" in query and query["iCalUID"] != f"{record.id}@google.com":
        return False
    text = str(query.get("q") or "").lower()
    if text and not any(
        text in str(data.get(k, "")).lower() for k in ("summary", "description", "location")
    ):
        return False
    props = data.get("extendedProperties") or {}
    for param, scope in (
        ("privateExtendedProperty", "private"),
        ("sharedExtendedProperty", "shared"),
    ):
        for pair in query.get(param) or []:
            name, _, value = str(pair).partition("=")
            if (props.get(scope) or {}).get(name) != value:
                return False
    return True
