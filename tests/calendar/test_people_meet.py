"""``PeopleClient`` (Chat users to emails) and ``MeetClient`` (spaces, artifacts), emulated."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devkit.emulator.calendar import CalendarEmulator
from shared.calendar.client import CalendarClient
from shared.calendar.meet import MeetClient, recording_link, space_name, transcript_link
from shared.calendar.people import PeopleClient, person_name, primary_email
from shared.google.errors import NotFound, PermissionDenied
from tests.calendar.conftest import ALEX, ALEX_USER, DEV, meeting

DEV_USER = "users/100000000000000000001"

# --- People ----------------------------------------------------------------------------------


def test_email_of_a_chat_user_or_person(people_for: Callable[..., PeopleClient]) -> None:
    people = people_for()
    assert people.email_of(ALEX_USER) == ALEX
    assert people.email_of(ALEX_USER.replace("users/", "people/")) == ALEX
    assert people.email_of("people/me") == DEV
    assert people.email_of("users/424242") is None  # 404


def test_an_email_alias_needs_no_request(
    emu: CalendarEmulator, people_for: Callable[..., PeopleClient]
) -> None:
    people = people_for()
    before = len(emu.requests())
    assert people.email_of("users/ada@example.com") == "ada@example.com"
    assert len(emu.requests()) == before


def test_another_persons_email_needs_the_directory_scope(
    people_for: Callable[..., PeopleClient],
) -> None:
    people = people_for(scopes=("userinfo.email",))
    assert people.email_of("people/me") == DEV
    assert people.email_of(ALEX_USER) is None
    with pytest.raises(PermissionDenied):
        people_for(scopes=("calendar",)).email_of(ALEX_USER)


def test_emails_of_many_users_in_batches_of_200(
    emu: CalendarEmulator, people_for: Callable[..., PeopleClient]
) -> None:
    made = [emu.add_user(f"u{i}@example.com")["user"] for i in range(230)]
    people = people_for()
    emu.core.journal.reset()
    wanted = [*made, ALEX_USER, "people/999", ALEX_USER, "users/bo@example.com"]
    found = people.emails_of(wanted)
    assert found[ALEX_USER] == ALEX
    assert found["people/999"] is None
    assert found["users/bo@example.com"] == "bo@example.com"
    assert [found[user] for user in made] == [f"u{i}@example.com" for i in range(230)]
    assert [r["api"] for r in emu.requests()] == ["people.people.getBatchGet"] * 2
    assert people.emails_of([]) == {}


def test_person_names_and_primary_email() -> None:
    assert person_name("users/123") == person_name("people/123") == person_name("123")
    assert person_name("123") == "people/123"
    for bad in ("", "users/", "spaces/a/b"):
        with pytest.raises(ValueError):
            person_name(bad)
    assert primary_email({}) is None
    assert primary_email({"emailAddresses": [{"value": "a@x"}, {"value": "b@x"}]}) == "a@x"
    assert (
        primary_email(
            {"emailAddresses": [{"value": "a@x"}, {"value": "b@x", "metadata": {"primary": True}}]}
        )
        == "b@x"
    )


# --- Meet ------------------------------------------------------------------------------------


def test_space_by_meeting_code_then_transcript_and_recording_links(
    emu: CalendarEmulator, calendar: CalendarClient, meet: MeetClient
) -> None:
    event, _ = calendar.insert_event("primary", meeting(attendees=[{"email": ALEX}]))
    space = meet.get_space(event.meeting_code)
    assert space["meetingCode"] == event.meeting_code
    assert space["meetingUri"] == event.meet_link
    assert meet.get_space(space["name"]) == space
    assert meet.get_space(f"spaces/{event.meeting_code}") == space

    ended = emu.end_conference(event.meeting_code, recording=True)
    record = meet.get_conference_record(ended["name"])
    assert record["space"] == space["name"]
    assert [r["name"] for r in meet.conference_records(meeting_code=event.meeting_code)] == [
        ended["name"]
    ]
    names = {e["type"]: e["data"] for e in emu.meet_events()}
    transcript = meet.get_transcript(
        names["google.workspace.meet.transcript.v2.fileGenerated"]["transcript"]["name"]
    )
    recording = meet.get_recording(
        names["google.workspace.meet.recording.v2.fileGenerated"]["recording"]["name"]
    )
    assert transcript_link(transcript).startswith("https://docs.google.com/document/d/")
    assert recording_link(recording).startswith("https://drive.google.com/file/d/")
    assert [t["name"] for t in meet.transcripts(record["name"])] == [transcript["name"]]
    assert [r["name"] for r in meet.recordings(record["name"])] == [recording["name"]]


def test_unknown_space_is_not_found(meet: MeetClient) -> None:
    with pytest.raises(NotFound):
        meet.get_space("aaa-bbbb-ccc")


def test_links_of_incomplete_artifacts_are_empty() -> None:
    assert transcript_link({}) == recording_link({}) == ""
    assert transcript_link({"docsDestination": {"document": "d"}}) == ""
    assert recording_link({"driveDestination": "x"}) == ""


def test_space_names() -> None:
    assert space_name("abc-mnop-xyz") == "spaces/abc-mnop-xyz"
    assert space_name("spaces/AbC") == "spaces/AbC"
    assert space_name("https://meet.google.com/abc-mnop-xyz?authuser=0") == "spaces/abc-mnop-xyz"
    with pytest.raises(ValueError):
        space_name(" ")
