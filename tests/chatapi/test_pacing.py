"""Pacer with a fake clock: per-space spacing, spaces independent, project budget."""

from __future__ import annotations

import functools
import itertools
import threading

import pytest

from shared.chatapi.pacing import Pacer, PacingTimeout
from tests.chatapi.fakes import FakeClock, VirtualClock


def test_same_space_writes_are_spaced_by_the_interval() -> None:
    clock = FakeClock()
    pacer = Pacer(interval=1.0, slack=0.0, clock=clock, sleep=clock.sleep)
    times = [pacer.reserve("spaces/A") for _ in range(4)]
    assert [t - times[0] for t in times] == [0.0, 1.0, 2.0, 3.0]
    assert times[0] == 1000.0  # the first write goes at once


def test_different_spaces_do_not_wait_for_each_other() -> None:
    clock = FakeClock()
    pacer = Pacer(interval=1.0, slack=0.0, clock=clock, sleep=clock.sleep)
    pacer.reserve("spaces/A")
    pacer.reserve("spaces/A")
    assert pacer.reserve("spaces/B") == clock()
    assert pacer.reserve("spaces/C") == clock()


def test_slack_is_added_to_the_interval() -> None:
    clock = FakeClock()
    pacer = Pacer(interval=1.0, slack=0.05, clock=clock, sleep=clock.sleep)
    a, b = pacer.reserve("spaces/A"), pacer.reserve("spaces/A")
    assert b - a == pytest.approx(1.05)


def test_acquire_sleeps_until_the_slot_and_idle_spaces_go_at_once() -> None:
    clock = FakeClock()
    pacer = Pacer(interval=1.0, slack=0.0, clock=clock, sleep=clock.sleep)
    assert pacer.acquire("spaces/A") == 0.0
    assert pacer.acquire("spaces/A") == pytest.approx(1.0)
    clock.sleep(5.0)
    assert pacer.acquire("spaces/A") == 0.0


def test_project_budget_sliding_window() -> None:
    clock = FakeClock()
    pacer = Pacer(
        interval=1.0, slack=0.0, project_limit=3, window=10.0, clock=clock, sleep=clock.sleep
    )
    start = clock()
    assert [pacer.reserve(f"spaces/S{i}") for i in range(3)] == [start] * 3
    # The fourth write in the window waits until the oldest one leaves it.
    assert pacer.reserve("spaces/S3") == start + 10.0
    clock.sleep(10.0)
    assert pacer.reserve("spaces/S4") == start + 10.0
    assert pacer.reserve("spaces/S5") == start + 10.0
    assert pacer.reserve("spaces/S6") == start + 20.0


def test_project_budget_never_exceeded_in_any_window() -> None:
    clock = FakeClock()
    limit, window = 5, 3.0
    pacer = Pacer(
        interval=1.0, slack=0.0, project_limit=limit, window=window, clock=clock, sleep=clock.sleep
    )
    times = []
    for i in range(60):
        times.append(pacer.reserve(f"spaces/S{i % 4}"))
        clock.sleep(0.1)
    times.sort()
    for t in times:
        in_window = [x for x in times if t - window + 1e-9 < x <= t]
        assert len(in_window) <= limit


def test_max_wait_raises_without_reserving() -> None:
    clock = FakeClock()
    pacer = Pacer(interval=1.0, slack=0.0, clock=clock, sleep=clock.sleep)
    pacer.reserve("spaces/A")
    pacer.reserve("spaces/A")
    with pytest.raises(PacingTimeout):
        pacer.reserve("spaces/A", max_wait=0.5)
    assert pacer.reserve("spaces/A") == clock() + 2.0  # the failed call took no slot


def test_threads_in_one_space_queue_and_other_spaces_run_concurrently() -> None:
    # Real threads on a virtual clock: time moves only when every writer is asleep,
    # so the times they see do not depend on how fast the machine schedules them.
    clock = VirtualClock()
    pacer = Pacer(interval=0.1, slack=0.0, clock=clock, sleep=clock.sleep)
    sent: dict[str, list[float]] = {"spaces/A": [], "spaces/B": []}
    lock = threading.Lock()

    def write(space: str) -> None:
        pacer.acquire(space)
        with lock:
            sent[space].append(clock())

    started = clock()
    clock.run(*(functools.partial(write, space) for space in ["spaces/A"] * 4 + ["spaces/B"]))
    a = sorted(sent["spaces/A"])
    assert len(a) == 4
    assert all(b - x >= 0.09 for x, b in itertools.pairwise(a))
    assert sent["spaces/B"][0] - started < 0.08  # B did not queue behind A
