"""The tick delivers reminders exactly once: through ``reminders_tick``'s real signature,
against the local Chat API emulator, under overlap, crashes and injected faults."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cloudevents.http.event import CloudEvent

from devkit.emulator import ChatEmulator
from functions.reminders import reminders_tick
from shared.chatapi.pacing import Pacer
from shared.config import Settings
from shared.core.posting import JOB_NAME as POSTING_JOB
from shared.features.reminders import model
from shared.schedules import rules
from shared.schedules.schedule import Schedule
from shared.store.reminders import Reminder, ReminderState
from shared.wiring import Runtime, build_services, reset_runtime, use_runtime

ROOT = Path(__file__).resolve().parents[3]
OWNER = "users/100000000000000000001"  # has the seeded DM spaces/DM1 with the app
ZONE = "Europe/Berlin"


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: ChatEmulator) -> ChatEmulator:
    emulator.reset()
    emulator.set_faults()
    emulator.set_quotas(False)
    return emulator


def env_for(emu: ChatEmulator, database: Path) -> dict[str, str]:
    return {
        "NUDGE_CHAT_API_ENDPOINT": emu.url,
        "NUDGE_CHAT_API_TOKEN": "any-app-token",
        "NUDGE_DATABASE": str(database),
        "NUDGE_VERIFY_REQUESTS": "false",
        "NUDGE_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def runtime(emu: ChatEmulator, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings.from_env(env_for(emu, tmp_path / "nudge.db"))
    # Quotas are the benchmarks' business: here every space may write at once.
    services = build_services(settings, pacer=Pacer(interval=0, slack=0))
    current = Runtime(settings, services=services)
    use_runtime(current)
    yield current
    reset_runtime()


def tick_event(at: datetime) -> CloudEvent:
    """What Cloud Scheduler's Pub/Sub message looks like by the time it reaches the door."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = {"data": base64.b64encode(b"{}").decode(), "messageId": "1", "publishTime": stamp}
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/p/topics/nudge-tick",
            "id": f"tick-{stamp}",
            "time": stamp,
        },
        {"message": message},
    )


def once(n: int, *, space: str, due: datetime, **overrides: Any) -> Reminder:
    schedule = Schedule.once_at(due, ZONE)
    values: dict[str, Any] = {
        "id": f"r{n:05d}",
        "owner": OWNER,
        "text": f"reminder number {n}",
        "space": space,
        "origin_space": space or "spaces/AAAA",
        "schedule": schedule.to_storage(),
        "zone": ZONE,
        "next_fire": due.timestamp(),
        "due_key": model.key_of(due),
        "thread_key": f"nudge-reminder-r{n:05d}",
        "created_at": due.timestamp() - 3600,
    }
    values.update(overrides)
    return Reminder(**values)


def daily(n: int, *, space: str, first: datetime) -> Reminder:
    """A daily reminder whose first occurrence was ``first`` (on the minute)."""
    local = first.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None, second=0, microsecond=0)
    parts = rules.normalize({"FREQ": "DAILY"}, local.date(), local.time())
    schedule = Schedule(ZONE, local, rules.format_rule(parts))
    due = schedule.next_after(first - timedelta(minutes=1))
    assert due is not None
    return replace(
        once(n, space=space, due=due),
        schedule=schedule.to_storage(),
        next_fire=due.timestamp(),
        due_key=model.key_of(due),
    )


def posted(emu: ChatEmulator, space: str) -> list[dict[str, Any]]:
    return [m for m in emu.messages(space) if not m["deleted"]]


def ids_posted(emu: ChatEmulator, spaces: list[str]) -> Counter[str]:
    """How many messages each client-assigned message ID got: one per delivery."""
    return Counter(
        str(message.get("clientAssignedMessageId", ""))
        for s in spaces
        for message in posted(emu, s)
    )


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --- the basics --------------------------------------------------------------------------


def test_a_due_reminder_is_posted_once_in_its_thread_and_moves_on(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    store = runtime.services.reminders()
    due = now() - timedelta(seconds=30)
    store.add(once(1, space="spaces/AAAA", due=due))
    store.add(once(2, space="spaces/AAAA", due=now() + timedelta(hours=1)))  # not due yet
    reminders_tick(tick_event(now()))
    messages = posted(emu, "spaces/AAAA")
    assert len(messages) == 1
    assert "reminder number 1" in messages[0]["text"]
    assert messages[0]["thread"]["threadKey"] == "nudge-reminder-r00001"
    assert messages[0]["cardsV2"][0]["cardId"] == "reminder-r00001"
    stored = store.get("r00001")
    assert stored is not None
    assert stored.state is ReminderState.DONE
    assert (stored.lease_owner, stored.last_message) == ("", messages[0]["name"])
    reminders_tick(tick_event(now() + timedelta(seconds=61)))  # nothing new is due
    assert len(posted(emu, "spaces/AAAA")) == 1


def test_a_me_reminder_set_in_a_space_goes_to_the_owners_dm(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    runtime.services.reminders().add(once(1, space="", due=now() - timedelta(seconds=5)))
    reminders_tick(tick_event(now()))
    assert posted(emu, "spaces/AAAA") == []
    assert len(posted(emu, "spaces/DM1")) == 1


def test_a_refusing_space_disables_the_reminder_and_tells_the_owner(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    store = runtime.services.reminders()
    store.add(once(1, space="spaces/GONE", due=now() - timedelta(seconds=5)))
    reminders_tick(tick_event(now()))
    stored = store.get("r00001")
    assert stored is not None
    assert stored.state is ReminderState.DISABLED
    assert "NOT_FOUND" in stored.note
    (notice,) = posted(emu, "spaces/DM1")
    assert "switched it off" in notice["text"]
    reminders_tick(tick_event(now() + timedelta(minutes=5)))  # disabled: never again
    assert len(posted(emu, "spaces/DM1")) == 1


def test_catch_up_delivers_the_newest_missed_occurrences_marked_late(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    store = runtime.services.reminders()
    first = now() - timedelta(days=5, minutes=1)
    store.add(daily(1, space="spaces/AAAA", first=first))
    for minute in range(6):
        reminders_tick(tick_event(now() + timedelta(minutes=4 * minute)))
    messages = posted(emu, "spaces/AAAA")
    assert len(messages) == model.CATCH_UP_MAX
    assert "skipped while Nudge was down" in messages[0]["text"]
    assert all("Late" in m["text"] for m in messages)
    stored = store.get("r00001")
    assert stored is not None
    assert stored.next_fire is not None
    assert stored.next_fire > now().timestamp()


# --- exactly once under overlap, crashes and faults ----------------------------------------


def seed(runtime: Runtime, emu: ChatEmulator, count: int, spaces: int) -> list[str]:
    names = [f"spaces/R{i}" for i in range(spaces)]
    for name in names:
        emu.add_space(name)
    store = runtime.services.reminders()
    due = now() - timedelta(seconds=10)
    for n in range(count):
        store.add(once(n, space=names[n % spaces], due=due - timedelta(seconds=n)))
    return names


def assert_each_posted_once(
    runtime: Runtime, emu: ChatEmulator, spaces: list[str], count: int
) -> None:
    per_id = ids_posted(emu, spaces)
    assert sum(per_id.values()) == count, per_id
    assert set(per_id.values()) == {1}
    store = runtime.services.reminders()
    for n in range(count):
        stored = store.get(f"r{n:05d}")
        assert stored is not None
        assert stored.state is ReminderState.DONE, stored


def test_two_ticks_at_once_post_every_reminder_exactly_once(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    spaces = seed(runtime, emu, count=40, spaces=8)
    emu.set_faults(latency_ms=20)  # long enough for the ticks to overlap
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            reminders_tick(tick_event(now()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert_each_posted_once(runtime, emu, spaces, 40)


def test_under_30_percent_5xx_and_429_every_reminder_is_posted_exactly_once(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    spaces = seed(runtime, emu, count=40, spaces=8)
    emu.set_faults(error_rate=0.3, statuses=[500, 503, 429], fault_after_commit_rate=0.1, seed=7)
    at = now()
    for _ in range(30):
        reminders_tick(tick_event(at))
        if runtime.services.reminders().count_due(at.timestamp()) == 0 and all(
            (r := runtime.services.reminders().get(f"r{n:05d}")) is not None
            and r.state is ReminderState.DONE
            for n in range(40)
        ):
            break
        at += timedelta(seconds=200)  # past any lease a failed run left behind
    emu.set_faults()
    assert_each_posted_once(runtime, emu, spaces, 40)


def test_a_tick_killed_after_posting_is_finished_by_the_next_without_a_duplicate(
    runtime: Runtime, emu: ChatEmulator, tmp_path: Path
) -> None:
    spaces = seed(runtime, emu, count=6, spaces=3)
    # Every post commits, then its answer hangs: the tick sits between posting and recording.
    emu.set_faults(fault_after_commit_rate=1.0, after_commit_timeout=True, timeout_s=60)
    probe = (
        "import sys; from functions.reminders import reminders_tick; "
        "from tests.features.reminders.test_delivery import tick_event, now; "
        "reminders_tick(tick_event(now()))"
    )
    env = dict(os.environ, **env_for(emu, tmp_path / "nudge.db"), PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while sum(len(posted(emu, s)) for s in spaces) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum(len(posted(emu, s)) for s in spaces) >= 3, "the tick never posted"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    before = sum(len(posted(emu, s)) for s in spaces)
    emu.set_faults()
    store = runtime.services.reminders()
    assert all(store.get(f"r{n:05d}").state is ReminderState.ACTIVE for n in range(6))  # type: ignore[union-attr]
    # The dead tick's leases run out; the next tick re-posts under the same IDs.
    reminders_tick(tick_event(now() + timedelta(minutes=4)))
    assert sum(len(posted(emu, s)) for s in spaces) == 6
    assert before <= 6
    assert_each_posted_once(runtime, emu, spaces, 6)


def test_whatever_the_deadline_leaves_is_released_for_the_next_tick(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    from shared.core.ticks import Tick

    spaces = seed(runtime, emu, count=10, spaces=2)
    clock_now = [0.0]
    tick = Tick(now(), deadline=1.0, clock=lambda: clock_now[0])
    clock_now[0] = 5.0  # the deadline has passed before any post could start
    job = dict(runtime.tick_jobs())[POSTING_JOB]
    report = job(tick, runtime.services)
    assert report.done == 0
    assert sum(len(posted(emu, s)) for s in spaces) == 0
    assert runtime.services.reminders().count_due(now().timestamp()) == 10
    reminders_tick(tick_event(now()))
    assert_each_posted_once(runtime, emu, spaces, 10)
