"""``/meet`` through ``chat_app`` as Google would call it, against loopback fakes of Google.

``MeetStack`` runs the fake OAuth server, the Chat API emulator and the Calendar
emulator (which also serves the People and Meet APIs), both checking user tokens at
the OAuth server's tokeninfo, and ``chat_app`` through functions-framework with
signed events in either format. Answers are read with the scenario kit
(``read_answer``: checked against Google's protos first). Deferred jobs wait in
``jobs`` until ``run_jobs`` delivers them to ``workspace_events``; the Chat
emulator's Workspace Events API holds what its subscriptions publish (Meet's
events too, through ``meet_bridge``) until ``deliver_events`` does the same. A
test module uses it through a two-line fixture::

    @pytest.fixture
    def meet_stack(tmp_path, monkeypatch):
        with stack_factory(tmp_path, monkeypatch) as build:
            yield build
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from cloudevents.http.event import CloudEvent

from devkit.certs_server import CertsServer
from devkit.devkey import DevKey
from devkit.emulator import ChatEmulator, meet_bridge
from devkit.emulator.calendar import CalendarEmulator
from devkit.oauth_server import OAuthServer
from devkit.sample_events import Persona, addon_message_event, legacy_message_event
from functions.workspace_events import workspace_events
from shared.chatapi.pacing import Pacer
from shared.config import Settings
from shared.core.feature import Feature
from shared.services import Services
from shared.store.users import UserPrefs, ZoneSource
from shared.wiring import (
    Runtime,
    build_services,
    load_features,
    reset_runtime,
    runtime,
    use_runtime,
)
from tests.features.meetings.conftest import CapturedJobs, job_event, settings_env
from tests.scenarios.conftest import ChatHarness
from tests.scenarios.test_reminders_kit import (
    Answer,
    Button,
    add_mentions,
    click_event,
    read_answer,
)

_ROOT = Path(__file__).resolve().parents[3]
FORMATS = ["legacy", "addon"]
TEAM = "spaces/TEAM"
BERLIN = "Europe/Berlin"
DEV = Persona(space=TEAM, space_display_name="Team")  # users/100000000000000000001
DEV_DM = Persona(space="spaces/DM1", space_type="DIRECT_MESSAGE", space_display_name="")
ALEX = Persona(
    user_id="100000000000000000002",
    display_name="Alex Example",
    email="alex@example.com",
    space=TEAM,
)
IVY = Persona(
    user_id="100000000000000000003",
    display_name="Ivy Invitee",
    email="invitee@example.com",
    space=TEAM,
)
USER = f"users/{DEV.user_id}"
COMMAND_IDS = {"/help": 1, "/meet": 9}
CHAT_REDIRECT = "https://chat.google.com/api/bot_config_complete?token=abc"
_AUTH = "https://www.googleapis.com/auth/"
READ, WRITE = _AUTH + "calendar.events.readonly", _AUTH + "calendar.events.owned"
DIRECTORY = _AUTH + "directory.readonly"
MEET_READ = _AUTH + "meetings.space.readonly"
EVENTS_TOPIC = "projects/nudge-test/topics/nudge-events"


@functools.cache
def dev_key() -> DevKey:
    return DevKey.generate()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


@dataclass
class MeetStack:
    """chat_app in one format (``kind``) with Google on loopback."""

    kind: str
    oauth: OAuthServer
    chat: ChatEmulator
    calendar: CalendarEmulator
    harness: ChatHarness
    jobs: CapturedJobs = field(default_factory=CapturedJobs)
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return runtime().services

    # --- Chat, as Google sends it --------------------------------------------------------

    def event(
        self, text: str, persona: Persona = DEV, mentions: Sequence[Persona] = ()
    ) -> dict[str, Any]:
        build = legacy_message_event if self.kind == "legacy" else addon_message_event
        event = build(text, persona, COMMAND_IDS, redirect=CHAT_REDIRECT)
        add_mentions(event, mentions, self.kind)
        return event

    def send(self, event: dict[str, Any]) -> dict[str, Any]:
        """POST one signed event; the raw JSON answer."""
        self.sent.append(event)
        response = self.harness.post(event)
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.json
        return body

    def post(self, event: dict[str, Any]) -> Answer:
        return read_answer(self.send(event), self.kind)

    def say(self, text: str, persona: Persona = DEV, mentions: Sequence[Persona] = ()) -> Answer:
        return self.post(self.event(text, persona, mentions))

    def press(
        self,
        button: Button,
        persona: Persona = DEV,
        *,
        zone: str | None = BERLIN,
        dialog: str = "",
        form: Mapping[str, Any] | None = None,
    ) -> Answer:
        return self.post(
            click_event(self.kind, button, persona, zone=zone, dialog=dialog, form=form)
        )

    # --- people and their grants ---------------------------------------------------------

    def consent(self, answer: Mapping[str, Any], *, only: Sequence[str] | None = None) -> None:
        """Follow a consent prompt (granting ``only`` these scopes, if given)."""
        urls = [u for u in _strings(answer) if u.startswith(self.oauth.auth_url + "?")]
        assert urls, answer
        self.oauth.grant_only(only)
        location = self.oauth.authorize(urls[0])
        callback = self.harness.client.get(
            f"/oauth/callback?{urllib.parse.urlsplit(location).query}"
        )
        assert callback.status_code == 302, callback.data

    def connect(self, *, only: Sequence[str] | None = None, zone: str | None = BERLIN) -> None:
        """Dev grants ``/meet`` its access (through the consent it asks for) and has a zone."""
        self.consent(self.send(self.event("/meet")), only=only)
        if zone:
            self.services.users().put_user(
                UserPrefs(USER, zone=zone, zone_source=ZoneSource.EXPLICIT)
            )

    # --- the workspace_events door ---------------------------------------------------------

    def run_jobs(self) -> list[str]:
        """Deliver each queued job to ``workspace_events`` once; one that raised is queued
        again, as Pub/Sub would redeliver it. The names of the errors raised."""
        failed: list[str] = []
        for job, message_id in self.jobs.take():
            try:
                workspace_events(job_event(job, message_id))
            except Exception as exc:  # the door raised: Pub/Sub delivers again
                failed.append(type(exc).__name__)
                self.jobs.publish(job)
        return failed

    def deliver_events(self, records: Sequence[Mapping[str, Any]] | None = None) -> int:
        """Deliver what the Chat emulator's subscriptions published (or ``records``) to
        ``workspace_events`` as Pub/Sub CloudEvents; how many."""
        taken = self.chat.published(clear=True) if records is None else list(records)
        for record in taken:
            workspace_events(pubsub_event(record))
        return len(taken)

    # --- what Google holds ----------------------------------------------------------------

    def events(self, email: str = DEV.email) -> list[dict[str, Any]]:
        """Events on ``email``'s primary calendar, as the Calendar emulator stores them."""
        return [e for e in self.calendar.events(email) if not e["removed"]]

    def posts(self, space: str = TEAM) -> list[dict[str, Any]]:
        """The app's messages in ``space``, oldest first."""
        return [m for m in self.chat.messages(space) if m.get("sender", {}).get("type") == "BOT"]


def _env(
    kind: str,
    *,
    oauth: OAuthServer,
    chat: ChatEmulator,
    calendar: CalendarEmulator,
    certs: CertsServer,
    database: Path,
) -> dict[str, str]:
    env = settings_env(
        oauth=oauth,
        chat=chat,
        calendar=calendar,
        certs=certs,
        database=database,
        push_url=None,
        kind=kind,
        command_ids=COMMAND_IDS,
    )
    env.update(
        {
            "NUDGE_PROJECT_ID": "nudge-test",
            "NUDGE_PEOPLE_API_ENDPOINT": calendar.url,
            "NUDGE_MEET_API_ENDPOINT": calendar.meet_url,
            "NUDGE_WORKSPACE_EVENTS_ENDPOINT": chat.url,
            "NUDGE_EVENTS_TOPIC": EVENTS_TOPIC,
        }
    )
    return env


def pubsub_event(record: Mapping[str, Any]) -> CloudEvent:
    """The CloudEvent a push subscription delivers for one event the Chat emulator published."""
    message = dict(record["message"])
    message["messageId"] = f"ws-{record['seq']}"
    message["publishTime"] = message["attributes"]["ce-time"]
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": f"//pubsub.googleapis.com/{record['topic']}",
            "id": message["messageId"],
        },
        {"message": message, "subscription": "projects/nudge-test/subscriptions/events"},
    )


def _features() -> list[Feature]:
    """The installed features, plus ``/meet`` on its own until the meetings feature has it."""
    from shared.features.meetings import meet

    features = load_features()
    if any(spec.name == "/meet" for f in features for spec in f.router.commands()):
        return features
    return [*features, Feature("meet_under_test", meet.router)]


def _seed(chat: ChatEmulator, calendar: CalendarEmulator) -> None:
    """Team: Dev, Alex and Ivy (all joined); Ivy known to Calendar's directory too."""
    chat.add_space(
        TEAM,
        display_name="Team",
        members=[{"name": f"users/{p.user_id}", "state": "JOINED"} for p in (DEV, ALEX, IVY)],
    )
    calendar.control.add_user(
        IVY.email, display_name=IVY.display_name, time_zone="UTC", user=f"users/{IVY.user_id}"
    )


@contextlib.contextmanager
def stack_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], MeetStack]]:
    """``build("legacy")`` / ``build("addon")``: a fresh stack; everything stops on exit."""
    stops: list[Callable[[], None]] = []

    def build(kind: str) -> MeetStack:
        certs = CertsServer(dev_key(), max_age=3600).start()
        stops.append(certs.stop)
        oauth = OAuthServer(
            client_id="nudge-client",
            client_secret="nudge-secret",
            user_id=DEV.user_id,
            email=DEV.email,
        ).start()
        stops.append(oauth.stop)
        chat = ChatEmulator(tokeninfo_url=oauth.tokeninfo_url)
        chat.start()
        stops.append(chat.stop)
        calendar = CalendarEmulator(tokeninfo_url=oauth.tokeninfo_url).start()
        stops.append(calendar.stop)
        meet_bridge.connect(calendar, chat)
        _seed(chat, calendar)
        env = _env(
            kind,
            oauth=oauth,
            chat=chat,
            calendar=calendar,
            certs=certs,
            database=tmp_path / f"nudge-{kind}-{secrets.token_hex(3)}.db",
        )
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_runtime()
        settings = Settings.from_env(env)
        services = build_services(settings, pacer=Pacer(interval=0, slack=0))
        jobs = CapturedJobs()
        use_runtime(Runtime(settings, services=services, features=_features(), jobs=jobs))
        app = functions_framework.create_app("chat_app", str(_ROOT / "main.py"), "http")
        mode = "project_number" if kind == "legacy" else "addon"
        harness = ChatHarness(app.test_client(), dev_key(), certs, mode)
        return MeetStack(kind, oauth, chat, calendar, harness, jobs)

    try:
        yield build
    finally:
        for stop in reversed(stops):
            stop()
        reset_runtime()


# --- reading answers ---------------------------------------------------------------------------


def widgets(answer: Answer) -> list[dict[str, Any]]:
    return [w for card in answer.cards for s in card.get("sections", []) for w in s["widgets"]]


def field_names(answer: Answer) -> list[str]:
    """Names of the dialog's input fields, in order."""
    names = []
    for widget in widgets(answer):
        for body in widget.values():
            if isinstance(body, dict) and "name" in body:
                names.append(body["name"])
    return names


def links(card_holder: Mapping[str, Any]) -> dict[str, str]:
    """``button text -> url`` of every link button in a message's cards."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            url = value.get("onClick", {}).get("openLink", {}).get("url")
            if url:
                found[value.get("text", "")] = url
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(card_holder.get("cardsV2", []))
    return found


def text_input(value: str) -> dict[str, Any]:
    return {"stringInputs": {"value": [value]}}


def date_time_input(moment: datetime) -> dict[str, Any]:
    ms = str(int(moment.astimezone(UTC).timestamp() * 1000))
    return {"dateTimeInput": {"msSinceEpoch": ms, "hasDate": True, "hasTime": True}}
