"""Run every benchmark scenario and write bench/results.json.

python -m bench            # all scenarios
python -m bench warm       # only scenarios whose name contains "warm"
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import chat_app_bench, events_bench, meetings_bench, messages_bench, reminders_bench
from bench.record import Record

RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str]) -> int:
    wanted = " ".join(argv).lower()
    records: list[Record] = []
    for scenario in (
        *chat_app_bench.SCENARIOS,
        *messages_bench.SCENARIOS,
        *reminders_bench.SCENARIOS,
        *events_bench.SCENARIOS,
        *meetings_bench.SCENARIOS,
    ):
        if wanted and wanted not in scenario.__name__.replace("_", " "):
            continue
        for record in scenario():
            records.append(record)
            mark = "met" if record.met else "NOT MET"
            print(
                f"{record.name:32} {record.value:>12.1f} {record.unit:6} [{mark}] {record.target}"
            )
    # A filtered run replaces its own records and keeps the others.
    fresh = [r.to_json() for r in records]
    names = {r["name"] for r in fresh}
    kept = []
    if wanted and RESULTS.exists():
        kept = [r for r in json.loads(RESULTS.read_text()) if r.get("name") not in names]
    RESULTS.write_text(json.dumps(kept + fresh, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
