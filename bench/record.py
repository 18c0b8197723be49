"""One benchmark result, in the shape every scenario writes to results.json."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    """``ratio`` is baseline / value for times (higher is better) unless noted in ``target``."""

    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: str
    met: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)
