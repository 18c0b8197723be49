"""Fault injection: latency, errors, timeouts, 429 bursts, faults after a commit.

Pre-commit faults (``error_rate``, ``timeout_rate``, ``burst_429``) are decided
before the request touches state, so a faulted request has no side effect.
``fault_after_commit_rate`` lets a write commit and then answers 503 (or,
with ``after_commit_timeout``, hangs and answers 504), to prove a client's
retries are idempotent. A timeout hangs ``timeout_s`` (bounded; set it above
the client's timeout) and then answers 504 DEADLINE_EXCEEDED. All random
choices come from one ``random.Random(seed)``, so a seeded run repeats.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from devkit.emulator.errors import ApiError, status_error

MAX_TIMEOUT_S = 120.0
MAX_LATENCY_MS = 60_000


@dataclass
class FaultConfig:
    """What to inject; all off by default."""

    error_rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [503])
    latency_ms: int = 0
    timeout_rate: float = 0.0
    timeout_s: float = 2.0
    retry_after: int | None = None
    burst_429: int = 0
    fault_after_commit_rate: float = 0.0
    after_commit_timeout: bool = False
    seed: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> FaultConfig:
        """Parse and range-check a JSON object; raises ``ValueError``."""
        if not isinstance(data, dict):
            raise ValueError("faults must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        config = cls(**data)
        config.check()
        return config

    def check(self) -> None:
        for name in ("error_rate", "timeout_rate", "fault_after_commit_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a number in [0, 1]")
        if not isinstance(self.statuses, list) or not self.statuses:
            raise ValueError("statuses must be a non-empty list of HTTP codes")
        if not all(isinstance(s, int) and 400 <= s <= 599 for s in self.statuses):
            raise ValueError("statuses must be HTTP error codes (400-599)")
        if not isinstance(self.latency_ms, int) or not 0 <= self.latency_ms <= MAX_LATENCY_MS:
            raise ValueError(f"latency_ms must be an integer in [0, {MAX_LATENCY_MS}]")
        if not isinstance(self.timeout_s, int | float) or not 0 <= self.timeout_s <= MAX_TIMEOUT_S:
            raise ValueError(f"timeout_s must be in [0, {MAX_TIMEOUT_S}]")
        if self.retry_after is not None and (
            not isinstance(self.retry_after, int) or self.retry_after < 0
        ):
            raise ValueError("retry_after must be a non-negative integer (seconds) or null")
        if not isinstance(self.burst_429, int) or self.burst_429 < 0:
            raise ValueError("burst_429 must be a non-negative integer")
        if self.seed is not None and not isinstance(self.seed, int):
            raise ValueError("seed must be an integer or null")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """What to do to one request before it runs."""

    latency_s: float = 0.0
    error: ApiError | None = None
    timeout: bool = False


class Faults:
    """Thread-safe fault state (config, RNG, remaining 429 burst) and counters."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        config.check()
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._burst_left = config.burst_429

    @property
    def timeout_s(self) -> float:
        return float(self.config.timeout_s)

    def retry_headers(self, code: int) -> dict[str, str]:
        """``Retry-After`` for 429/503 when ``retry_after`` is configured."""
        after = self.config.retry_after
        if after is not None and code in (429, 503):
            return {"Retry-After": str(after)}
        return {}

    def before(self, *, is_write: bool) -> Decision:
        """Decide latency and any pre-commit fault for one API request."""
        with self._lock:
            config = self.config
            latency = config.latency_ms / 1000.0
            if is_write and self._burst_left > 0:
                self._burst_left -= 1
                after = config.retry_after if config.retry_after is not None else 1
                error = status_error(429)
                error.headers["Retry-After"] = str(after)
                return Decision(latency, error)
            if config.timeout_rate and self._rng.random() < config.timeout_rate:
                return Decision(latency, timeout=True)
            if config.error_rate and self._rng.random() < config.error_rate:
                code = self._rng.choice(config.statuses)
                error = status_error(code)
                error.headers.update(self.retry_headers(code))
                return Decision(latency, error)
            return Decision(latency)

    def after_commit(self) -> Decision:
        """Decide whether a committed write still answers 503 (or times out)."""
        with self._lock:
            config = self.config
            rate = config.fault_after_commit_rate
            if not rate or self._rng.random() >= rate:
                return Decision()
            if config.after_commit_timeout:
                return Decision(timeout=True)
            error = status_error(503)
            error.headers.update(self.retry_headers(503))
            return Decision(error=error)
