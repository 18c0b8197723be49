"""The virtual clock the threaded tests rely on: time moves only when every thread sleeps."""

from __future__ import annotations

import pytest

from tests.chatapi.fakes import VirtualClock


def test_time_stands_still_while_a_thread_works_then_jumps_to_the_next_wake_up() -> None:
    clock = VirtualClock(start=1000.0)
    seen: list[tuple[str, float]] = []

    def sleeper() -> str:
        clock.sleep(2.0)
        seen.append(("sleeper", clock()))
        return "slept"

    def worker() -> str:
        # However long this takes in real time, the sleeper cannot wake meanwhile.
        assert all(clock() == 1000.0 for _ in range(10_000))
        clock.sleep(1.0)
        seen.append(("worker", clock()))
        return "worked"

    assert clock.run(sleeper, worker) == ["slept", "worked"]
    assert seen == [("worker", 1001.0), ("sleeper", 1002.0)]
    assert sorted(clock.sleeps) == [1.0, 2.0]


def test_threads_due_at_the_same_time_wake_together() -> None:
    clock = VirtualClock(start=0.0)
    woke: list[float] = []

    def nap() -> None:
        clock.sleep(0.5)
        woke.append(clock())

    clock.run(nap, nap, nap)
    assert woke == [0.5, 0.5, 0.5]


def test_outside_run_sleep_advances_at_once_and_errors_propagate() -> None:
    clock = VirtualClock(start=10.0)
    clock.sleep(3.0)
    assert clock() == 13.0

    def boom() -> None:
        raise ValueError("from a thread")

    with pytest.raises(ValueError, match="from a thread"):
        clock.run(boom)
