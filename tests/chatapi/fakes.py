"""Fake monotonic clocks: ``FakeClock`` for one thread, ``VirtualClock`` for several."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# Only a safety net against a deadlock in the code under test: a healthy run
# never comes near it, and no assertion depends on it.
HANG_GUARD_S = 120.0


class FakeClock:
    """A monotonic clock whose sleep advances time instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)


class VirtualClock:
    """Virtual monotonic time shared by the threads that ``run`` starts.

    Time moves only when every one of those threads is asleep in ``sleep`` or
    has finished; it then jumps to the earliest wake-up, and the threads due
    then carry on. While any of them is working (computing, or waiting for an
    HTTP reply) time stands still. So what the threads see depends only on
    the order of their wake-ups, never on how fast the machine runs them: a
    request sent at virtual time ``t`` arrives at ``t``.

    Outside ``run``, ``sleep`` simply advances time (like ``FakeClock``).
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._cond = threading.Condition()
        self._running = False
        self._members: set[int] = set()  # idents of the threads of the current run
        self._awake = 0  # threads of the run neither asleep nor finished
        self._sleepers: dict[object, float] = {}  # a token per sleeping thread -> wake time

    def __call__(self) -> float:
        with self._cond:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._cond:
            self.sleeps.append(seconds)
            if threading.get_ident() not in self._members:
                if self._running:
                    raise RuntimeError("only the threads of VirtualClock.run may sleep during it")
                self.now += max(0.0, seconds)
                return
            if seconds <= 0:
                return
            token = object()
            self._sleepers[token] = self.now + seconds
            self._awake -= 1
            self._advance()
            while token in self._sleepers:
                self._cond.wait()

    def run(self, *calls: Callable[[], Any], timeout: float = HANG_GUARD_S) -> list[Any]:
        """Run each call on its own thread in virtual time; their results, in order.

        The first exception raised by a call is raised here.
        """
        results: list[Any] = [None] * len(calls)
        errors: list[BaseException] = []

        def member(index: int, call: Callable[[], Any]) -> None:
            with self._cond:
                self._members.add(threading.get_ident())
            try:
                results[index] = call()
            except BaseException as exc:
                errors.append(exc)
            finally:
                with self._cond:
                    self._members.discard(threading.get_ident())
                    self._awake -= 1
                    self._advance()

        with self._cond:
            if self._running:
                raise RuntimeError("VirtualClock.run does not nest")
            self._running = True
            self._awake = len(calls)  # counted awake before they start: time waits for them
        threads = [
            threading.Thread(target=member, args=(i, call), daemon=True)
            for i, call in enumerate(calls)
        ]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout)
                if thread.is_alive():
                    raise AssertionError(f"deadlock: a thread was still running after {timeout} s")
        finally:
            with self._cond:
                self._running = False
        if errors:
            raise errors[0]
        return results

    def _advance(self) -> None:
        """With every thread asleep, jump to the earliest wake-up; called with the lock held."""
        if self._awake > 0 or not self._sleepers:
            return
        self.now = max(self.now, min(self._sleepers.values()))
        for token, wake in list(self._sleepers.items()):
            if wake <= self.now:
                del self._sleepers[token]
                self._awake += 1
        self._cond.notify_all()
