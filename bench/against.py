"""Warm ``/help`` and cold start, here and at another commit, measured in the same run.

    python -m bench.against 1e236a2      # or any git revision; default HEAD~1

The other commit is checked out into a temporary git worktree; both trees
answer the same signed ``/help`` through their own ``chat_application()``,
alternating runs so that machine noise falls on both alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.chat_app_bench import AUDIENCE, _help_request
from bench.record import Record, median
from devkit.certs_server import CertsServer
from devkit.devkey import DevKey

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results.json")
ROUNDS = 5

PROBE = """
import json, sys, time
t0 = time.perf_counter()
import main
from functions.chat_app import chat_application
from shared.http import HttpRequest
body = open(sys.argv[1], "rb").read()
request = HttpRequest("POST", "/", body, {"Authorization": "Bearer " + sys.argv[2]})
app = chat_application()
assert app.dispatch(request).status == 200
cold_ms = (time.perf_counter() - t0) * 1000
samples = []
for _ in range(2000):
    started = time.perf_counter_ns()
    app.dispatch(request)
    samples.append((time.perf_counter_ns() - started) / 1000)
samples.sort()
print(json.dumps({"cold_ms": cold_ms, "warm_us": samples[len(samples) // 2]}))
"""


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "tree")
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), revision],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True
            )


def measure(tree: Path, body: Path, token: str, env: dict[str, str]) -> dict[str, float]:
    run_env = dict(env, PYTHONPATH=str(tree))
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(body), token],
        cwd=tree,
        env=run_env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def compare(revision: str) -> list[Record]:
    key = DevKey.generate()
    with (
        CertsServer(key, max_age=3600) as certs,
        worktree(revision) as base,
        tempfile.TemporaryDirectory() as tmp,
    ):
        raw, token = _help_request(key)
        body = Path(tmp, "body.json")
        body.write_bytes(raw)
        env = dict(
            os.environ,
            NUDGE_CHAT_AUDIENCE=AUDIENCE,
            NUDGE_CHAT_CERTS_URL=certs.certs_url,
            NUDGE_COMMAND_IDS="/help=1",
            NUDGE_LOG_LEVEL="WARNING",
            NUDGE_DATABASE=str(Path(tmp, "n.db")),
        )
        here: list[dict[str, float]] = []
        there: list[dict[str, float]] = []
        for _ in range(ROUNDS):
            there.append(measure(base, body, token, env))
            here.append(measure(ROOT, body, token, env))
    records = []
    for key_name, name, unit in (
        ("warm_us", "warm help vs base", "us"),
        ("cold_ms", "cold start vs base", "ms"),
    ):
        value = median([r[key_name] for r in here])
        baseline = median([r[key_name] for r in there])
        ratio = round(baseline / value, 3)
        records.append(
            Record(
                name,
                round(value, 1),
                unit,
                round(baseline, 1),
                ratio,
                f"no worse than {revision} within noise (ratio = base/here >= 0.9)",
                ratio >= 0.9,
            )
        )
    return records


def main(argv: list[str]) -> int:
    revision = argv[0] if argv else "HEAD~1"
    records = compare(revision)
    for record in records:
        print(f"{record.name:24} {record.value:>10.1f} {record.unit:3} base {record.baseline}")
    kept = []
    if RESULTS.exists():
        names = {r.name for r in records}
        kept = [r for r in json.loads(RESULTS.read_text()) if r.get("name") not in names]
    RESULTS.write_text(json.dumps(kept + [r.to_json() for r in records], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
