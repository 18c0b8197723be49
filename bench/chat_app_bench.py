"""chat_app scenarios: a warm verified /help beside Google's sample style, and cold start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.record import Record, median, percentile
from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from devkit.sample_events import legacy_message_event
from shared.config import Settings
from shared.http import HttpRequest
from shared.wiring import build_app

AUDIENCE = "424242424242"
CHAT_ISSUER = "chat@system.gserviceaccount.com"
ROOT = Path(__file__).resolve().parents[1]
WARM_RUNS = 3000
SAMPLE_RUNS = 200


def _time_us(call: Callable[[], object], runs: int, warmup: int = 50) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def _help_request(key: DevKey) -> tuple[bytes, str]:
    body = json.dumps(legacy_message_event("/help", command_ids={"/help": 1})).encode()
    return body, key.chat_token(AUDIENCE)


def nudge_warm_help(certs_url: str, key: DevKey) -> list[float]:
    """Nudge's real path: ChatApp.dispatch with verification on and certs cached."""
    settings = Settings.from_env(
        {
            "NUDGE_CHAT_AUDIENCE": AUDIENCE,
            "NUDGE_CHAT_CERTS_URL": certs_url,
            "NUDGE_COMMAND_IDS": "/help=1",
            "NUDGE_LOG_LEVEL": "WARNING",
        }
    )
    app = build_app(settings)
    body, token = _help_request(key)
    request = HttpRequest(
        "POST", "/", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )

    def call() -> None:
        response = app.dispatch(request)
        assert response.status == 200, response.body

    return _time_us(call, WARM_RUNS)


def sample_style_help(certs_url: str, key: DevKey) -> list[float]:
    """The way Google's Python samples do it: certs fetched and build() on every request."""
    import google.oauth2.credentials
    from google.auth.transport import requests as google_requests
    from google.oauth2 import id_token
    from googleapiclient.discovery import build

    body, token = _help_request(key)
    credentials = google.oauth2.credentials.Credentials(token="sample")

    def call() -> None:
        claims = id_token.verify_token(
            token, google_requests.Request(), audience=AUDIENCE, certs_url=certs_url
        )
        assert claims["iss"] == CHAT_ISSUER
        event = json.loads(body)
        build("chat", "v1", credentials=credentials, cache_discovery=False)
        reply = {"text": f"Hi {event['user']['displayName']}, here is what I can do: ..."}
        json.dumps(reply)

    return _time_us(call, SAMPLE_RUNS, warmup=5)


def warm_help() -> Iterator[Record]:
    key = DevKey.generate()
    with CertsServer(key, max_age=3600) as certs:
        nudge = nudge_warm_help(certs.certs_url, key)
        sample = sample_style_help(certs.certs_url, key)
    nudge_median, sample_median = median(nudge), median(sample)
    ratio = sample_median / nudge_median
    yield Record(
        "warm help",
        round(nudge_median, 1),
        "us",
        round(sample_median, 1),
        round(ratio, 1),
        "median < 500 us and >= 10x faster than the sample style (baseline)",
        nudge_median < 500 and ratio >= 10,
    )
    nudge_p99 = percentile(nudge, 99)
    sample_p99 = percentile(sample, 99)
    yield Record(
        "warm help p99",
        round(nudge_p99, 1),
        "us",
        round(sample_p99, 1),
        round(sample_p99 / nudge_p99, 1),
        "p99 < 1000 us (beside the sample style's p99)",
        nudge_p99 < 1000,
    )


def cold_start_chat_app() -> Iterator[Record]:
    """A fresh interpreter: import main.py and answer one verified /help."""
    key = DevKey.generate()
    with tempfile.TemporaryDirectory() as tmp, CertsServer(key, max_age=3600) as certs:
        body, token = _help_request(key)
        Path(tmp, "body.json").write_bytes(body)
        probe = (
            "import time; t0=time.perf_counter();"
            "import main;"
            "from functions.chat_app import chat_application;"
            "from shared.http import HttpRequest;"
            f"body=open({str(Path(tmp, 'body.json'))!r},'rb').read();"
            "app=chat_application();"
            f"r=app.dispatch(HttpRequest('POST','/',body,{{'Authorization':'Bearer {token}'}}));"
            "assert r.status==200, r.body;"
            "print((time.perf_counter()-t0)*1000)"
        )
        env = dict(
            os.environ,
            NUDGE_CHAT_AUDIENCE=AUDIENCE,
            NUDGE_CHAT_CERTS_URL=certs.certs_url,
            NUDGE_COMMAND_IDS="/help=1",
            NUDGE_LOG_LEVEL="WARNING",
        )
        runs = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
            )
            if out.returncode != 0:
                raise RuntimeError(out.stderr)
            runs.append(float(out.stdout.strip().splitlines()[-1]))
    value = median(runs)
    yield Record(
        "cold start chat_app",
        round(value, 1),
        "ms",
        None,
        None,
        "import main + first verified /help < 600 ms (includes one certs fetch)",
        value < 600,
    )


SCENARIOS = (warm_help, cold_start_chat_app)
