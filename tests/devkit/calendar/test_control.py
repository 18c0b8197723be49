"""The control API over HTTP (``/_emulator/…``), and ``python -m devkit.emulator.calendar``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from typing import Any

from tests.devkit.calendar.conftest import ALEX, DEV, ROOT_PATH, Receiver, delta, full_sync, meeting

EVENTS = f"_emulator/calendars/{DEV}/events"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_act_as_other_users_over_http(
    dev: Any, alex: Any, emu: Any, raw: Any, receiver: Receiver
) -> None:
    assert raw("GET", "_emulator/health").body["ok"] is True
    dev.events().watch(
        calendarId="primary", body={"id": "ctl", "type": "web_hook", "address": receiver.address}
    ).execute()
    token = full_sync(alex, singleEvents=True)[1]
    body = {
        "event": meeting("ctl00000001", attendees=[{"email": ALEX}]),
        "conference": True,
        "sendUpdates": "all",
    }
    created = raw("POST", EVENTS, body)
    assert created.status == 200
    assert created.body["hangoutLink"].startswith("https://meet.google.com/")
    moved = raw(
        "POST",
        f"{EVENTS}/ctl00000001/move",
        {"start": "2026-10-05T18:00:00Z", "end": "2026-10-05T18:30:00Z"},
    )
    assert moved.body["start"]["dateTime"] == "2026-10-05T14:00:00-04:00"
    declined = raw("POST", f"_emulator/calendars/{ALEX}/events/ctl00000001/decline", {})
    assert [a["responseStatus"] for a in declined.body["attendees"]] == ["accepted", "declined"]
    changes, token = delta(alex, token, singleEvents=True)
    assert [c["id"] for c in changes] == ["ctl00000001"]
    assert raw("POST", f"{EVENTS}/ctl00000001/cancel", {}).body == {"cancelled": "ctl00000001"}
    assert delta(alex, token, singleEvents=True)[0][0]["status"] == "cancelled"
    stored = raw("GET", EVENTS).body["events"]
    assert stored[0]["sendUpdates"][0]["sendUpdates"] == "all"
    assert stored[0]["data"]["status"] == "cancelled"
    assert emu.wait_for_deliveries()
    assert [s for s, _ in receiver.states()] == ["sync", "exists", "exists", "exists", "exists"]
    channels = raw("GET", "_emulator/channels").body["channels"]
    assert [(c["id"], c["state"], c["user"]) for c in channels] == [("ctl", "active", DEV)]
    assert len(raw("GET", "_emulator/deliveries").body["deliveries"]) == 5
    assert raw("POST", "_emulator/channels/expire", {}).body == {"expired": 1}


def test_series_exceptions_tokens_and_knobs_over_http(dev: Any, emu: Any, raw: Any) -> None:
    series = {
        "id": "ctlseries01",
        "start": {"dateTime": "2026-10-05T09:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-10-05T09:15:00", "timeZone": "Europe/Berlin"},
        "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
    }
    assert raw("POST", EVENTS, {"event": series}).status == 200
    token = full_sync(dev, singleEvents=True)[1]
    moved = raw(
        "POST",
        f"{EVENTS}/ctlseries01/exceptions",
        {"originalStart": "2026-10-06T09:00:00", "start": "2026-10-06T11:00:00+02:00"},
    )
    assert moved.body == {"id": "ctlseries01_20261006T070000Z"}
    raw(
        "POST",
        f"{EVENTS}/ctlseries01/exceptions",
        {"originalStart": "2026-10-07T09:00:00", "cancelled": True},
    )
    changes = {c["id"]: c for c in delta(dev, token, singleEvents=True)[0]}
    assert changes["ctlseries01_20261006T070000Z"]["end"]["dateTime"] == "2026-10-06T05:15:00-04:00"
    assert changes["ctlseries01_20261007T070000Z"]["status"] == "cancelled"
    assert raw("POST", f"_emulator/calendars/{DEV}/expire-sync-tokens", {}).body == {
        "generation": 1
    }
    gone = raw(
        "GET",
        f"calendar/v3/calendars/primary/events?syncToken={token}",
        token="local-calendar-token",
    )
    assert gone.status == 410
    zone = raw("POST", f"_emulator/calendars/{DEV}/timezone", {"setting": None})
    assert zone.body["timezoneSetting"] is None
    knobs = raw("POST", "_emulator/knobs", {"short_pages": True, "conference_status": "pending"})
    assert knobs.body == {"short_pages": True, "conference_status": "pending", "horizon_days": 730}
    assert raw("POST", "_emulator/knobs", {"conference_status": "later"}).status == 400
    assert raw("POST", "_emulator/push", {"drop_next": 2}).body["drop_next"] == 2
    assert raw("POST", "_emulator/push", {"bogus": 1}).status == 400
    added = raw("POST", "_emulator/users", {"email": "lee@example.org", "timeZone": "Asia/Tokyo"})
    assert added.body["timezoneSetting"] == "Asia/Tokyo"
    assert (
        raw(
            "POST",
            "_emulator/tokens",
            {"token": "lee-t", "email": "lee@example.org", "scopes": ["calendar"]},
        ).status
        == 200
    )
    assert (
        raw("GET", "calendar/v3/calendars/primary/events", token="lee-t").body["timeZone"]
        == "Asia/Tokyo"
    )
    assert raw("POST", f"{EVENTS}/nosuch00001/move", {"start": "x", "end": "y"}).status in (
        400,
        404,
    )
    assert raw("GET", "_emulator/nothing").status == 404
    assert raw("POST", "_emulator/reset", {}).body == {"reset": True}
    assert raw("GET", EVENTS).body == {"events": []}
    assert raw("GET", "_emulator/stats").body["requests"] == 0


def test_module_runs_alone_on_a_port(tmp_path: Any) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.emulator.calendar", "--port", str(port)],
        cwd=ROOT_PATH,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()  # printed once the port is bound
        assert f"127.0.0.1:{port}" in banner
        url = f"http://127.0.0.1:{port}/_emulator/health"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert json.loads(response.read())["ok"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
