"""The scheduler tick: every feature's tick jobs, each within the tick's deadline.

Cloud Scheduler publishes a tick once a minute; ``reminders_tick`` hands it
here. Each job gets the tick's ``now`` and a deadline to stop before, does
what it can and reports what it did and what it left for the next tick. A
failing job is logged and does not stop the others: the next tick retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Tick:
    """One tick: the scheduled ``now`` (aware UTC) and a monotonic ``deadline``."""

    now: datetime
    deadline: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    def time_left(self) -> float:
        """Seconds until the deadline (negative once it has passed)."""
        return self.deadline - self.clock()


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one job did: ``done`` items, ``left`` for the next tick, and whether it failed."""

    job: str
    done: int = 0
    left: int = 0
    failed: bool = False
    notes: str = ""


#: ``job(tick, services)``: a feature's work on every tick.
TickJob = Callable[[Tick, "Services"], "TickReport | None"]


def run_tick(
    tick: Tick, jobs: Sequence[tuple[str, TickJob]], services: Services
) -> list[TickReport]:
    """Run every job in order; returns one report per job."""
    reports: list[TickReport] = []
    for name, job in jobs:
        if tick.time_left() <= 0:
            reports.append(TickReport(name, notes="skipped: the tick's deadline had passed"))
            continue
        try:
            report = job(tick, services) or TickReport(name)
        except Exception:
            log.exception("tick job %s failed", name, extra={"fields": {"job": name}})
            report = TickReport(name, failed=True)
        reports.append(report)
    log.info(
        "tick finished",
        extra={
            "fields": {
                "tick_time": tick.now.isoformat(),
                "jobs": {
                    r.job: {"done": r.done, "left": r.left, "failed": r.failed} for r in reports
                },
            }
        },
    )
    return reports
