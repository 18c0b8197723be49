"""Backoff math: full jitter bounds, Retry-After as a floor, attempts and deadline."""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable

import pytest

from shared.google.errors import InvalidArgument, RateLimited, Unavailable
from shared.google.retry import RetryPolicy, call_with_retry, parse_retry_after
from tests.chatapi.fakes import FakeClock


def test_backoff_cap_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(initial_backoff=0.5, multiplier=2.0, max_backoff=4.0)
    assert [policy.backoff_cap(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.backoff_cap(10_000) == 4.0  # no overflow


def test_full_jitter_stays_within_zero_and_cap_and_spreads() -> None:
    policy = RetryPolicy(initial_backoff=1.0, max_backoff=8.0)
    rng = random.Random(7)
    for attempt in range(1, 8):
        cap = policy.backoff_cap(attempt)
        delays = [policy.delay(attempt, rng=rng) for _ in range(500)]
        assert all(0.0 <= d <= cap for d in delays)
        # Full jitter: values cover the whole range, not just the top.
        assert min(delays) < cap * 0.1
        assert max(delays) > cap * 0.9


def test_retry_after_is_a_floor_not_a_cap() -> None:
    policy = RetryPolicy(initial_backoff=1.0, max_backoff=2.0)
    rng = random.Random(1)
    assert all(policy.delay(1, retry_after=5.0, rng=rng) == 5.0 for _ in range(100))
    # A small Retry-After never shortens a larger jittered delay.
    delays = [policy.delay(2, retry_after=0.001, rng=rng) for _ in range(200)]
    assert all(d >= 0.001 for d in delays)
    assert max(delays) > 1.0


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30.0, abs=1.0)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


def _failing(errors: list[Exception], result: str = "ok") -> tuple[list[int], Callable[[int], str]]:
    calls: list[int] = []

    def attempt(n: int) -> str:
        calls.append(n)
        if errors:
            raise errors.pop(0)
        return result

    return calls, attempt


def test_retries_until_success_and_sleeps_at_least_retry_after() -> None:
    clock = FakeClock()
    errors: list[Exception] = [
        RateLimited("slow down", status=429, retry_after=3.0),
        Unavailable("oops", status=503),
    ]
    calls, attempt = _failing(errors)
    result = call_with_retry(
        attempt,
        policy=RetryPolicy(initial_backoff=0.1),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(0),
    )
    assert result == "ok"
    assert calls == [1, 2, 3]
    assert clock.sleeps[0] >= 3.0
    assert 0.0 <= clock.sleeps[1] <= 0.2


def test_non_retryable_error_is_raised_at_once() -> None:
    clock = FakeClock()
    calls, attempt = _failing([InvalidArgument("bad", status=400)])
    with pytest.raises(InvalidArgument):
        call_with_retry(attempt, policy=RetryPolicy(), clock=clock, sleep=clock.sleep)
    assert calls == [1]
    assert clock.sleeps == []


def test_max_attempts_bound() -> None:
    clock = FakeClock()
    calls, attempt = _failing([Unavailable("x", status=503) for _ in range(10)])
    with pytest.raises(Unavailable):
        call_with_retry(
            attempt,
            policy=RetryPolicy(max_attempts=4, initial_backoff=0.01),
            clock=clock,
            sleep=clock.sleep,
        )
    assert calls == [1, 2, 3, 4]


def test_deadline_stops_retrying_before_it_passes() -> None:
    clock = FakeClock()
    calls, attempt = _failing([Unavailable("x", status=503) for _ in range(100)])
    started = clock()
    with pytest.raises(Unavailable):
        call_with_retry(
            attempt,
            policy=RetryPolicy(
                max_attempts=100, initial_backoff=1.0, max_backoff=4.0, deadline=10.0
            ),
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(3),
        )
    assert clock() - started < 10.0
    assert 2 < len(calls) < 100


def test_retry_after_longer_than_the_deadline_gives_up_at_once() -> None:
    clock = FakeClock()
    calls, attempt = _failing([RateLimited("x", status=429, retry_after=120.0)])
    with pytest.raises(RateLimited):
        call_with_retry(
            attempt,
            policy=RetryPolicy(deadline=60.0),
            clock=clock,
            sleep=clock.sleep,
        )
    assert calls == [1]
    assert clock.sleeps == []


def test_policy_validates() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
