"""Reminders tick scenarios: under quotas, a backlog over several ticks, CPU per post, claims.

Every scenario drives the real tick (``Runtime.tick``, what ``reminders_tick`` calls)
against the Chat API emulator running in its own process, each beside a baseline
measured in the same run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.emulator_process import add_spaces, emulator, firestore_emulator, posted_ids
from bench.record import Record, median

ROOT = Path(__file__).resolve().parents[1]
LATENCY_MS = 50
ZONE = "Europe/Berlin"


def _settings_env(url: str, database: Path) -> dict[str, str]:
    return {
        "NUDGE_CHAT_API_ENDPOINT": url,
        "NUDGE_CHAT_API_TOKEN": "bench-app-token",
        "NUDGE_DATABASE": str(database),
        "NUDGE_VERIFY_REQUESTS": "false",
        "NUDGE_LOG_LEVEL": "WARNING",
    }


def seed(database: Path, count: int, spaces: list[str], *, due: datetime) -> None:
    """``count`` one-off reminders due at ``due`` minus their index in seconds (oldest last)."""
    from shared.features.reminders import model
    from shared.schedules.schedule import Schedule
    from shared.store.reminders import Reminder
    from shared.store.sqlite import SqliteBackend

    backend = SqliteBackend(database)
    for n in range(count):
        at = due - timedelta(seconds=n)
        backend.reminders.add(
            Reminder(
                id=f"b{n:07d}",
                owner="users/100000000000000000001",
                text=f"bench reminder {n}",
                space=spaces[n % len(spaces)],
                origin_space=spaces[n % len(spaces)],
                schedule=Schedule.once_at(at, ZONE).to_storage(),
                zone=ZONE,
                next_fire=at.timestamp(),
                due_key=model.key_of(at),
                thread_key=f"nudge-reminder-b{n:07d}",
                created_at=at.timestamp() - 60,
            )
        )
    backend.close()


def _runtime(url: str, database: Path, *, pacing: bool = True) -> Any:
    from shared.chatapi.pacing import Pacer
    from shared.config import Settings
    from shared.wiring import Runtime, build_services

    settings = Settings.from_env(_settings_env(url, database))
    pacer = None if pacing else Pacer(interval=0, slack=0, project_limit=10**9)
    return Runtime(settings, services=build_services(settings, pacer=pacer))


def _counts(ids: list[str]) -> tuple[int, int]:
    """(distinct posts, duplicates) among posted client message IDs."""
    return len(set(ids)), len(ids) - len(set(ids))


def tick_under_quotas() -> Iterator[Record]:
    """2,500 due across 250 spaces, Google's quotas on: wall time beside the quota minimum."""
    spaces = [f"spaces/Q{i:03d}" for i in range(250)]
    count = 2500
    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator(latency_ms=LATENCY_MS, quotas=True) as (
            url,
            _,
        ),
    ):
        database = Path(tmp, "nudge.db")
        add_spaces(url, spaces)
        seed(database, count, spaces, due=datetime.now(UTC) - timedelta(seconds=5))
        runtime = _runtime(url, database)
        started = time.monotonic()
        reports = runtime.tick()
        wall = time.monotonic() - started
        distinct, duplicates = _counts(posted_ids(url, spaces))
    minimum = count / len(spaces) / 1.0  # writes per space at 1 write/s
    ratio = wall / minimum
    misses = count - distinct
    print(f"  tick report: {reports}")
    yield Record(
        "tick under quotas",
        round(wall, 2),
        "s",
        minimum,
        round(ratio, 3),
        "wall / quota minimum <= 1.2, zero duplicates and zero misses (baseline: the minimum)",
        ratio <= 1.2 and duplicates == 0 and misses == 0,
    )


def tick_backlog() -> Iterator[Record]:
    """10,000 due at once: drained over successive one-minute ticks, oldest first."""
    spaces = [f"spaces/B{i:04d}" for i in range(2000)]
    count = 10_000
    per_tick: list[int] = []
    tick_walls: list[float] = []
    oldest_first = True
    from shared.store.reminders import ReminderState

    with (
        tempfile.TemporaryDirectory() as tmp,
        emulator(latency_ms=LATENCY_MS, quotas=True) as (
            url,
            _,
        ),
    ):
        database = Path(tmp, "nudge.db")
        add_spaces(url, spaces)
        base = datetime.now(UTC) - timedelta(seconds=5)
        seed(database, count, spaces, due=base)
        runtime = _runtime(url, database)
        store = runtime.services.reminders()
        done: set[str] = set()
        started = time.monotonic()
        for k in range(12):
            tick_started = time.monotonic()
            runtime.tick()
            tick_walls.append(time.monotonic() - tick_started)
            now_done = {
                r.id
                for offset in range(0, count, 1000)
                for r in store.listing(offset=offset, limit=1000).items
                if r.state is ReminderState.DONE
            }
            fresh = now_done - done
            per_tick.append(len(fresh))
            left = [n for n in range(count) if f"b{n:07d}" not in now_done]
            if fresh and left:
                newest_posted = min(int(i[1:]) for i in fresh)  # higher n = older
                oldest_left = max(left)
                oldest_first = oldest_first and oldest_left <= newest_posted
            done = now_done
            if len(done) == count:
                break
            # The scheduler's next tick comes a minute after this one started.
            time.sleep(max(0.0, started + 60 * (k + 1) - time.monotonic()))
        distinct, duplicates = _counts(posted_ids(url, spaces))
    print(f"  posted per tick: {per_tick}; tick walls: {[round(w, 1) for w in tick_walls]}")
    within = all(w <= 50 for w in tick_walls)
    minimum_ticks = -(-count // 3000)
    yield Record(
        "tick backlog",
        float(len(per_tick)),
        "ticks",
        float(minimum_ticks),
        round(minimum_ticks / len(per_tick), 3),
        "drains over successive ticks (baseline: the quota's minimum number of ticks), "
        "oldest first, each within its 50 s deadline, nothing twice",
        distinct == count and duplicates == 0 and within and oldest_first,
    )


_CPU_PROBE = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from bench.reminders_bench import _runtime
runtime = _runtime({url!r}, Path({database!r}), pacing=False)
store = runtime.services.reminders()
before = resource.getrusage(resource.RUSAGE_SELF)
started = time.monotonic()
posted = 0
while True:
    reports = runtime.tick()
    done = sum(r.done for r in reports)
    posted += done
    if not done:
        break
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({{"cpu": cpu, "posted": posted, "wall": time.monotonic() - started,
                  "rss_mb": after.ru_maxrss / 1024}}))
"""

_BARE_PROBE = """
import json, resource, time
from concurrent.futures import ThreadPoolExecutor
import requests
url, spaces, count = {url!r}, {spaces!r}, {count}
session_per_thread = {{}}
def post(n):
    import threading
    s = session_per_thread.setdefault(threading.get_ident(), requests.Session())
    r = s.post(url + "v1/" + spaces[n % len(spaces)] + "/messages",
               json={{"text": "bare %d" % n}},
               headers={{"Authorization": "Bearer bench-app-token"}}, timeout=30)
    r.raise_for_status()
before = resource.getrusage(resource.RUSAGE_SELF)
with ThreadPoolExecutor(max_workers=32) as pool:
    list(pool.map(post, range(count)))
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(json.dumps({{"cpu": cpu}}))
"""


def _python(code: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def tick_cpu_per_post() -> Iterator[Record]:
    """10,000 due across 2,000 spaces, quotas off: CPU per 1,000 posts beside requests.post."""
    spaces = [f"spaces/C{i:04d}" for i in range(2000)]
    count = 10_000
    with tempfile.TemporaryDirectory() as tmp, emulator(latency_ms=LATENCY_MS) as (url, _):
        database = Path(tmp, "nudge.db")
        add_spaces(url, spaces)
        seed(database, count, spaces, due=datetime.now(UTC) - timedelta(seconds=5))
        tick = _python(_CPU_PROBE.format(root=str(ROOT), url=url, database=str(database)))
        bare = _python(_BARE_PROBE.format(url=url, spaces=spaces[:200], count=count))
        distinct, duplicates = _counts(posted_ids(url, spaces))
    print(f"  ticking process: {tick}; distinct posts {distinct}, duplicates {duplicates}")
    per_1000 = tick["cpu"] / count * 1000
    bare_per_1000 = bare["cpu"] / count * 1000
    ratio = per_1000 / bare_per_1000
    yield Record(
        "tick cpu per post",
        round(per_1000, 3),
        "cpu s / 1000 posts",
        round(bare_per_1000, 3),
        round(ratio, 2),
        "ratio to a bare requests.post loop (baseline) <= 2, every reminder posted once",
        ratio <= 2 and distinct == count and duplicates == 0,
    )
    yield Record(
        "tick peak rss",
        round(tick["rss_mb"], 1),
        "MB",
        None,
        None,
        "peak RSS of the ticking process <= 256 MB",
        tick["rss_mb"] <= 256,
    )


def claim_100_of_1m_sqlite() -> Iterator[Record]:
    """Find and claim 100 due among 1,000,000 stored: an indexed query, not a scan."""
    from shared.store.reminders import Reminder
    from shared.store.sqlite import SqliteBackend
    from shared.store.sqlite.reminders import _INSERT, _row

    total, due_count = 1_000_000, 100
    now = datetime.now(UTC).timestamp()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp, "nudge.db")
        backend = SqliteBackend(database)
        backend.reminders.count_due(now)  # creates the schema
        backend.close()
        template = Reminder(id="", owner="users/1", text="t", space="spaces/S", origin_space="")

        def rows() -> Iterator[tuple[Any, ...]]:
            for n in range(total):
                fire = now - n if n < due_count else now + 3600 + n
                yield _row(
                    template.__class__(
                        **{**_fields(template), "id": f"c{n:07d}", "next_fire": float(fire)}
                    )
                )

        with sqlite3.connect(database) as conn:
            conn.executemany(_INSERT, rows())
        backend = SqliteBackend(database)
        store = backend.reminders
        timings = []
        for run in range(5):
            started = time.perf_counter()
            claimed = store.claim_due(now, limit=100, lease_seconds=60, worker=f"bench-{run}")
            timings.append((time.perf_counter() - started) * 1000)
            assert len(claimed) == due_count, len(claimed)
            with backend.db.connection() as conn:  # give them back for the next run
                conn.execute(
                    "UPDATE reminders SET next_fire = lease_fire, lease_owner = '', "
                    "lease_fire = NULL WHERE lease_owner != ''"
                )
        scan_started = time.perf_counter()
        with backend.db.connection() as conn:
            conn.execute("SELECT COUNT(*) FROM reminders WHERE text = 'nothing'").fetchone()
        scan_ms = (time.perf_counter() - scan_started) * 1000
        backend.close()
    value = median(timings)
    yield Record(
        "claim 100 of 1M sqlite",
        round(value, 2),
        "ms",
        round(scan_ms, 2),
        round(scan_ms / value, 1),
        "<= 100 ms (baseline: one full scan of the table)",
        value <= 100,
    )


def claim_100_of_100k_firestore() -> Iterator[Record]:
    """The same claim among 100,000 on the Firestore emulator (reported: the emulator is slow)."""
    from google.cloud import firestore

    from shared.store.firestore import FirestoreBackend
    from shared.store.firestore.database import doc_id
    from shared.store.firestore.reminders import _document
    from shared.store.reminders import Reminder

    total, due_count = 100_000, 100
    now = datetime.now(UTC).timestamp()
    template = Reminder(id="", owner="users/1", text="t", space="spaces/S", origin_space="")
    with firestore_emulator() as host_port:
        os.environ["FIRESTORE_EMULATOR_HOST"] = host_port
        try:
            client = firestore.Client(project="nudge-bench")
            backend = FirestoreBackend(client=client, prefix="bench_")
            backend.reminders.count_due(now)  # writes the schema document
            collection = client.collection("bench_reminders")
            load_started = time.monotonic()
            batch = client.batch()
            for n in range(total):
                fire = now - n if n < due_count else now + 3600 + n
                reminder = Reminder(**{**_fields(template), "id": f"f{n:06d}", "next_fire": fire})
                batch.set(collection.document(doc_id(reminder.id)), _document(reminder))
                if (n + 1) % 500 == 0:
                    batch.commit()
                    batch = client.batch()
            load_seconds = time.monotonic() - load_started
            timings = []
            for run in range(3):
                started = time.perf_counter()
                claimed = backend.reminders.claim_due(
                    now, limit=100, lease_seconds=60, worker=f"bench-{run}"
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert len(claimed) == due_count, len(claimed)
                for item in claimed:  # give them back for the next run
                    backend.reminders.save(
                        replace(item, next_fire=item.lease_fire, lease_owner="", lease_fire=None)
                    )
            get_started = time.perf_counter()
            backend.reminders.get("f050000")
            get_ms = (time.perf_counter() - get_started) * 1000
            backend.close()
        finally:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
    value = median(timings)
    print(f"  loaded {total} documents in {load_seconds:.0f} s")
    yield Record(
        "claim 100 of 100k firestore",
        round(value, 1),
        "ms",
        round(get_ms, 1),
        round(value / get_ms, 1),
        "reported (baseline: one document read on the same emulator; ratio = claim / read)",
        True,
    )


def _fields(reminder: Any) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(reminder, f.name) for f in fields(reminder)}


SCENARIOS = (
    tick_under_quotas,
    tick_cpu_per_post,
    claim_100_of_1m_sqlite,
    claim_100_of_100k_firestore,
    tick_backlog,
)
