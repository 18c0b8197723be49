"""The whole meetings stack on loopback, driven through Nudge's real entry points.

``MeetingsStack`` runs what Google would be (the fake OAuth server, the Chat API
emulator, the Calendar emulator) and Nudge's three doors: ``chat_app`` through
functions-framework, also served on a real socket so the Calendar emulator can
push to ``/calendar/notifications``; ``workspace_events`` fed each deferred job
as the Pub/Sub CloudEvent a push subscription delivers; ``reminders_tick`` fed
Cloud Scheduler's CloudEvent. Time is the real clock: meetings are created
relative to now and ticks are sent with a scheduled time ahead of it.
"""

from __future__ import annotations

import base64
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from cloudevents.http.event import CloudEvent
from werkzeug.serving import BaseWSGIServer, make_server

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from devkit.emulator import ChatEmulator
from devkit.emulator.auth import DEFAULT_APP_TOKEN
from devkit.emulator.calendar import CalendarEmulator
from devkit.oauth_server import OAuthServer
from devkit.sample_events import Persona, addon_message_event, legacy_message_event
from functions.reminders import reminders_tick
from functions.workspace_events import workspace_events
from shared.chatapi.pacing import Pacer
from shared.config import Settings
from shared.wiring import Runtime, build_services, reset_runtime, use_runtime
from shared.workspace.jobs import Job
from tests.scenarios.conftest import ADDON_SA, ENDPOINT_URL, ChatHarness
from tests.scenarios.test_reminders_kit import Answer, Button, click_event, read_answer

ROOT = Path(__file__).resolve().parents[3]
DM = "spaces/DM1"
#: dev@example.com (users/100000000000000000001) in their DM with Nudge, and in a team space.
PERSONA = Persona(space=DM, space_type="DIRECT_MESSAGE", space_display_name="")
IN_TEAM = Persona()  # spaces/AAAA, "Local team"
USER = f"users/{PERSONA.user_id}"
PROJECT_NUMBER = "424242424242"
CHAT_REDIRECT = "https://chat.google.com/api/bot_config_complete?token=abc"
COMMAND_IDS = {"/help": 1, "/meetings": 7}


@dataclass
class CapturedJobs:
    """A jobs topic: what ``ctx.defer`` publishes waits here until delivered."""

    queue: list[tuple[Job, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0

    def publish(self, job: Job) -> str:
        with self.lock:
            self.count += 1
            message_id = f"m{self.count}"
            self.queue.append((job, message_id))
        return message_id

    def take(self) -> list[tuple[Job, str]]:
        with self.lock:
            taken, self.queue = self.queue, []
        return taken


def job_event(job: Job, message_id: str) -> CloudEvent:
    """The Eventarc-style CloudEvent wrapping a job's Pub/Sub message."""
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/nudge-test/topics/nudge-jobs",
            "id": message_id,
        },
        {"message": job.message(message_id), "subscription": "projects/p/subscriptions/jobs"},
    )


def tick_event(at: datetime) -> CloudEvent:
    """Cloud Scheduler's message through Pub/Sub, scheduled at ``at``."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = {"data": base64.b64encode(b"{}").decode(), "messageId": stamp, "publishTime": stamp}
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/p/topics/nudge-tick",
            "id": f"tick-{stamp}",
            "time": stamp,
        },
        {"message": message},
    )


@dataclass
class MeetingsStack:
    oauth: OAuthServer
    chat: ChatEmulator
    calendar: CalendarEmulator
    key: DevKey
    certs: CertsServer
    kind: str
    client: Any
    jobs: CapturedJobs
    runtime: Runtime
    url: str
    delivered: list[str] = field(default_factory=list)

    # --- Chat, as Google sends it ------------------------------------------------------

    @property
    def harness(self) -> ChatHarness:
        mode = "project_number" if self.kind == "legacy" else "addon"
        return ChatHarness(self.client, self.key, self.certs, mode)

    def command(self, text: str, persona: Persona = PERSONA) -> dict[str, Any]:
        """``persona`` sends ``text`` (a slash command); returns chat_app's JSON answer."""
        build = legacy_message_event if self.kind == "legacy" else addon_message_event
        return self.send(build(text, persona, COMMAND_IDS, redirect=CHAT_REDIRECT))

    def say(self, text: str, persona: Persona = PERSONA) -> Answer:
        """``command`` read back into the scenario kit's ``Answer`` (checked against protos)."""
        return read_answer(self.command(text, persona), self.kind)

    def press(
        self,
        button: Button,
        persona: Persona = PERSONA,
        *,
        message: dict[str, Any] | None = None,
        form: dict[str, Any] | None = None,
    ) -> Answer:
        event = click_event(self.kind, button, persona, message=message, form=form)
        return read_answer(self.send(event), self.kind)

    def send(self, event: dict[str, Any]) -> dict[str, Any]:
        response = self.harness.post(event)
        assert response.status_code == 200, response.data
        answer: dict[str, Any] = response.json
        return answer

    def consent(self, answer: dict[str, Any]) -> None:
        """Follow a consent prompt: consent at the fake Google, then the callback."""
        urls = [u for u in _strings(answer) if u.startswith(self.oauth.auth_url + "?")]
        assert urls, answer
        location = self.oauth.authorize(urls[0])
        query = urllib.parse.urlsplit(location).query
        callback = self.client.get(f"/oauth/callback?{query}")
        assert callback.status_code == 302, callback.data

    def connect(self) -> None:
        """``/meetings connect`` through consent, as a person would, then its job."""
        self.consent(self.command("/meetings connect"))
        self.command("/meetings connect")  # Chat sends the command again after consent
        self.run_jobs()

    # --- the other doors ---------------------------------------------------------------

    def run_jobs(self) -> int:
        """Deliver every queued job to ``workspace_events`` (and what those queue), in order."""
        ran = 0
        while batch := self.jobs.take():
            for job, message_id in batch:
                workspace_events(job_event(job, message_id))
                self.delivered.append(job.id)
                ran += 1
        return ran

    def tick(self, at: datetime) -> None:
        reminders_tick(tick_event(at))

    def pushes(self) -> int:
        """Wait for the Calendar emulator's pushes, run the jobs they queued; how many ran."""
        assert self.calendar.wait_for_deliveries(10)
        return self.run_jobs()

    # --- what people see ----------------------------------------------------------------

    def posts(self, space: str = DM) -> list[dict[str, Any]]:
        """The app's messages in ``space``, oldest first."""
        return [m for m in self.chat.messages(space) if m.get("sender", {}).get("type") == "BOT"]

    def meeting_posts(self, space: str = DM) -> list[dict[str, Any]]:
        return [
            m for m in self.posts(space) if str(m.get("text", "")).startswith(("📅", "❌", "🚫"))
        ]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def settings_env(
    *,
    oauth: OAuthServer,
    chat: ChatEmulator,
    calendar: CalendarEmulator,
    certs: CertsServer,
    database: Path,
    push_url: str | None,
    kind: str,
    command_ids: Mapping[str, int] = COMMAND_IDS,
) -> dict[str, str]:
    """The settings of a stack on the emulators, verified as Chat's ``kind`` of event."""
    if kind == "legacy":
        verification = {
            "NUDGE_CHAT_AUDIENCE": PROJECT_NUMBER,
            "NUDGE_CHAT_CERTS_URL": certs.certs_url,
        }
    else:
        verification = {
            "NUDGE_CHAT_AUDIENCE": ENDPOINT_URL,
            "NUDGE_OIDC_CERTS_URL": certs.certs_url,
            "NUDGE_ADDON_SERVICE_ACCOUNT": ADDON_SA,
            "NUDGE_APP_FORMAT": "addon",
        }
    env = {
        **oauth.settings_env(),
        **verification,
        "NUDGE_COMMAND_IDS": ",".join(f"{k}={v}" for k, v in command_ids.items()),
        "NUDGE_TOKEN_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "NUDGE_DATABASE": str(database),
        "NUDGE_PUBLIC_URL": ENDPOINT_URL,
        "NUDGE_CHAT_API_ENDPOINT": chat.url,
        "NUDGE_CHAT_API_TOKEN": DEFAULT_APP_TOKEN,
        "NUDGE_CALENDAR_API_ENDPOINT": calendar.calendar_url,
        "NUDGE_LOG_LEVEL": "WARNING",
    }
    if push_url:
        env["NUDGE_CALENDAR_PUSH_URL"] = push_url
    return env


@pytest.fixture(scope="session")
def dev_key() -> DevKey:
    return DevKey.generate()


@pytest.fixture
def make_stack(
    dev_key: DevKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., MeetingsStack]]:
    stops: list[Callable[[], None]] = []

    def build(*, push: bool = True, kind: str = "legacy") -> MeetingsStack:
        certs = CertsServer(dev_key, max_age=3600).start()
        stops.append(certs.stop)
        oauth = OAuthServer(
            client_id="nudge-client",
            client_secret="nudge-secret",
            user_id=PERSONA.user_id,
            email=PERSONA.email,
        ).start()
        stops.append(oauth.stop)
        chat = ChatEmulator(tokeninfo_url=oauth.tokeninfo_url)
        chat.start()
        stops.append(chat.stop)
        calendar = CalendarEmulator(tokeninfo_url=oauth.tokeninfo_url).start()
        stops.append(calendar.stop)
        # chat_app on a real socket too, for Calendar's pushes (its port is known first).
        server_box: dict[str, BaseWSGIServer] = {}
        app_box: dict[str, Any] = {}

        def wsgi(environ: Any, start_response: Any) -> Any:
            return app_box["app"](environ, start_response)

        server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        server_box["server"] = server
        url = f"http://127.0.0.1:{server.server_port}"
        env = settings_env(
            oauth=oauth,
            chat=chat,
            calendar=calendar,
            certs=certs,
            database=tmp_path / "nudge.db",
            push_url=f"{url}/calendar/notifications" if push else None,
            kind=kind,
        )
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_runtime()
        settings = Settings.from_env(env)
        jobs = CapturedJobs()
        runtime = Runtime(
            settings,
            services=build_services(settings, pacer=Pacer(interval=0, slack=0)),
            jobs=jobs,
        )
        use_runtime(runtime)
        app = functions_framework.create_app("chat_app", str(ROOT / "main.py"), "http")
        app_box["app"] = app
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        stops.append(server.shutdown)
        return MeetingsStack(
            oauth=oauth,
            chat=chat,
            calendar=calendar,
            key=dev_key,
            certs=certs,
            kind=kind,
            client=app.test_client(),
            jobs=jobs,
            runtime=runtime,
            url=url,
        )

    yield build
    for stop in reversed(stops):
        stop()
    reset_runtime()


def at(minutes: float) -> datetime:
    """Now plus ``minutes`` (aware UTC), whole seconds."""
    return (datetime.now(UTC) + timedelta(minutes=minutes)).replace(microsecond=0)
