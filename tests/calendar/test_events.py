"""Writes, push channels, settings and fault handling of ``CalendarClient`` against the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httplib2
import pytest

from devkit.emulator.calendar import CalendarEmulator
from shared.calendar.client import CalendarClient
from shared.calendar.errors import CalendarRateLimited
from shared.calendar.models import Channel
from shared.google.errors import (
    ApiError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from tests.calendar.conftest import ALEX, DEV, RETRY, START, BearerHttp, Receiver, meeting
from tests.chatapi.fakes import FakeClock

CLIENT_ID = "nudgemeet0123456789abcdefuv"


def writes(emu: CalendarEmulator, api: str) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r.get("api") == api]


def clearing(emu: CalendarEmulator, sleeps: list[float]) -> Callable[[float], None]:
    """A client ``sleep`` that clears the emulator's faults: they were transient."""

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        emu.set_faults()

    return sleep


# --- insert, get, patch ----------------------------------------------------------------------


def test_insert_with_a_conference_gets_a_meet_link(
    emu: CalendarEmulator, calendar: CalendarClient
) -> None:
    body = meeting(attendees=[{"email": ALEX}], description="From Chat")
    event, created = calendar.insert_event("primary", body)
    assert created
    assert event.meet_link.startswith("https://meet.google.com/")
    assert event.conference_status == "success"
    assert event.meet_link.endswith(event.meeting_code)
    assert event.organizer_self
    assert event.self_response == "accepted"
    assert event.has_other_guests
    (stored,) = emu.events(DEV)
    assert stored["sendUpdates"][-1]["sendUpdates"] == "all"
    assert calendar.get_event("primary", event.id) == event


def test_a_pending_conference_is_reported(emu: CalendarEmulator, calendar: CalendarClient) -> None:
    emu.set_knobs(conference_status="pending")
    event, _ = calendar.insert_event("primary", meeting())
    assert (event.conference_status, event.meet_link) == ("pending", "")
    emu.resolve_conferences()
    again = calendar.get_event("primary", event.id)
    assert again.conference_status == "success"
    assert again.meet_link


def test_insert_without_a_conference_ignores_conference_data(
    emu: CalendarEmulator, calendar: CalendarClient
) -> None:
    body = meeting(
        conferenceData={
            "createRequest": {"requestId": "r1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
        }
    )
    event, created = calendar.insert_event("primary", body, conference=False, send_updates="none")
    assert created
    assert (event.meet_link, event.conference_status, event.meeting_code) == ("", "", "")


def test_a_retried_insert_with_a_client_id_returns_the_event_it_made(
    emu: CalendarEmulator, calendar_for: Callable[..., CalendarClient]
) -> None:
    # The write commits, then the answer is a 503: the retry meets 409 duplicate.
    emu.set_faults(fault_after_commit_rate=1)
    sleeps: list[float] = []
    client = calendar_for(sleep=clearing(emu, sleeps))
    event, created = client.insert_event("primary", meeting(CLIENT_ID, summary="Once"))
    assert (event.id, event.summary, created) == (CLIENT_ID, "Once", False)
    assert event.meet_link
    assert len(sleeps) == 1
    assert [r["status"] for r in writes(emu, "calendar.events.insert")] == [503, 409]
    assert len(emu.events(DEV)) == 1
    # The same request again (a redelivered job): still no second event.
    again, created_again = client.insert_event("primary", meeting(CLIENT_ID, summary="Once"))
    assert (again.id, created_again) == (CLIENT_ID, False)


def test_an_insert_without_a_client_id_is_not_retried_on_5xx(
    emu: CalendarEmulator, calendar_for: Callable[..., CalendarClient]
) -> None:
    emu.set_faults(fault_after_commit_rate=1)
    sleeps: list[float] = []
    client = calendar_for(sleep=clearing(emu, sleeps))
    with pytest.raises(Unavailable):
        client.insert_event("primary", meeting())
    assert sleeps == []
    assert len(emu.events(DEV)) == 1  # it was made; only the answer was lost


def test_an_insert_is_retried_when_rate_limited(
    emu: CalendarEmulator, calendar_for: Callable[..., CalendarClient]
) -> None:
    emu.set_faults(error_rate=1, errors=["rateLimitExceeded429"])
    sleeps: list[float] = []
    _event, created = calendar_for(sleep=clearing(emu, sleeps)).insert_event("primary", meeting())
    assert created
    assert len(sleeps) == 1


def test_patch_keeps_the_conference(emu: CalendarEmulator, calendar: CalendarClient) -> None:
    event, _ = calendar.insert_event("primary", meeting())
    patched = calendar.patch_event("primary", event.id, {"summary": "Moved", "location": "Room 2"})
    assert (patched.summary, patched.location) == ("Moved", "Room 2")
    assert patched.meet_link == event.meet_link
    assert emu.events(DEV)[0]["sendUpdates"][-1]["sendUpdates"] == "none"


def test_get_of_an_unknown_event_is_not_found(calendar: CalendarClient) -> None:
    with pytest.raises(NotFound) as caught:
        calendar.get_event("primary", "nosuchevent1")
    assert caught.value.reason == "notFound"


# --- push channels ---------------------------------------------------------------------------


def test_watch_makes_a_channel_that_posts_a_sync_message(
    emu: CalendarEmulator, calendar: CalendarClient, receiver: Receiver
) -> None:
    channel = calendar.watch(
        "primary", channel_id="chan-1", address=receiver.address, token="t0k3n", ttl_seconds=3600
    )
    assert isinstance(channel, Channel)
    assert (channel.id, channel.token) == ("chan-1", "t0k3n")
    assert channel.resource_id
    assert channel.resource_uri
    assert isinstance(channel.expiration, float)
    assert channel.expiration == pytest.approx(START + 3600)
    assert emu.wait_for_deliveries()
    ((headers, body),) = receiver.received()
    assert body == b""
    assert headers["X-Goog-Channel-ID"] == "chan-1"
    assert headers["X-Goog-Channel-Token"] == "t0k3n"
    assert headers["X-Goog-Resource-ID"] == channel.resource_id
    assert headers["X-Goog-Resource-State"] == "sync"
    assert headers["X-Goog-Message-Number"] == "1"


def test_stop_channel_then_again(emu: CalendarEmulator, calendar: CalendarClient) -> None:
    channel = calendar.watch(
        "primary", channel_id="chan-2", address="https://127.0.0.1:9/hook", token="x"
    )
    assert channel.expiration == pytest.approx(START + 604800)
    assert calendar.stop_channel(channel.id, channel.resource_id) is True
    assert calendar.stop_channel(channel.id, channel.resource_id) is False
    assert calendar.stop_channel("never-made", "nothing") is False


def test_watch_is_not_retried_on_5xx_but_is_when_rate_limited(
    emu: CalendarEmulator, calendar_for: Callable[..., CalendarClient]
) -> None:
    sleeps: list[float] = []
    client = calendar_for(sleep=clearing(emu, sleeps))
    emu.set_faults(error_rate=1, errors=["backendError"])
    with pytest.raises(Unavailable):
        client.watch("primary", channel_id="c-5xx", address="https://127.0.0.1:9/h", token="t")
    assert sleeps == []
    emu.set_faults(error_rate=1, errors=["rateLimitExceeded"])
    channel = client.watch(
        "primary", channel_id="c-429", address="https://127.0.0.1:9/h", token="t"
    )
    assert channel.id == "c-429"
    assert len(sleeps) == 1


def test_watch_arguments_are_checked(calendar: CalendarClient) -> None:
    with pytest.raises(ValueError):
        calendar.watch("primary", channel_id="x" * 65, address="https://a.example/h", token="t")
    with pytest.raises(ValueError):
        calendar.watch("primary", channel_id="ok", address="https://a.example/h", token="t" * 257)


def test_stop_channel_is_retried_on_5xx(
    emu: CalendarEmulator, calendar_for: Callable[..., CalendarClient]
) -> None:
    sleeps: list[float] = []
    client = calendar_for(sleep=clearing(emu, sleeps))
    channel = client.watch(
        "primary", channel_id="c-stop", address="https://127.0.0.1:9/h", token="t"
    )
    emu.set_faults(error_rate=1, errors=["backendError503"])
    assert client.stop_channel(channel.id, channel.resource_id) is True
    assert len(sleeps) == 1


# --- settings --------------------------------------------------------------------------------


def test_time_zone_setting(emu: CalendarEmulator, calendar: CalendarClient) -> None:
    assert calendar.time_zone_setting() == "America/New_York"
    emu.set_time_zone(DEV, setting="Europe/Prague")
    assert calendar.time_zone_setting() == "Europe/Prague"
    emu.set_time_zone(DEV, setting=None)  # at its default: not returned
    assert calendar.time_zone_setting() is None


def test_settings_need_a_settings_scope(calendar_for: Callable[..., CalendarClient]) -> None:
    with pytest.raises(PermissionDenied) as caught:
        calendar_for(scopes=("calendar.events",)).time_zone_setting()
    assert caught.value.reason == "insufficientPermissions"


# --- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rateLimitExceeded", "userRateLimitExceeded", "backendError"])
def test_transient_faults_are_retried(
    emu: CalendarEmulator, calendar_for: Callable[..., CalendarClient], name: str
) -> None:
    emu.set_faults(error_rate=1, errors=[name])
    sleeps: list[float] = []
    assert calendar_for(sleep=clearing(emu, sleeps)).time_zone_setting() == "America/New_York"
    assert len(sleeps) == 1
    assert next(r["status"] for r in writes(emu, "calendar.settings.get")) in (403, 500)


def test_rate_limits_that_persist_give_up_after_the_policy_attempts(
    emu: CalendarEmulator, calendar: CalendarClient, clock: FakeClock
) -> None:
    emu.set_faults(error_rate=1, errors=["rateLimitExceeded"])
    with pytest.raises(CalendarRateLimited) as caught:
        calendar.list_events()
    assert caught.value.status == 403
    assert caught.value.reason == "rateLimitExceeded"
    assert len(writes(emu, "calendar.events.list")) == RETRY.max_attempts
    assert len(clock.sleeps) == RETRY.max_attempts - 1


def test_quota_exceeded_is_not_retried_within_the_call(
    emu: CalendarEmulator, calendar: CalendarClient, clock: FakeClock
) -> None:
    emu.set_faults(error_rate=1, errors=["quotaExceeded"])
    with pytest.raises(CalendarRateLimited) as caught:
        calendar.list_events()
    assert caught.value.reason == "quotaExceeded"
    assert caught.value.retryable
    assert not caught.value.hot_retry
    assert clock.sleeps == []
    assert len(writes(emu, "calendar.events.list")) == 1


def test_an_auth_error_is_unauthenticated(emu: CalendarEmulator, clock: FakeClock) -> None:
    # Unsigned transport (no refresh to attempt): the emulator's 401 authError as sent.
    client = CalendarClient(
        None,
        endpoint=emu.calendar_url,
        retry=RETRY,
        clock=clock,
        sleep=clock.sleep,
        http_factory=lambda: httplib2.Http(timeout=10),
    )
    with pytest.raises(Unauthenticated) as caught:
        client.list_events()
    assert caught.value.status == 401
    assert caught.value.reason == "required"
    assert clock.sleeps == []


def test_an_invalid_token_is_unauthenticated_with_google_reason(
    emu: CalendarEmulator, clock: FakeClock
) -> None:
    client = CalendarClient(
        None,
        endpoint=emu.calendar_url,
        retry=RETRY,
        clock=clock,
        sleep=clock.sleep,
        http_factory=lambda: BearerHttp("a-token-nobody-registered"),
    )
    with pytest.raises(Unauthenticated) as caught:
        client.time_zone_setting()
    assert caught.value.reason == "authError"
    assert str(caught.value) == (
        "settings.get on users/me/settings/timezone: authError: Invalid Credentials"
    )


def test_errors_never_show_the_token(emu: CalendarEmulator, calendar: CalendarClient) -> None:
    emu.set_faults(error_rate=1, errors=["quotaExceeded"])
    with pytest.raises(ApiError) as caught:
        calendar.list_events()
    assert "tok-" not in str(caught.value)
    assert "tok-" not in repr(caught.value)


def test_a_deadline_shortens_the_retries(emu: CalendarEmulator, calendar: CalendarClient) -> None:
    emu.set_faults(error_rate=1, errors=["backendError"])
    with pytest.raises(Unavailable):
        calendar.list_events(deadline=0.001)  # no backoff fits: one attempt only
    assert len(writes(emu, "calendar.events.list")) == 1


def test_send_updates_is_checked(calendar: CalendarClient) -> None:
    with pytest.raises(ValueError):
        calendar.insert_event("primary", meeting(), send_updates="everyone")
    with pytest.raises(ValueError):
        calendar.patch_event("primary", "e1", {}, send_updates="some")
