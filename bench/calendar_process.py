"""The Calendar emulator in a process of its own, and a user connected to it the production way.

``connected`` gives Services for a user whose grant came through the fake OAuth
server's consent flow (stored with ``UserGrants.save``, refreshed by
``UserGrants.call``) and whose calendar link is ACTIVE with no sync token; the
emulator (``--tokeninfo-url``) introspects the access token.
"""

from __future__ import annotations

import base64
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.emulator_process import free_port, get_json

if TYPE_CHECKING:
    from shared.services import Services

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def calendar_emulator(*, latency_ms: int, tokeninfo_url: str) -> Iterator[str]:
    """The Calendar emulator's root URL (``…/``), in a fresh process on a free loopback port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [
        sys.executable, "-m", "devkit.emulator.calendar", "--host", "127.0.0.1",
        "--port", str(port), "--latency-ms", str(latency_ms), "--tokeninfo-url", tokeninfo_url,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while not _up(url):
            if time.monotonic() > deadline:
                raise RuntimeError("the Calendar emulator did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _up(url: str) -> bool:
    """Whether the emulator at ``url`` answers its health check."""
    try:
        return bool(get_json(url + "_emulator/health")["ok"])
    except OSError:
        return False


def api_calls(url: str) -> int:
    """Calendar API requests the emulator at ``url`` has served (control calls not counted)."""
    return int(get_json(url + "_emulator/stats")["api_requests"])


def _refresh_token(oauth: Any, scope: str) -> str:
    """A refresh token for ``scope`` through the fake server's consent flow and code exchange."""
    from devkit.oauth_server import follow_once
    from shared.auth.endpoints import exchange_code

    redirect = "http://127.0.0.1/oauth/callback"
    query = urllib.parse.urlencode(
        {"response_type": "code", "client_id": oauth.client_id, "redirect_uri": redirect,
         "scope": scope, "access_type": "offline", "state": "bench"}
    )  # fmt: skip
    location = follow_once(f"{oauth.auth_url}?{query}")[1]
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    grant = exchange_code(oauth.token_url, code=code, redirect_uri=redirect,
                          client_id=oauth.client_id, client_secret=oauth.client_secret)  # fmt: skip
    assert grant.refresh_token, "the fake OAuth server issued no refresh token"
    return grant.refresh_token


def connected(
    oauth: Any, url: str, database: Path, *, user: str, email: str
) -> tuple[Services, Any]:
    """Services for ``user`` with a stored grant and an ACTIVE link with no sync token; and the
    refreshed credentials (the refresh and the emulator's tokeninfo lookup happen here)."""
    from shared.calendar.client import CalendarClient
    from shared.config import Settings
    from shared.features.meetings.scopes import READ
    from shared.store.calendars import CalendarLink, LinkState
    from shared.wiring import build_services

    settings = Settings.from_env(
        {**oauth.settings_env(),
         "NUDGE_TOKEN_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
         "NUDGE_DATABASE": str(database), "NUDGE_CALENDAR_API_ENDPOINT": url + "calendar/v3/",
         "NUDGE_VERIFY_REQUESTS": "false", "NUDGE_LOG_LEVEL": "WARNING"}
    )  # fmt: skip
    services = build_services(settings)
    services.grants().save(user, _refresh_token(oauth, READ), [READ], email)
    before = time.time() - 86400  # connected yesterday: no "connected" DM (a Chat post)
    services.calendars().add_link(
        CalendarLink(user=user, state=LinkState.ACTIVE, email=email,
                     full_synced_at=before, created_at=before)
    )  # fmt: skip
    credentials = services.grants().call(user, [READ], lambda c: c)
    # googleapiclient's import and first build, outside the clock.
    CalendarClient(credentials, endpoint=settings.calendar_api_endpoint).list_events(max_results=1)
    return services, credentials
