"""Exponential backoff with full jitter, ``Retry-After`` and an overall deadline.

``RetryPolicy`` is the math (pure, testable with a seeded RNG);
``call_with_retry`` is the loop every Google API client here uses, and
``transient`` / ``throttled`` the two usual answers to "retry this error?".
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from shared.google.errors import ApiError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: ``retryable(error, attempt)``: whether a failed attempt is worth another.
Retryable = Callable[[ApiError, int], bool]


def transient(error: ApiError, attempt: int) -> bool:
    """429, 5xx and transport failures: for reads and idempotent writes (the default)."""
    return error.retryable


def throttled(error: ApiError, attempt: int) -> bool:
    """429 only, which the server answers before doing anything: for other writes."""
    return error.status == 429


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry.

    Attempt ``n`` (1-based) that fails waits ``uniform(0, min(max_backoff,
    initial_backoff * multiplier ** (n - 1)))`` ("full jitter"), but never less
    than the server's ``Retry-After``. Retrying stops after ``max_attempts``
    attempts or when the next attempt could not start before ``deadline``
    seconds have passed since the first one, whichever comes first.
    """

    max_attempts: int = 6
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    multiplier: float = 2.0
    deadline: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.initial_backoff < 0 or self.max_backoff < 0 or self.deadline <= 0:
            raise ValueError("backoffs must be >= 0 and deadline > 0")

    def backoff_cap(self, attempt: int) -> float:
        """The upper bound of the jittered wait after failed attempt ``attempt``."""
        exponent = min(max(attempt - 1, 0), 64)  # bounded: no float overflow
        return float(min(self.max_backoff, self.initial_backoff * self.multiplier**exponent))

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after failed attempt ``attempt``: full jitter, floored by Retry-After."""
        jitter = (rng or random).uniform(0.0, self.backoff_cap(attempt))
        if retry_after is not None and retry_after > jitter:
            return float(retry_after)
        return jitter


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date.

    Returns ``None`` when absent or unparseable; a date in the past gives 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN guard
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def call_with_retry(
    attempt: Callable[[int], T],
    *,
    policy: RetryPolicy,
    retryable: Retryable | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run ``attempt(n)`` until it succeeds, retrying retryable ``ApiError``s.

    ``retryable(error, n)`` overrides the default (``error.retryable``), e.g. to
    retry a non-idempotent write only on 429. The last error is raised when
    attempts run out, when the deadline would pass, or when the server's
    ``Retry-After`` is longer than the time left.
    """
    started = clock()
    deadline = started + policy.deadline
    for n in range(1, policy.max_attempts + 1):
        try:
            return attempt(n)
        except ApiError as error:
            should = retryable(error, n) if retryable is not None else error.retryable
            if not should or n >= policy.max_attempts:
                raise
            wait = policy.delay(n, error.retry_after, rng)
            if clock() + wait >= deadline:
                log.warning(
                    "giving up: retry would pass the deadline",
                    extra={"fields": _fields(error, n, wait)},
                )
                raise
            log.info("retrying Google API call", extra={"fields": _fields(error, n, wait)})
            sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _fields(error: ApiError, attempt: int, wait: float) -> dict[str, object]:
    return {
        "method": error.method,
        "space": error.space,
        "status": error.status,
        "reason": error.reason,
        "attempt": attempt,
        "wait_s": round(wait, 3),
        "retry_after_s": error.retry_after,
    }
