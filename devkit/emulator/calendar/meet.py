"""The parts of the Meet REST API (v2) that "after the meeting" needs (issue 10 §3).

``spaces.get`` answers for a space's name or its meeting code (the alias of
§7), for the space's owner: the organizer of the Calendar event whose
conference created it. A conference ends through the control API
(``end_conference``), which makes a ``ConferenceRecord`` with optional
transcript and recording whose ``exportUri`` point at Docs and Drive, and
logs the Workspace Events Google would publish (``google.workspace.meet.*``,
names only, §7) with the Meet space they happened in; ``listeners`` hear each
as ``(event_type, data, space)``, which is how ``devkit.emulator.meet_bridge``
hands them to the Workspace Events emulator. Meet is a newer API: its errors
have the ``{code, message, status}`` shape.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from devkit.emulator.calendar.store import MeetSpace, Store
from devkit.emulator.calendar.times import from_epoch, rfc3339
from devkit.emulator.errors import ApiError, denied, invalid, not_found
from devkit.emulator.paging import decode_token, encode_token, fingerprint

Json = dict[str, Any]
#: ``listener(event_type, data, space)``: ``space`` is the Meet space's name, ``spaces/M``.
MeetListener = Callable[[str, Json, str], None]
RECORD_TTL_S = 30 * 24 * 3600
_FILTER = re.compile(r'^\s*space\.(meeting_code|name)\s*=\s*"([^"]+)"\s*$')


def _short(seed: str, n: int = 16) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


class MeetService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.events: list[Json] = []
        self.listeners: list[MeetListener] = []

    def reset(self) -> None:
        self.events.clear()

    # --- the API -------------------------------------------------------------------------------

    def get_space(self, actor: str, name: str) -> Json:
        with self.store.lock:
            space = self.store.space(name)
            if space is None:
                raise not_found()
            if space.owner != actor:
                raise denied()
            return self._space_json(space)

    def list_records(self, actor: str, query: Json) -> Json:
        with self.store.lock:
            wanted = str(query.get("filter") or "")
            match = _FILTER.match(wanted) if wanted else None
            if wanted and match is None:
                raise invalid(f"Invalid filter: {wanted}")
            rows = []
            for record in self.store.conference_records.values():
                space = self.store.spaces[record["space"]]
                if space.owner != actor:
                    continue
                if match and match.group(2) != (
                    space.code if match.group(1) == "meeting_code" else space.name
                ):
                    continue
                rows.append(record)
            rows.sort(key=lambda r: str(r["startTime"]), reverse=True)
            return self._page(rows, query, "conferenceRecords", 25, 100, (actor, wanted))

    def get_record(self, actor: str, name: str) -> Json:
        with self.store.lock:
            return self._public(self._record(actor, name))

    def list_artifacts(self, actor: str, parent: str, kind: str, query: Json) -> Json:
        with self.store.lock:
            rows = list(self._record(actor, parent)[f"_{kind}"].values())
            return self._page(rows, query, kind, 10, 100, (actor, parent, kind))

    def get_artifact(self, actor: str, name: str, kind: str) -> Json:
        parent = "/".join(name.split("/")[:2])
        with self.store.lock:
            found = self._record(actor, parent)[f"_{kind}"].get(name)
            if found is None:
                raise not_found()
            return dict(found)

    # --- control -------------------------------------------------------------------------------

    def end_conference(
        self,
        code_or_space: str,
        *,
        transcript: bool = True,
        recording: bool = False,
        minutes: int = 30,
    ) -> Json:
        """End a conference in a space now (it began ``minutes`` ago); returns its record."""
        store = self.store
        with store.lock:
            space = store.space(code_or_space)
            if space is None:
                raise ValueError(f"no Meet space {code_or_space!r}")
            now = store.now()
            record_id = _short(f"{space.name}/{now}/{len(store.conference_records)}")
            name = f"conferenceRecords/{record_id}"
            record: Json = {
                "name": name,
                "startTime": rfc3339(from_epoch(now - minutes * 60)),
                "endTime": rfc3339(from_epoch(now)),
                "expireTime": rfc3339(from_epoch(now + RECORD_TTL_S)),
                "space": space.name,
                "_transcripts": {},
                "_recordings": {},
            }
            if transcript:
                doc = _short(name + "/doc", 44)
                record["_transcripts"][f"{name}/transcripts/{_short(name + '/t')}"] = {
                    "docsDestination": {
                        "document": doc,
                        "exportUri": f"https://docs.google.com/document/d/{doc}/view",
                    }
                }
            if recording:
                file = _short(name + "/rec", 33)
                record["_recordings"][f"{name}/recordings/{_short(name + '/r')}"] = {
                    "driveDestination": {
                        "file": file,
                        "exportUri": f"https://drive.google.com/file/d/{file}/view",
                    }
                }
            for kind in ("_transcripts", "_recordings"):
                for artifact_name, artifact in record[kind].items():
                    artifact.update(
                        name=artifact_name,
                        state="FILE_GENERATED",
                        startTime=record["startTime"],
                        endTime=record["endTime"],
                    )
            store.conference_records[name] = record
        where = space.name
        self._emit(
            "google.workspace.meet.conference.v2.ended", {"conferenceRecord": {"name": name}}, where
        )
        for artifact_name in record["_transcripts"]:
            self._emit(
                "google.workspace.meet.transcript.v2.fileGenerated",
                {"transcript": {"name": artifact_name}},
                where,
            )
        for artifact_name in record["_recordings"]:
            self._emit(
                "google.workspace.meet.recording.v2.fileGenerated",
                {"recording": {"name": artifact_name}},
                where,
            )
        return self._public(record)

    # --- helpers -------------------------------------------------------------------------------

    def _emit(self, event_type: str, data: Json, space: str) -> None:
        self.events.append({"type": event_type, "data": data, "space": space})
        for listener in list(self.listeners):
            listener(event_type, data, space)

    def _record(self, actor: str, name: str) -> Json:
        record = self.store.conference_records.get(name)
        if record is None:
            raise not_found()
        if self.store.spaces[record["space"]].owner != actor:
            raise denied()
        return record

    @staticmethod
    def _public(record: Json) -> Json:
        return {k: v for k, v in record.items() if not k.startswith("_")}

    @staticmethod
    def _space_json(space: MeetSpace) -> Json:
        return {
            "name": space.name,
            "meetingUri": f"https://meet.google.com/{space.code}",
            "meetingCode": space.code,
            "config": {"accessType": "TRUSTED", "entryPointAccess": "ALL"},
        }

    @staticmethod
    def _page(
        rows: list[Json], query: Json, key: str, default: int, cap: int, parts: tuple[Any, ...]
    ) -> Json:
        size = int(query.get("pageSize") or default)
        if size < 0:
            raise ApiError(400, "page_size must not be negative.", "INVALID_ARGUMENT")
        size = min(size or default, cap)
        print_ = fingerprint(*parts)
        offset = decode_token(query.get("pageToken"), print_)
        page = [MeetService._public(r) for r in rows[offset : offset + size]]
        out: Json = {key: page} if page else {}  # proto JSON leaves empty lists out
        if offset + size < len(rows):
            out["nextPageToken"] = encode_token(offset + size, print_)
        return out
