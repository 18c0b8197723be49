"""Workspace events: decode, dedupe and dispatch, in-process and end to end through Pub/Sub.

Both scenarios feed the same Pub/Sub messages (``message.v1.created`` events as
Workspace publishes them, each with its own ``ce-id``) and report events per
second beside a bare loop, measured in the same run, that only base64-decodes
and ``json.loads`` those messages: the least any consumer must do.

* ``events in-process``: ``WorkspaceDispatcher.handle`` (what ``workspace_events``
  calls) with the store on SQLite and a no-op handler for the type, on one core.
* ``events end-to-end``: published to the Pub/Sub emulator, pushed to
  ``workspace_events`` under functions-framework (gunicorn, as deployed), handled
  once each; the clock stops when the store has marked every event done.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.emulator_process import cpu_seconds, free_port
from bench.record import Record

ROOT = Path(__file__).resolve().parents[1]
CREATED = "google.workspace.chat.message.v1.created"
IN_PROCESS_EVENTS = 30_000
ROUNDS = 3
END_TO_END_EVENTS = 2_000
TARGET_PER_SECOND = 5_000


def messages(count: int, *, tag: str = "") -> list[dict[str, Any]]:
    """``count`` Pub/Sub messages, each a distinct Workspace ``message.v1.created`` event."""
    run = tag or uuid.uuid4().hex[:8]
    out = []
    for n in range(count):
        payload = {
            "message": {
                "name": f"spaces/AAAA/messages/{run}{n}.{run}{n}",
                "sender": {"name": f"users/{100 + n % 50}", "displayName": "Ada", "type": "HUMAN"},
                "createTime": "2026-11-30T10:00:00.123456Z",
                "lastUpdateTime": "2026-11-30T10:00:00.123456Z",
                "text": f"Status update number {n}: the deploy went out, all green.",
                "argumentText": f"Status update number {n}: the deploy went out, all green.",
                "thread": {"name": "spaces/AAAA/threads/T1"},
                "space": {"name": "spaces/AAAA"},
                "threadKey": "",
            }
        }
        out.append(
            {
                "attributes": {
                    "ce-specversion": "1.0",
                    "ce-type": CREATED,
                    "ce-id": f"spaces/AAAA/spaceEvents/{run}-{n}",
                    "ce-source": "//workspaceevents.googleapis.com/subscriptions/bench",
                    "ce-subject": "//chat.googleapis.com/spaces/AAAA",
                    "ce-time": "2026-11-30T10:00:00.5Z",
                    "ce-datacontenttype": "application/json",
                },
                "data": base64.b64encode(json.dumps(payload).encode()).decode(),
                "messageId": str(n),
                "publishTime": "2026-11-30T10:00:01Z",
            }
        )
    return out


def bare_loop(batch: list[dict[str, Any]], clock: Any = time.perf_counter) -> float:
    """Events/s of the least any consumer does: base64-decode and parse each message's data."""
    started = clock()
    for message in batch:
        json.loads(base64.b64decode(message["data"]))
    return len(batch) / (clock() - started)


def _bench_feature() -> Any:
    from shared.core.feature import Feature

    feature = Feature("bench")

    @feature.on(CREATED)
    def ignore(event: Any, services: Any) -> None:
        """The no-op handler: what is measured is everything around it."""

    return feature


def events_in_process() -> Iterator[Record]:
    """Decode, dedupe (SQLite) and dispatch, one thread, beside the bare decode loop.

    Three rounds of fresh events, each timed beside the bare loop over the same
    messages; the medians are reported. "On one core" is measured as CPU time
    (``time.process_time``: user + system, SQLite's WAL writes included) of the one
    thread doing the work, so other processes on a shared machine do not count
    against it; the wall-clock rate is printed beside it.
    """
    from shared.config import Settings
    from shared.core.workspace import WorkspaceDispatcher
    from shared.wiring import build_services

    subscription = "projects/bench/subscriptions/events"
    rates: list[float] = []
    walls: list[float] = []
    bares: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database=str(Path(tmp, "nudge.db")))
        dispatcher = WorkspaceDispatcher(build_services(settings), [_bench_feature()])
        for message in messages(1_000):  # migrations, the first transactions, caches
            dispatcher.handle({"message": message, "subscription": subscription})
        before = dispatcher.counts["handled"]
        for _ in range(ROUNDS):
            batch = messages(IN_PROCESS_EVENTS // ROUNDS)
            bares.append(bare_loop(batch, time.process_time))
            started, cpu = time.perf_counter(), time.process_time()
            for message in batch:
                dispatcher.handle({"message": message, "subscription": subscription})
            rates.append(len(batch) / (time.process_time() - cpu))
            walls.append(len(batch) / (time.perf_counter() - started))
        handled = dispatcher.counts["handled"] - before
        again = time.perf_counter()
        for message in batch[:2_000]:  # redelivered: each is found done and acknowledged
            dispatcher.handle({"message": message, "subscription": subscription})
        duplicate_rate = 2_000 / (time.perf_counter() - again)
    rate, bare = statistics.median(rates), statistics.median(bares)
    print(
        f"  in-process: {rate:,.0f} events per CPU-second ({1e6 / rate:.0f} µs each; rounds "
        f"{', '.join(f'{r:,.0f}' for r in rates)}); wall clock "
        f"{', '.join(f'{r:,.0f}' for r in walls)}/s; bare loop {bare:,.0f}/s; "
        f"redeliveries {duplicate_rate:,.0f}/s (wall); handled {handled:,}"
    )
    yield Record(
        "events in-process",
        round(rate, 1),
        "ev/s",
        round(bare, 1),
        round(bare / rate, 2),
        f">= {TARGET_PER_SECOND:,} events/s on one core (per CPU-second of the one thread), "
        "SQLite store, no-op handler (baseline: the bare base64 + json.loads loop, "
        "CPU time too; ratio = baseline / value)",
        rate >= TARGET_PER_SECOND and handled == IN_PROCESS_EVENTS,
    )


@contextlib.contextmanager
def pubsub_emulator() -> Iterator[str]:
    """``host:port`` of a fresh Pub/Sub emulator from the Cloud SDK (IPv4 loopback)."""
    if shutil.which("gcloud") is None:
        raise RuntimeError("gcloud is not installed: cannot start the Pub/Sub emulator")
    host_port = f"127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory() as data_dir:
        process = subprocess.Popen(
            ["gcloud", "beta", "emulators", "pubsub", "start", "--project=nudge-bench",
             f"--host-port={host_port}", f"--data-dir={data_dir}", "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"http://{host_port}/", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the Pub/Sub emulator did not start") from None
                    time.sleep(0.2)
            yield host_port
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def group_cpu(pgid: int) -> float:
    """User + system CPU seconds of every live process in group ``pgid`` (from /proc)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += cpu_seconds(int(stat.parent.name)) or 0.0
    return total


def _done(database: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT count(*) FROM handled_events WHERE state = 'done'")
            return int(row.fetchone()[0])
    except sqlite3.Error:
        return 0


def events_end_to_end() -> Iterator[Record]:
    """Published to the Pub/Sub emulator, pushed to workspace_events, handled once each."""
    from google.cloud import pubsub_v1

    batch = messages(END_TO_END_EVENTS)
    bare = max(bare_loop(batch) for _ in range(3))
    with tempfile.TemporaryDirectory() as tmp, pubsub_emulator() as host_port:
        database = Path(tmp, "nudge.db")
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NUDGE_")},
            "NUDGE_DATABASE": str(database),
            "NUDGE_VERIFY_REQUESTS": "false",
            "NUDGE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        function = subprocess.Popen(
            [sys.executable, "-m", "functions_framework", "--target", "workspace_events",
             "--signature-type", "cloudevent", "--source", str(ROOT / "bench" / "events_target.py"),
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        os.environ["PUBSUB_EMULATOR_HOST"] = host_port
        try:
            publisher = pubsub_v1.PublisherClient()
            subscriber = pubsub_v1.SubscriberClient()
            topic = publisher.create_topic(name="projects/nudge-bench/topics/nudge-events").name
            subscriber.create_subscription(
                request={
                    "name": "projects/nudge-bench/subscriptions/nudge-events-push",
                    "topic": topic,
                    "push_config": {
                        "push_endpoint": f"http://127.0.0.1:{port}/{topic}",
                    },
                    "ack_deadline_seconds": 60,
                }
            )
            _wait_for_function(port)
            for message in messages(50, tag="warm"):  # imports, migrations, the first posts
                publisher.publish(topic, base64.b64decode(message["data"]), **message["attributes"])
            _wait(lambda: _done(database) >= 50, 60)
            function_cpu = group_cpu(function.pid)
            started = time.perf_counter()
            futures = [
                publisher.publish(topic, base64.b64decode(m["data"]), **m["attributes"])
                for m in batch
            ]
            for future in futures:
                future.result(timeout=60)
            published = time.perf_counter() - started
            _wait(lambda: _done(database) >= 50 + END_TO_END_EVENTS, 300)
            elapsed = time.perf_counter() - started
            function_cpu = group_cpu(function.pid) - function_cpu
            time.sleep(1.0)  # anything still arriving would be a redelivery
            handled = _done(database) - 50
        finally:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)
            os.killpg(function.pid, signal.SIGTERM)
            function.wait(timeout=15)
    rate = END_TO_END_EVENTS / elapsed
    print(
        f"  end-to-end: {rate:,.0f} events/s ({END_TO_END_EVENTS:,} in {elapsed:.1f} s; "
        f"publishing took {published:.1f} s; workspace_events used {function_cpu:.1f} CPU-s, "
        f"{function_cpu * 1e3 / END_TO_END_EVENTS:.1f} ms per event), bare loop {bare:,.0f}/s"
    )
    yield Record(
        "events end-to-end",
        round(rate, 1),
        "ev/s",
        round(bare, 1),
        round(bare / rate, 1),
        "reported: Pub/Sub emulator push -> functions-framework -> workspace_events, SQLite "
        "store, each handled once (baseline: the bare base64 + json.loads loop; "
        "ratio = baseline / value)",
        handled == END_TO_END_EVENTS,
    )


def _wait(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the events were not all handled in time")
        time.sleep(0.05)


def _wait_for_function(port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("workspace_events did not start") from None
            time.sleep(0.2)


SCENARIOS = (events_in_process, events_end_to_end)
