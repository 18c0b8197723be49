"""Time zones (settings, calendars, ``Events.timeZone``) and the Meet v2 reads of issue 10."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.devkit.calendar.conftest import ALEX, DEV, make_service, meeting, reason


def test_timezone_setting_set_and_absent(dev: Any, emu: Any) -> None:
    setting = dev.settings().get(setting="timezone").execute()
    assert setting["kind"] == "calendar#setting"
    assert (setting["id"], setting["value"]) == ("timezone", "America/New_York")
    assert dev.calendars().get(calendarId="primary").execute()["timeZone"] == "America/New_York"
    # The setting and the calendar can disagree, and the setting can be at its default.
    emu.set_time_zone(DEV, calendar="Europe/Lisbon", setting="Asia/Tokyo")
    assert dev.settings().get(setting="timezone").execute()["value"] == "Asia/Tokyo"
    assert dev.calendars().get(calendarId="primary").execute()["timeZone"] == "Europe/Lisbon"
    assert dev.events().list(calendarId="primary").execute()["timeZone"] == "Europe/Lisbon"
    emu.set_time_zone(DEV, setting=None)
    with pytest.raises(HttpError) as info:
        dev.settings().get(setting="timezone").execute()
    assert (info.value.resp.status, reason(info.value)) == (404, "notFound")
    ids = [s["id"] for s in dev.settings().list().execute()["items"]]
    assert "timezone" not in ids
    assert "weekStart" in ids


def test_users_added_with_their_own_zones(emu: Any, service_for: Any) -> None:
    emu.add_user("kim@example.org", time_zone="Asia/Seoul", timezone_setting=None)
    kim = service_for("kim@example.org", ["calendar.readonly"])
    entry = kim.calendarList().get(calendarId="primary").execute()
    assert (entry["timeZone"], entry["primary"], entry["accessRole"]) == (
        "Asia/Seoul",
        True,
        "owner",
    )
    assert entry["conferenceProperties"] == {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}
    with pytest.raises(HttpError):
        kim.settings().get(setting="timezone").execute()


def meet_for(emu: Any, email: str, scopes: list[str]) -> Any:
    token = f"meet-{email}-{'-'.join(scopes)}"
    emu.register_token(token, email, scopes)
    return make_service(emu.meet_url, token, "meet", "v2")


def test_meet_space_and_conference_artifacts(dev: Any, emu: Any) -> None:
    request = {
        "createRequest": {"requestId": "m-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
    }
    event = (
        dev.events()
        .insert(
            calendarId="primary",
            body=meeting("meet0000001", conferenceData=request, attendees=[{"email": ALEX}]),
            conferenceDataVersion=1,
        )
        .execute()
    )
    code = event["conferenceData"]["conferenceId"]
    meet = meet_for(emu, DEV, ["meetings.space.readonly"])
    space = meet.spaces().get(name=f"spaces/{code}").execute()  # the meeting code is an alias
    assert space["meetingCode"] == code
    assert space["meetingUri"] == event["hangoutLink"]
    assert meet.spaces().get(name=space["name"]).execute() == space
    with pytest.raises(HttpError) as info:
        meet_for(emu, ALEX, ["meetings.space.readonly"]).spaces().get(name=space["name"]).execute()
    assert info.value.resp.status == 403
    with pytest.raises(HttpError) as info:
        meet_for(emu, DEV, ["calendar"]).spaces().get(name=space["name"]).execute()
    assert info.value.resp.status == 403
    with pytest.raises(HttpError) as info:
        meet.spaces().get(name="spaces/nope").execute()
    assert info.value.resp.status == 404

    heard: list[tuple[str, Any, str]] = []
    emu.on_meet_event(lambda kind, data, where: heard.append((kind, data, where)))
    ended = emu.end_conference(code, transcript=True, recording=True)
    listed = meet.conferenceRecords().list(filter=f'space.meeting_code = "{code}"').execute()
    assert listed["conferenceRecords"] == [ended]
    assert ended["space"] == space["name"]
    record = ended["name"]
    assert meet.conferenceRecords().get(name=record).execute() == ended
    transcripts = meet.conferenceRecords().transcripts().list(parent=record).execute()
    (transcript,) = transcripts["transcripts"]
    assert transcript["state"] == "FILE_GENERATED"
    assert transcript["docsDestination"]["exportUri"].startswith(
        "https://docs.google.com/document/d/"
    )
    assert (
        meet.conferenceRecords().transcripts().get(name=transcript["name"]).execute() == transcript
    )
    (recording,) = meet.conferenceRecords().recordings().list(parent=record).execute()["recordings"]
    assert recording["driveDestination"]["exportUri"].startswith("https://drive.google.com/file/d/")
    assert [kind for kind, _, _ in heard] == [
        "google.workspace.meet.conference.v2.ended",
        "google.workspace.meet.transcript.v2.fileGenerated",
        "google.workspace.meet.recording.v2.fileGenerated",
    ]
    assert heard[1][1] == {"transcript": {"name": transcript["name"]}}
    assert {where for _, _, where in heard} == {space["name"]}  # the Meet space, not the code
    assert emu.meet_events() == [{"type": k, "data": d, "space": w} for k, d, w in heard]
    emu.core.meet.listeners.clear()
    other = meet.conferenceRecords().list(filter='space.meeting_code = "abc-defg-hij"').execute()
    assert other == {}
    with pytest.raises(HttpError) as info:
        meet.conferenceRecords().list(filter="start_time > 0").execute()
    assert info.value.resp.status == 400
