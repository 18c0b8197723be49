"""Client-side pacing of message writes, so quotas are rarely hit at all.

Chat allows one write per second per space (shared by every app in it) and
3,000 message writes per minute per project (REFERENCE 3.6). ``Pacer`` keeps
a next-allowed timestamp per space and a sliding window of project writes.
Each caller *reserves* a send time under a short lock, then sleeps outside
it: callers in one space queue one second apart, callers in different spaces
never wait for each other (until the project budget runs out).
"""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from shared.google.errors import ApiError, RateLimited
from shared.google.retry import Retryable, RetryPolicy, call_with_retry

T = TypeVar("T")


class PacingTimeout(Exception):
    """The next free slot is later than the caller's deadline; nothing was reserved."""

    def __init__(self, space: str, wait: float) -> None:
        self.space = space
        self.wait = wait
        super().__init__(f"pacing {space}: next write slot is {wait:.2f}s away, more than allowed")


class Pacer:
    """Spaces writes per space and caps them per project; thread-safe.

    ``interval`` is the per-space spacing, plus ``slack`` for the jitter between
    sending and the server admitting a request, so writes also *arrive* a
    second apart. Measured with ``python -m bench quotas`` (100 spaces in step,
    50 ms latency, 2 cores): send-to-admission varies by up to ~100 ms when
    every space sends at once; slack 0.05 let ~30 of 1,000 writes arrive early
    (each 429 then costs its space a further second, so the run was slower),
    0.1 none. The emulator is strict on purpose (see its ``quotas`` module), so
    the margin belongs here.
    ``project_limit`` writes are allowed in any ``window`` seconds.
    """

    def __init__(
        self,
        *,
        interval: float = 1.0,
        slack: float = 0.1,
        project_limit: int = 3000,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval < 0 or slack < 0 or project_limit < 1 or window <= 0:
            raise ValueError("interval/slack >= 0, project_limit >= 1 and window > 0 required")
        self.interval = interval + slack
        self.project_limit = project_limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        # Sorted reserved send times; only the newest ``project_limit`` matter.
        self._sent: list[float] = []

    def reserve(self, space: str, *, max_wait: float | None = None) -> float:
        """Reserve the earliest allowed send time for a write to ``space``; returns it.

        Raises ``PacingTimeout`` (reserving nothing) if that is more than
        ``max_wait`` seconds away.
        """
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(space, now))
            if len(self._sent) >= self.project_limit:
                # Every window holding ``at`` then has at most project_limit writes:
                # only writes after _sent[-limit] can share it, and there are limit-1.
                at = max(at, self._sent[-self.project_limit] + self.window)
            if max_wait is not None and at - now > max_wait:
                raise PacingTimeout(space, at - now)
            self._next[space] = at + self.interval
            bisect.insort(self._sent, at)
            if len(self._sent) > self.project_limit:
                del self._sent[: len(self._sent) - self.project_limit]
            self._forget_idle_spaces(now)
            return at

    def acquire(self, space: str, *, max_wait: float | None = None) -> float:
        """Wait for this caller's slot in ``space``; returns the seconds waited."""
        at = self.reserve(space, max_wait=max_wait)
        wait = at - self._clock()
        if wait > 0:
            self._sleep(wait)
        return max(0.0, wait)

    def penalize(self, space: str, seconds: float | None = None) -> None:
        """After a 429 in ``space``: its next write waits ``seconds`` (default: interval)."""
        with self._lock:
            now = self._clock()
            wait = self.interval if seconds is None else max(seconds, 0.0)
            self._next[space] = max(self._next.get(space, now), now + wait)

    def _forget_idle_spaces(self, now: float) -> None:
        # Bounded memory: drop spaces whose next slot is already in the past.
        if len(self._next) > 10_000:
            self._next = {s: t for s, t in self._next.items() if t > now}


def paced_call(
    attempt: Callable[[int], T],
    *,
    pacer: Pacer | None,
    space: str | None,
    method: str,
    target: str | None = None,
    policy: RetryPolicy,
    retryable: Retryable | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """A message write with retries: each attempt first waits for ``space``'s write slot.

    A slot further away than the policy's deadline fails at once with
    ``RateLimited`` (reason ``CLIENT_PACING``, never retried); a 429 from the
    server pushes the space's next slot back by its ``Retry-After``.
    ``retryable`` narrows which errors are retried (default: ``error.retryable``).
    """
    started = clock()

    def paced(n: int) -> T:
        if pacer is not None and space is not None:
            left = policy.deadline - (clock() - started)
            try:
                pacer.acquire(space, max_wait=max(0.0, left))
            except PacingTimeout as exc:
                raise RateLimited(
                    str(exc), reason="CLIENT_PACING", method=method, space=space, target=target
                ) from None
        try:
            return attempt(n)
        except RateLimited as exc:
            if pacer is not None and space is not None:
                pacer.penalize(space, exc.retry_after)
            raise

    def should_retry(error: ApiError, n: int) -> bool:
        if error.reason == "CLIENT_PACING":
            return False
        return retryable(error, n) if retryable is not None else error.retryable

    return call_with_retry(
        paced, policy=policy, retryable=should_retry, clock=clock, sleep=sleep, rng=rng
    )
