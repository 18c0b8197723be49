"""``list_events`` and ``sync`` against the emulator: paging, deltas, 410, forbidden params."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest

from devkit.emulator.calendar import CalendarEmulator
from shared.calendar.client import CalendarClient
from shared.calendar.errors import SyncTokenExpired
from shared.calendar.models import CalendarEvent
from shared.google.errors import Gone
from tests.calendar.conftest import DEV, RETRY, BearerHttp, meeting
from tests.chatapi.fakes import FakeClock

UTC = dt.UTC


def query_of(uri: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(uri).query))


def api_requests(emu: CalendarEmulator) -> int:
    return int(emu.stats().get("api_requests", 0))


def seed(emu: CalendarEmulator, count: int) -> list[str]:
    return [emu.create_event(DEV, meeting(day=2 + i))["id"] for i in range(count)]


@pytest.fixture
def recorded(emu: CalendarEmulator, clock: FakeClock) -> tuple[CalendarClient, list[str]]:
    emu.register_token("recorded-token", DEV, ["calendar.events.readonly"])
    uris: list[str] = []
    client = CalendarClient(
        None,
        endpoint=emu.calendar_url,
        retry=RETRY,
        clock=clock,
        sleep=clock.sleep,
        http_factory=lambda: BearerHttp("recorded-token", uris),
    )
    return client, uris


def test_full_sync_pages_with_short_pages_to_the_sync_token(
    emu: CalendarEmulator, recorded: tuple[CalendarClient, list[str]]
) -> None:
    client, uris = recorded
    ids = seed(emu, 5)
    emu.set_knobs(short_pages=True)
    pages = list(client.sync(max_results=2))
    assert len(pages) > 2
    assert all(p.next_sync_token is None and p.next_page_token for p in pages[:-1])
    assert pages[-1].next_sync_token
    assert pages[-1].next_page_token is None
    assert sorted(e.id for p in pages for e in p.items) == sorted(ids)
    assert {p.zone for p in pages} == {"America/New_York"}
    queries = [query_of(u) for u in uris]
    assert len(queries) == len(pages)
    for query in queries:
        assert (query["singleEvents"], query["maxResults"]) == ("true", "2")
        assert "syncToken" not in query
        assert "timeMin" not in query
    assert "pageToken" not in queries[0]
    assert all("pageToken" in q for q in queries[1:])


def test_incremental_sync_keeps_its_token_on_every_page_and_reports_cancellations(
    emu: CalendarEmulator, recorded: tuple[CalendarClient, list[str]]
) -> None:
    client, uris = recorded
    first, second, third = seed(emu, 3)
    series = emu.create_event(
        DEV,
        {
            "summary": "Daily",
            "start": {"dateTime": "2026-10-05T09:00:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": "2026-10-05T09:15:00", "timeZone": "Europe/Berlin"},
            "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
        },
    )["id"]
    full = list(client.sync())
    assert len([e for p in full for e in p.items if e.recurring_event_id == series]) == 3
    token = full[-1].next_sync_token
    assert token

    emu.cancel_event(DEV, first)
    emu.move_event(DEV, second, "2026-10-20T10:00:00Z")
    skipped = emu.add_exception(DEV, series, "2026-10-06T09:00:00", cancelled=True)
    emu.set_knobs(short_pages=True)
    uris.clear()
    pages = list(client.sync(sync_token=token, max_results=1))
    assert pages[-1].next_sync_token not in (None, token)
    assert all(query_of(u)["syncToken"] == token for u in uris)
    changed = {e.id: e for p in pages for e in p.items}
    assert third not in changed
    assert changed[first].cancelled
    assert changed[first].start is None
    assert changed[second].start == dt.datetime(2026, 10, 20, 10, 0, tzinfo=UTC)
    stub = changed[skipped]
    assert stub.cancelled
    assert stub.recurring_event_id == series
    assert stub.original_start == dt.datetime(2026, 10, 6, 7, 0, tzinfo=UTC)

    quiet = list(client.sync(sync_token=pages[-1].next_sync_token))
    assert [e for p in quiet for e in p.items] == []


def test_an_expired_sync_token_is_sync_token_expired(
    emu: CalendarEmulator, calendar: CalendarClient
) -> None:
    seed(emu, 1)
    token = list(calendar.sync())[-1].next_sync_token
    emu.expire_sync_tokens(DEV)
    with pytest.raises(SyncTokenExpired) as caught:
        calendar.list_events(sync_token=token)
    assert isinstance(caught.value, Gone)
    assert caught.value.status == 410
    assert caught.value.reason == "fullSyncRequired"
    with pytest.raises(SyncTokenExpired):
        list(calendar.sync(sync_token=token))
    assert list(calendar.sync())[-1].next_sync_token  # a full sync starts over


@pytest.mark.parametrize(
    "extra",
    [
        {"time_min": dt.datetime(2026, 10, 1, tzinfo=UTC)},
        {"time_max": dt.datetime(2026, 10, 1, tzinfo=UTC)},
        {"order_by": "startTime"},
    ],
)
def test_forbidden_params_with_a_sync_token_are_refused_before_any_request(
    emu: CalendarEmulator, calendar: CalendarClient, extra: dict[str, Any]
) -> None:
    before = api_requests(emu)
    with pytest.raises(ValueError):
        calendar.list_events(sync_token="anything", **extra)
    assert api_requests(emu) == before


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.sync(sync_token="t", time_min=dt.datetime(2026, 1, 1, tzinfo=UTC)),
        lambda c: c.sync(time_min=dt.datetime(2026, 1, 1)),
        lambda c: c.list_events(time_min=dt.datetime(2026, 1, 1)),
        lambda c: c.list_events(max_results=0),
        lambda c: c.list_events(max_results=2501),
        lambda c: c.list_events(order_by="startTime", single_events=False),
    ],
)
def test_bad_arguments_fail_at_once(
    emu: CalendarEmulator, calendar: CalendarClient, call: Callable[[CalendarClient], Any]
) -> None:
    before = api_requests(emu)
    with pytest.raises(ValueError):
        call(calendar)
    assert api_requests(emu) == before


def test_full_sync_bounded_by_time_min_then_incremental(
    emu: CalendarEmulator, recorded: tuple[CalendarClient, list[str]]
) -> None:
    client, uris = recorded
    _early, late = seed(emu, 2)  # Oct 2 and Oct 3
    since = dt.datetime(2026, 10, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    pages = list(client.sync(time_min=since))
    assert [e.id for p in pages for e in p.items] == [late]
    assert query_of(uris[0])["timeMin"] == "2026-10-03T07:00:00Z"
    emu.patch_event(DEV, late, {"summary": "Renamed"})
    uris.clear()
    delta = list(client.sync(sync_token=pages[-1].next_sync_token))
    assert [(e.id, e.summary) for p in delta for e in p.items] == [(late, "Renamed")]
    assert "timeMin" not in query_of(uris[0])


def test_one_page_in_time_order(emu: CalendarEmulator, calendar: CalendarClient) -> None:
    ids = seed(emu, 3)
    page = calendar.list_events(
        time_min=dt.datetime(2026, 10, 1, tzinfo=UTC),
        time_max=dt.datetime(2026, 10, 31, tzinfo=UTC),
        order_by="startTime",
    )
    assert [e.id for e in page.items] == ids
    assert all(isinstance(e, CalendarEvent) for e in page.items)
    assert page.access_role == "owner"


def test_a_read_is_retried_after_a_backend_error(
    emu: CalendarEmulator, calendar_for: Callable[..., CalendarClient], clock: FakeClock
) -> None:
    seed(emu, 1)
    emu.set_faults(error_rate=1, errors=["backendError"])
    sleeps: list[float] = []

    def transient(seconds: float) -> None:  # the fault clears while the client backs off
        sleeps.append(seconds)
        emu.set_faults()

    client = calendar_for(sleep=transient)
    page = client.list_events()
    assert len(page.items) == 1
    assert len(sleeps) == 1
