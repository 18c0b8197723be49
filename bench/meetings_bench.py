"""Meetings: a calendar sync of 1,000 events, and how late meeting reminders post in a tick.

Emulators run in processes of their own with 50 ms latency; each value stands
beside a baseline measured in the same run.

``calendar sync 1k events``: 1,000 timed meetings (each with a guest) go into one
user's calendar through the Calendar emulator's control API (``/_emulator/…``:
no latency, not counted). Nudge's real ``sync_calendar`` runs a full sync for an
ACTIVE link with no sync token in a fresh SQLite store, then, after 10 changes
(5 moved, 3 cancelled, 2 created), an incremental one. Wall time stands beside
a bare paging loop of ``events.list`` (a fresh ``CalendarClient``, same
credentials and parameters, no store work), so the ratio (Nudge / bare) is
Nudge's work beyond the network; Calendar API calls (the emulator's
``api_requests``) beside the fewest pages, ceil(events / 2500). ``met`` also
needs the store right: 1,000 pending posts, then the 10 changes reflected.
Credentials go the production way, nothing overridden (``bench.calendar_process``):
the fake OAuth server runs on loopback, its consent flow yields a grant stored
with ``UserGrants.save``, ``UserGrants.call`` refreshes it, and the emulator
(``--tokeninfo-url``) introspects the access token. The link was connected
"yesterday" (``full_synced_at`` set), so the one-off "connected" DM is not sent.

``meeting reminder lateness``: 500 meeting reminders (``posts.new_post``), due at
one moment for 500 users, each with a DM in the Chat emulator (quotas on). One
real tick (``Runtime.tick(scheduled)``, what ``reminders_tick`` calls) starts at
that moment; lateness is each message's ``createTime`` minus it. Target: p99 ≤
5 s, each posted exactly once. Baseline: a bare ``ChatClient`` loop on 32
threads (the engine's pool), with its own pacer, posting 500 messages into 500
other DMs it already knows: the least any poster waits, so the ratio (engine /
bare) is the tick's own cost (claims, a ``findDirectMessage`` per recipient,
cards, advancing each post). The same 500 as typed reminders through the same
engine are printed alongside.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bench.calendar_process import api_calls, calendar_emulator, connected
from bench.emulator_process import emulator, get_json, post_json
from bench.record import Record, percentile

if TYPE_CHECKING:
    from shared.features.meetings.sync import SyncReport
    from shared.services import Services
    from shared.store.reminders import Reminder

T = TypeVar("T")

LATENCY_MS = 50
ZONE = "Europe/Berlin"
EVENTS = 1000
PAGE_SIZE = 2500  # events.list maxResults, the most Calendar gives per page
POSTS = 500
TARGET_P99_S = 5.0
SYNC_USER = "users/100000000000000000042"
SYNC_EMAIL = "bench@example.com"


# --- calendar sync ----------------------------------------------------------------------------


def _event(n: int, start: datetime) -> dict[str, Any]:
    return {
        "summary": f"Bench meeting {n}",
        "start": {"dateTime": start.isoformat(), "timeZone": ZONE},
        "end": {"dateTime": (start + timedelta(minutes=30)).isoformat(), "timeZone": ZONE},
        "attendees": [
            {"email": SYNC_EMAIL, "responseStatus": "accepted"},
            {"email": f"guest{n % 40}@example.org"},
        ],
    }


def _timed(url: str, run: Callable[[], T]) -> tuple[float, int, T]:
    """``(wall seconds, Calendar API calls, result)`` of ``run()``."""
    calls, started = api_calls(url), time.perf_counter()
    result = run()
    return time.perf_counter() - started, api_calls(url) - calls, result


def _bare_sync(client: Any, sync_token: str | None, time_min: datetime) -> str:
    """Every page of one sync and nothing else (the baseline); returns the next sync token."""
    token = ""
    for page in client.sync(sync_token=sync_token, time_min=None if sync_token else time_min):
        token = page.next_sync_token or token
    return token


def _pending(services: Services, user: str) -> dict[str, Reminder]:
    """``user``'s pending (ACTIVE) meeting posts by id."""
    from shared.features.meetings.sync import pending_meetings
    from shared.store.reminders import ReminderState

    found = pending_meetings(services, user)
    return {p.id: p for p in found if p.state is ReminderState.ACTIVE}


def calendar_sync_1k_events() -> Iterator[Record]:
    """Full and incremental sync of 1,000 events: wall time and API calls (see the docstring)."""
    from devkit.oauth_server import OAuthServer
    from shared.calendar.client import CalendarClient
    from shared.features.meetings import posts
    from shared.features.meetings.sync import FULL_SYNC_LOOKBACK, sync_calendar

    user = SYNC_USER
    oauth = OAuthServer(
        client_id="nudge-bench", client_secret="bench-secret",
        user_id=SYNC_USER.removeprefix("users/"), email=SYNC_EMAIL,
    ).start()  # fmt: skip
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            calendar_emulator(latency_ms=LATENCY_MS, tokeninfo_url=oauth.tokeninfo_url) as url,
        ):
            control = f"{url}_emulator/calendars/{SYNC_EMAIL}"
            post_json(url + "_emulator/users", {"email": SYNC_EMAIL, "timeZone": ZONE})
            base = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)

            def create(n: int, start: datetime) -> str:
                return str(post_json(control + "/events", {"event": _event(n, start)})["id"])

            ids = [create(n, base + timedelta(minutes=30 * n)) for n in range(EVENTS)]
            services, credentials = connected(
                oauth, url, Path(tmp, "nudge.db"), user=user, email=SYNC_EMAIL
            )
            now = datetime.now(UTC)
            endpoint = services.settings.calendar_api_endpoint
            time_min = now - FULL_SYNC_LOOKBACK

            def bare(token: str | None) -> Callable[[], str]:
                client = CalendarClient(credentials, endpoint=endpoint)
                return lambda: _bare_sync(client, token, time_min)

            def nudge() -> SyncReport | None:
                return sync_calendar(services, user, now=now)

            bare_full, _, bare_token = _timed(url, bare(None))
            full_wall, full_calls, full = _timed(url, nudge)
            link = services.calendars().get_link(user)
            full_ok = (
                full is not None
                and full.scheduled == EVENTS
                and len(_pending(services, user)) == EVENTS
                and link is not None
                and bool(link.sync_token)
            )
            # 10 changes: move 5 by a day, cancel 3, create 2.
            moved = {ids[n]: base + timedelta(minutes=30 * n, days=1) for n in range(5)}
            for event_id, start in moved.items():
                post_json(f"{control}/events/{event_id}/move", {"start": start.isoformat()})
            cancelled = ids[5:8]
            for event_id in cancelled:
                post_json(f"{control}/events/{event_id}/cancel", {})
            created = [create(EVENTS + n, base + timedelta(hours=n)) for n in range(2)]
            bare_incr, _, _ = _timed(url, bare(bare_token))
            incr_wall, incr_calls, incr = _timed(url, nudge)
            after = _pending(services, user)
            due_keys = {e: getattr(after.get(posts.post_id(user, "primary", e)), "due_key", None)
                        for e in ids + created}  # fmt: skip
            incr_ok = (
                incr is not None
                and not incr.full
                and incr.items == 10
                and len(after) == EVENTS - len(cancelled) + len(created)
                and all(due_keys[e] is None for e in cancelled)
                and all(due_keys[e] is not None for e in created)
                and all(due_keys[e] == posts.start_key(s) for e, s in moved.items())
            )
    finally:
        oauth.stop()
    print(f"  full: {full}\n  incremental: {incr}")
    least_pages = math.ceil(EVENTS / PAGE_SIZE)  # the changes fit in one page too
    for name, wall, bare_wall, calls, least, ok in (
        ("calendar sync 1k full", full_wall, bare_full, full_calls, least_pages, full_ok),
        ("calendar sync 10 changes", incr_wall, bare_incr, incr_calls, 1, incr_ok),
    ):
        yield Record(
            name,
            round(wall, 3),
            "s",
            round(bare_wall, 3),
            round(wall / bare_wall, 2),
            "reported; ratio = Nudge's sync / a bare events.list paging loop (baseline, same "
            "client and emulator, 50 ms latency); met = the store is right afterwards",
            ok,
        )
        yield Record(
            f"{name} calls",
            float(calls),
            "calls",
            float(least),
            round(calls / least, 2),
            "Calendar API calls = the fewest pages possible (baseline; ratio = calls / pages)",
            ok and calls == least,
        )


# --- meeting reminder lateness ----------------------------------------------------------------


def _dms(url: str, prefix: str, count: int) -> list[tuple[str, str]]:
    """``count`` users, each in a DM with the app: ``(users/…, spaces/…)`` pairs."""
    pairs = []
    for n in range(count):
        user, space = f"users/{prefix}{n:019d}", f"spaces/DM{prefix}{n:05d}"
        post_json(
            url + "_emulator/spaces",
            {"name": space, "spaceType": "DIRECT_MESSAGE", "members": [user]},
        )
        pairs.append((user, space))
    return pairs


def _posted(url: str, spaces: list[str], due: datetime) -> tuple[list[float], list[int]]:
    """Seconds from ``due`` to each message's ``createTime``, and messages per space."""
    late, counts = [], []
    for space in spaces:
        messages = get_json(f"{url}_emulator/{space}/messages")["messages"]
        counts.append(len(messages))
        for message in messages:
            created = datetime.fromisoformat(message["createTime"].replace("Z", "+00:00"))
            late.append((created - due).total_seconds())
    return late, counts


def _seed_posts(database: Path, pairs: list[tuple[str, str]], due: datetime, kind: str) -> None:
    from shared.features.meetings import posts
    from shared.features.reminders import model
    from shared.schedules.schedule import Schedule
    from shared.store.calendars import CalendarLink, LinkState
    from shared.store.reminders import Reminder
    from shared.store.sqlite import SqliteBackend

    backend = SqliteBackend(database)
    for n, (user, _) in enumerate(pairs):
        if kind == posts.KIND:
            link = CalendarLink(user=user, state=LinkState.ACTIVE, zone=ZONE, generation=1)
            meeting = posts.Meeting(
                event_id=f"ev{n:05d}", title=f"Standup {n}", start=due + timedelta(minutes=10),
                end=due + timedelta(minutes=40), zone=ZONE, organizer="Ada",
                attendees=(("Ada", "accepted"), ("Grace", "needsAction")),
                calendar_link="https://calendar.google.com/event?eid=x", generation=1,
            )  # fmt: skip
            backend.reminders.add(posts.new_post(meeting, link, now=due))
            continue
        backend.reminders.add(
            Reminder(
                id=f"r{n:05d}", owner=user, text=f"bench reminder {n}", space="",
                origin_space="", schedule=Schedule.once_at(due, ZONE).to_storage(), zone=ZONE,
                next_fire=due.timestamp(), due_key=model.key_of(due),
                thread_key=f"nudge-reminder-r{n:05d}", created_at=due.timestamp() - 60,
            )
        )  # fmt: skip
    backend.close()


def _tick(url: str, database: Path, due: datetime) -> int:
    """One real tick, started at ``due`` (waits for it), on a fresh runtime; posts it made."""
    from shared.config import Settings
    from shared.wiring import Runtime

    settings = Settings.from_env(
        {"NUDGE_CHAT_API_ENDPOINT": url, "NUDGE_CHAT_API_TOKEN": "bench-app-token",
         "NUDGE_DATABASE": str(database), "NUDGE_VERIFY_REQUESTS": "false",
         "NUDGE_LOG_LEVEL": "WARNING"}
    )  # fmt: skip
    runtime = Runtime(settings)
    runtime.tick_jobs()  # features imported before the clock starts
    time.sleep(max(0.0, due.timestamp() - time.time()))
    reports = runtime.tick(due.isoformat())
    print(f"  tick: {reports[0]}")
    return sum(r.done for r in reports if r.job == "posts.deliver")


def _bare(url: str, spaces: list[str], due: datetime) -> None:
    """500 posts on 32 threads into known spaces, with the engine's client and pacing."""
    from shared.auth.app import app_credentials
    from shared.chatapi.client import ChatClient
    from shared.chatapi.pacing import Pacer
    from shared.config import Settings

    settings = Settings.from_env({"NUDGE_CHAT_API_TOKEN": "bench-app-token"})
    client = ChatClient(app_credentials(settings), endpoint=url, pacer=Pacer())

    def post(n: int) -> object:
        return client.create_message(spaces[n], {"text": f"bare {n}"}, message_id=f"client-b{n}")

    time.sleep(max(0.0, due.timestamp() - time.time()))
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(post, range(len(spaces))))


def meeting_reminder_lateness() -> Iterator[Record]:
    """500 meeting reminders due in one tick: p99 from due time to post (see the docstring)."""
    from shared.features.meetings import posts

    chat = emulator(latency_ms=LATENCY_MS, quotas=True)
    with tempfile.TemporaryDirectory() as tmp, chat as (url, _):
        bare_dms, typed_dms, meeting_dms = (_dms(url, p, POSTS) for p in ("1", "2", "3"))
        bare_due = datetime.now(UTC) + timedelta(seconds=1)
        _bare(url, [s for _, s in bare_dms], bare_due)
        bare_late, _ = _posted(url, [s for _, s in bare_dms], bare_due)
        results: dict[str, tuple[list[float], list[int]]] = {}
        done: dict[str, int] = {}
        for kind, pairs in (("reminder", typed_dms), (posts.KIND, meeting_dms)):
            database = Path(tmp, f"{kind}.db")
            due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
            _seed_posts(database, pairs, due, kind)
            done[kind] = _tick(url, database, due)
            results[kind] = _posted(url, [s for _, s in pairs], due)
    late, counts = results[posts.KIND]
    typed_late, typed_counts = results["reminder"]
    p99, bare_p99 = percentile(late, 99), percentile(bare_late, 99)
    once = counts == [1] * POSTS and done[posts.KIND] == POSTS
    print(
        f"  meeting: p50 {percentile(late, 50):.2f} s, p99 {p99:.2f} s, max {max(late):.2f} s; "
        f"typed reminders: p99 {percentile(typed_late, 99):.2f} s "
        f"(once each: {typed_counts == [1] * POSTS}); bare loop: p99 {bare_p99:.2f} s"
    )
    yield Record(
        "meeting reminder lateness",
        round(p99, 3),
        "s p99",
        round(bare_p99, 3),
        round(p99 / bare_p99, 2),
        "p99 <= 5 s after the tick starts, each posted exactly once (baseline: p99 of a bare "
        "ChatClient loop, 32 threads, 500 posts into known DMs; ratio = engine / bare)",
        p99 <= TARGET_P99_S and once,
    )


SCENARIOS = (calendar_sync_1k_events, meeting_reminder_lateness)
