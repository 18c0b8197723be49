"""``MeetClient``: the Meet REST API (v2) reads "after the meeting" needs.

From a Calendar event to its space: ``conferenceData.conferenceId`` is the
meeting code, and ``spaces.get`` accepts ``spaces/{meetingCode}`` as an alias
(store the space's ``name``, not the code, REFERENCE-calendar.md §7). Workspace
Events carry names only, so a transcript's or recording's link is read with
``get_transcript`` / ``get_recording``. Reads are retried on 429, 5xx and
timeouts; Meet speaks the newer error shape, which the shared ``execute`` reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from shared.config import DEFAULT_MEET_API_ENDPOINT
from shared.google.api import ApiClient, Json


def space_name(name_or_code: str) -> str:
    """``spaces/abc``, or a meeting code ``abc-mnop-xyz`` -> ``spaces/abc-mnop-xyz``."""
    value = name_or_code.strip()
    if not value:
        raise ValueError("a space name or meeting code is needed")
    if value.startswith("https://meet.google.com/"):
        value = value.removeprefix("https://meet.google.com/").split("?", 1)[0]
    return value if value.startswith("spaces/") else "spaces/" + value


def _export_uri(artifact: Mapping[str, Any], destination: str) -> str:
    found = artifact.get(destination)
    uri = found.get("exportUri") if isinstance(found, Mapping) else None
    return uri if isinstance(uri, str) else ""


def transcript_link(transcript: Mapping[str, Any]) -> str:
    """A transcript's Google Docs link (``docsDestination.exportUri``), or ``""``."""
    return _export_uri(transcript, "docsDestination")


def recording_link(recording: Mapping[str, Any]) -> str:
    """A recording's Google Drive link (``driveDestination.exportUri``), or ``""``."""
    return _export_uri(recording, "driveDestination")


class MeetClient(ApiClient):
    """The Meet API as a user's credentials (see ``ApiClient`` for the options)."""

    api = "meet"
    version = "v2"
    default_endpoint = DEFAULT_MEET_API_ENDPOINT

    def _resources(self, service: Any) -> Any:
        records = service.conferenceRecords()
        return {
            "spaces": service.spaces(),
            "records": records,
            "transcripts": records.transcripts(),
            "recordings": records.recordings(),
        }

    def _get(self, resource: str, method: str, name: str, deadline: float | None) -> Json:
        return self._call(
            method,
            lambda r: r[resource].get(name=name),
            target=name,
            deadline=deadline,
        )

    def get_space(self, name_or_code: str, *, deadline: float | None = None) -> Json:
        """``spaces.get`` by name or meeting code: ``{name, meetingUri, meetingCode, config}``."""
        return self._get("spaces", "spaces.get", space_name(name_or_code), deadline)

    def get_conference_record(self, name: str, *, deadline: float | None = None) -> Json:
        """``conferenceRecords.get``: ``{name, startTime, endTime, space, expireTime}``."""
        return self._get("records", "conferenceRecords.get", name, deadline)

    def get_transcript(self, name: str, *, deadline: float | None = None) -> Json:
        """``conferenceRecords.transcripts.get`` (see ``transcript_link``)."""
        return self._get("transcripts", "conferenceRecords.transcripts.get", name, deadline)

    def get_recording(self, name: str, *, deadline: float | None = None) -> Json:
        """``conferenceRecords.recordings.get`` (see ``recording_link``)."""
        return self._get("recordings", "conferenceRecords.recordings.get", name, deadline)

    def conference_records(self, *, meeting_code: str | None = None) -> Iterator[Json]:
        """``conferenceRecords.list``, every page, newest first; optionally one code's."""
        params: Json = {}
        if meeting_code:
            if '"' in meeting_code or "\\" in meeting_code:
                raise ValueError(f"not a meeting code: {meeting_code!r}")
            params["filter"] = f'space.meeting_code = "{meeting_code}"'
        return self._list("records", "conferenceRecords.list", "conferenceRecords", params)

    def transcripts(self, record: str) -> Iterator[Json]:
        """``conferenceRecords.transcripts.list`` of one conference record, every page."""
        return self._list(
            "transcripts", "conferenceRecords.transcripts.list", "transcripts", {"parent": record}
        )

    def recordings(self, record: str) -> Iterator[Json]:
        """``conferenceRecords.recordings.list`` of one conference record, every page."""
        return self._list(
            "recordings", "conferenceRecords.recordings.list", "recordings", {"parent": record}
        )

    def _list(self, resource: str, method: str, key: str, params: Json) -> Iterator[Json]:
        return self._pages(
            method,
            lambda r, query: r[resource].list(**query),
            params,
            target=str(params.get("parent") or key),
            key=key,
        )
