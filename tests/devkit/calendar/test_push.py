"""``events.watch`` channels really deliver: headers, numbering, expiry, stop, knobs (§1)."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from tests.chatapi.fakes import FakeClock
from tests.devkit.calendar.conftest import ALEX, DEV, START, Receiver, error_body, meeting, reason

WEEK_MS = 7 * 24 * 3600 * 1000


def watch(service: Any, receiver: Receiver, channel_id: str = "chan-1", **body: Any) -> Any:
    payload = {"id": channel_id, "type": "web_hook", "address": receiver.address, **body}
    return service.events().watch(calendarId="primary", body=payload).execute()


def test_watch_answers_a_channel_and_delivers_sync_then_exists(
    dev: Any, emu: Any, receiver: Receiver
) -> None:
    channel = watch(dev, receiver, token="target=nudge&secret=s3cr3t")
    assert channel["kind"] == "api#channel"
    assert channel["id"] == "chan-1"
    assert channel["token"] == "target=nudge&secret=s3cr3t"
    assert channel["expiration"] == str(int(START * 1000) + WEEK_MS)  # string, ms; 7 days
    assert channel["resourceUri"] == (
        "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json"
    )
    resource_id = channel["resourceId"]
    assert emu.wait_for_deliveries()
    (sync,) = receiver.requests
    assert sync.path == "/calendar/notifications"
    assert sync.body == b""
    headers = sync.headers
    assert headers["X-Goog-Channel-ID"] == "chan-1"
    assert headers["X-Goog-Channel-Token"] == "target=nudge&secret=s3cr3t"
    assert headers["X-Goog-Resource-ID"] == resource_id
    assert headers["X-Goog-Resource-URI"] == channel["resourceUri"]
    assert headers["X-Goog-Resource-State"] == "sync"
    assert headers["X-Goog-Message-Number"] == "1"
    assert headers["Content-Length"] == "0"
    assert headers["User-Agent"].startswith("APIs-Google")
    expires = parsedate_to_datetime(headers["X-Goog-Channel-Expiration"])
    assert expires == dt.datetime.fromtimestamp(START, dt.UTC) + dt.timedelta(days=7)
    assert headers["X-Goog-Channel-Expiration"].endswith(" GMT")
    # Each change of the calendar: one "exists" message, numbers growing (not one by one).
    event = emu.create_event(DEV, meeting("push0000001"))
    emu.move_event(DEV, event["id"], "2026-10-06T15:00:00Z", "2026-10-06T16:00:00Z")
    emu.cancel_event(DEV, event["id"])
    assert emu.wait_for_deliveries()
    states = receiver.states()
    assert [s for s, _ in states] == ["sync", "exists", "exists", "exists"]
    numbers = [n for _, n in states]
    assert numbers == sorted(set(numbers))
    assert numbers[0] == 1
    assert {d["status"] for d in emu.deliveries()} == {200}


def test_a_shared_event_pushes_to_every_watched_calendar(
    dev: Any, alex: Any, emu: Any, receiver: Receiver
) -> None:
    watch(dev, receiver, "dev-chan")
    watch(alex, receiver, "alex-chan")
    event = emu.create_event(DEV, meeting("pushshare01", attendees=[{"email": ALEX}]))
    emu.decline(ALEX, event["id"])
    assert emu.wait_for_deliveries()
    by_channel: dict[str, list[str]] = {}
    for delivery in receiver.requests:
        by_channel.setdefault(delivery.headers["X-Goog-Channel-ID"], []).append(
            delivery.headers["X-Goog-Resource-State"]
        )
    assert by_channel == {
        "dev-chan": ["sync", "exists", "exists"],
        "alex-chan": ["sync", "exists", "exists"],
    }


def test_channel_ids_must_be_unique(dev: Any, receiver: Receiver) -> None:
    watch(dev, receiver, "dup-chan")
    with pytest.raises(HttpError) as info:
        watch(dev, receiver, "dup-chan")
    assert (info.value.resp.status, reason(info.value)) == (400, "channelIdNotUnique")


def test_stop_ends_deliveries_for_the_same_user_only(
    dev: Any, alex: Any, emu: Any, receiver: Receiver
) -> None:
    channel = watch(dev, receiver, "stop-chan")
    stop = {"id": "stop-chan", "resourceId": channel["resourceId"]}
    with pytest.raises(HttpError) as info:
        alex.channels().stop(body=stop).execute()  # another user: not theirs to stop
    assert (info.value.resp.status, reason(info.value)) == (404, "notFound")
    with pytest.raises(HttpError) as info:
        dev.channels().stop(body={"id": "stop-chan", "resourceId": "other"}).execute()
    assert info.value.resp.status == 404
    assert dev.channels().stop(body=stop).execute() == ""  # 204, empty
    emu.create_event(DEV, meeting("afterstop01"))
    assert emu.wait_for_deliveries()
    assert receiver.states() == [("sync", 1)]
    with pytest.raises(HttpError) as info:
        dev.channels().stop(body=stop).execute()
    assert info.value.resp.status == 404
    assert "not found" in error_body(info.value)["message"]
    assert [c["state"] for c in emu.channels()] == ["stopped"]
    watch(dev, receiver, "stop-chan")  # a stopped channel's id may be used again


def test_channels_expire(dev: Any, emu: Any, receiver: Receiver, clock: FakeClock) -> None:
    channel = watch(dev, receiver, "short-chan", params={"ttl": "3600"})
    assert channel["expiration"] == str(int((START + 3600) * 1000))
    capped = watch(dev, receiver, "long-chan", params={"ttl": "99999999"})
    assert capped["expiration"] == str(int(START * 1000) + WEEK_MS)
    explicit = watch(dev, receiver, "exp-chan", expiration=str(int((START + 60) * 1000)))
    assert explicit["expiration"] == str(int((START + 60) * 1000))
    emu.create_event(DEV, meeting("before00001"))
    clock.sleep(3600)
    emu.create_event(DEV, meeting("after000001"))
    assert emu.wait_for_deliveries()
    seen: dict[str, list[str]] = {}
    for delivery in receiver.requests:
        seen.setdefault(delivery.headers["X-Goog-Channel-ID"], []).append(
            delivery.headers["X-Goog-Resource-State"]
        )
    assert seen == {
        "short-chan": ["sync", "exists"],
        "long-chan": ["sync", "exists", "exists"],
        "exp-chan": ["sync", "exists"],
    }
    states = {c["id"]: c["state"] for c in emu.channels()}
    assert states == {"short-chan": "expired", "long-chan": "active", "exp-chan": "expired"}
    with pytest.raises(HttpError):
        dev.channels().stop(
            body={"id": "short-chan", "resourceId": channel["resourceId"]}
        ).execute()


def test_dropped_and_duplicated_deliveries(dev: Any, emu: Any, receiver: Receiver) -> None:
    watch(dev, receiver, "flaky-chan")
    assert emu.wait_for_deliveries()
    emu.set_push(drop_next=1)
    emu.create_event(DEV, meeting("dropped0001"))
    emu.set_push(duplicate_next=1)
    emu.create_event(DEV, meeting("duplic00001"))
    assert emu.wait_for_deliveries()
    log = emu.deliveries()
    assert [(d["resourceState"], d["dropped"], d["duplicate"]) for d in log] == [
        ("sync", False, False),
        ("exists", True, False),
        ("exists", False, False),
        ("exists", False, True),
    ]
    received = receiver.states()
    assert len(received) == 3
    assert received[1] == received[2]  # the same message number twice
    assert received[1][1] > log[1]["messageNumber"] > 1  # the dropped number is a gap


def test_retries_on_5xx_and_gives_up_on_4xx(
    dev: Any, emu: Any, receiver: Receiver, clock: FakeClock
) -> None:
    receiver.statuses[:] = [503, 500, 200, 404]
    watch(dev, receiver, "retry-chan")
    emu.create_event(DEV, meeting("again000001"))
    assert emu.wait_for_deliveries()
    log = emu.deliveries()
    assert [(d["status"], d["attempts"]) for d in log] == [(200, 3), (404, 1)]
    assert clock.sleeps == [1.0, 2.0]  # exponential backoff on the emulator's clock


def test_addresses_must_be_https_except_loopback(dev: Any, emu: Any, receiver: Receiver) -> None:
    with pytest.raises(HttpError) as info:
        dev.events().watch(
            calendarId="primary",
            body={"id": "c1", "type": "web_hook", "address": "http://example.com/hook"},
        ).execute()
    assert reason(info.value) == "push.webhookUrlNotHttps"
    with pytest.raises(HttpError) as info:
        dev.events().watch(
            calendarId="primary",
            body={"id": "c2", "type": "email", "address": "https://example.com/hook"},
        ).execute()
    assert info.value.resp.status == 400
    emu.set_push(unauthorized_hosts=["127.0.0.1"])
    with pytest.raises(HttpError) as info:
        watch(dev, receiver, "c3")
    assert reason(info.value) == "push.webhookUrlUnauthorized"
    with pytest.raises(HttpError) as info:
        watch(dev, receiver, "x" * 65)
    assert info.value.resp.status == 400


def test_expire_a_channel_now(dev: Any, emu: Any, receiver: Receiver) -> None:
    watch(dev, receiver, "now-chan")
    watch(dev, receiver, "kept-chan")
    assert emu.expire_channels("now-chan") == 1
    emu.create_event(DEV, meeting("endn0000001"))
    assert emu.wait_for_deliveries()
    exists = [d.headers["X-Goog-Channel-ID"] for d in receiver.requests[2:]]
    assert exists == ["kept-chan"]
