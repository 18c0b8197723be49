"""The composition root: typed services, the store's location, start-up conflicts, the runtime."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http.event import CloudEvent

from functions.reminders import reminders_tick
from functions.workspace_events import workspace_events
from shared.chat.events.models import CommandEvent
from shared.config import DEFAULT_LOCAL_DATABASE, ConfigError, Settings
from shared.core.feature import Feature
from shared.core.router import RouteConflict, Router
from shared.core.ticks import Tick, TickReport
from shared.services import Lazy, Services
from shared.wiring import (
    Runtime,
    build_app,
    build_services,
    database_path,
    load_features,
    reset_runtime,
    runtime,
    use_runtime,
)
from shared.workspace.models import WorkspaceEvent


@pytest.fixture(autouse=True)
def _fresh_runtime() -> Any:
    reset_runtime()
    yield
    reset_runtime()


def test_the_store_lives_in_dot_nudge_locally_and_must_be_chosen_on_cloud_functions() -> None:
    assert database_path(Settings()) == DEFAULT_LOCAL_DATABASE
    on_gcf = Settings.from_env({"K_SERVICE": "chat-app"})
    assert on_gcf.on_cloud_functions
    # On Cloud Functions the store is Firestore unless SQLite is chosen outright for one instance.
    assert on_gcf.store_backend == "firestore"
    assert database_path(on_gcf) is None
    single = Settings(store="sqlite", database="/tmp/x.db", on_cloud_functions=True)
    assert database_path(single) == "/tmp/x.db"
    for env in (
        {"NUDGE_STORE": "sqlite"},  # no file
        {"NUDGE_STORE": "sqlite", "NUDGE_DATABASE": "/workspace/nudge.db"},  # not writable
        {"NUDGE_STORE": "sqlite", "NUDGE_DATABASE": "/tmp/../srv/nudge.db"},
        {"NUDGE_DATABASE": "/tmp/nudge.db"},  # SQLite's file, but Firestore's default
    ):
        with pytest.raises(ConfigError) as error:
            Runtime(Settings.from_env({"K_SERVICE": "chat-app", **env}))
        message = str(error.value)
        assert "NUDGE_STORE=firestore" in message
        assert "/tmp" in message


def test_services_refuse_a_misspelt_field() -> None:
    settings = Settings()
    with pytest.raises(TypeError):
        Services(settings=settings, stroe=Lazy.of(object()))  # type: ignore[call-arg]


def test_services_are_built_once_and_only_when_asked(tmp_path: Path) -> None:
    built: list[str] = []

    def chat() -> Any:
        built.append("chat")
        return object()

    services = build_services(Settings(database=str(tmp_path / "n.db")))
    cell = Lazy(chat)
    assert not cell.built
    assert cell() is cell()
    assert built == ["chat"]
    assert not services.chat.built  # nothing touched the Chat API client
    assert services.tokens() is services.tokens()


def test_two_features_claiming_one_command_or_id_fail_at_start_up() -> None:
    first, second = Router(), Router()

    @first.command("/same", command_id=5)
    def one(event: CommandEvent, ctx: Any) -> None: ...

    @second.command("/same")
    def two(event: CommandEvent, ctx: Any) -> None: ...

    settings = Settings(verify_requests=False)
    with pytest.raises(RouteConflict, match="/same"):
        build_app(settings, features=[Feature("a", first), Feature("b", second)])

    third = Router()

    @third.command("/other", command_id=5)
    def three(event: CommandEvent, ctx: Any) -> None: ...

    with pytest.raises(RouteConflict, match="ID 5"):
        build_app(settings, features=[Feature("a", first), Feature("c", third)])


def test_configured_ids_that_collide_or_name_nothing_fail_at_start_up() -> None:
    colliding = Settings(verify_requests=False, command_ids={"/help": 1, "/invite": 1})
    with pytest.raises(RouteConflict, match="both have ID 1"):
        build_app(colliding)
    unknown = Settings(verify_requests=False, command_ids={"/remnid": 2})
    with pytest.raises(RouteConflict, match="/remnid"):
        build_app(unknown)


def test_two_features_serving_one_route_fail_at_start_up() -> None:
    a, b = Feature("a"), Feature("b")
    a.route("/hook")(lambda request, ctx: None)
    b.route("/hook")(lambda request, ctx: None)
    with pytest.raises(RouteConflict, match="/hook"):
        build_app(Settings(verify_requests=False), features=[a, b])


def test_the_installed_features_load_and_reset_is_one_call() -> None:
    assert [f.name for f in load_features()][:2] == ["basics", "account"]
    first = runtime(lambda: Runtime(Settings(verify_requests=False, database=":memory:")))
    assert runtime() is first
    assert first.app is first.app
    reset_runtime()
    second = runtime(lambda: Runtime(Settings(verify_requests=False, database=":memory:")))
    assert second is not first
    assert second.certs is not first.certs


def pubsub_event(data: dict[str, Any], **attributes: str) -> CloudEvent:
    message = {
        "attributes": attributes,
        "data": base64.b64encode(json.dumps(data).encode()).decode(),
        "messageId": "42",
        "publishTime": "2026-11-30T10:00:00Z",
    }
    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/p/topics/t",
            "id": "42",
        },
        {"message": message, "subscription": "projects/p/subscriptions/s"},
    )


def test_the_doors_hand_ticks_and_workspace_events_to_features() -> None:
    seen: list[Any] = []
    feature = Feature("under_test")

    @feature.tick
    def job(tick: Tick, services: Services) -> TickReport:
        seen.append(tick.now)
        return TickReport("under_test.job", done=1)

    @feature.on("google.workspace.chat.message.v1.created")
    def on_message(event: WorkspaceEvent, services: Services) -> None:
        seen.append(event)

    use_runtime(Runtime(Settings(verify_requests=False, database=":memory:"), features=[feature]))
    reminders_tick(
        CloudEvent(
            {
                "type": "google.cloud.pubsub.topic.v1.messagePublished",
                "source": "//pubsub.googleapis.com/projects/p/topics/tick",
                "id": "7",
                "time": "2036-11-30T10:01:00Z",
            },
            {"message": {"data": "", "messageId": "7"}},
        )
    )
    assert seen == [datetime(2036, 11, 30, 10, 1, tzinfo=UTC)]  # a tick from the future wins
    workspace_events(
        pubsub_event(
            {"message": {"name": "spaces/S/messages/M", "text": "hi"}},
            **{
                "ce-type": "google.workspace.chat.message.v1.created",
                "ce-id": "spaces/S/spaceEvents/E",
            },
        )
    )
    event = seen[-1]
    assert isinstance(event, WorkspaceEvent)
    assert event.id == "spaces/S/spaceEvents/E"
    # An undecodable message is acknowledged (no exception), and nothing runs.
    workspace_events(pubsub_event({}, **{"ce-id": "x"}))
    assert len(seen) == 2


def test_user_clients_are_built_once_per_credentials() -> None:
    import google.oauth2.credentials

    from shared.wiring import per_credentials

    built: list[object] = []

    def build(credentials: object) -> object:
        built.append(credentials)
        return object()

    make = per_credentials(build)
    ada = google.oauth2.credentials.Credentials(token="a")  # type: ignore[no-untyped-call]
    bob = google.oauth2.credentials.Credentials(token="b")  # type: ignore[no-untyped-call]
    assert make(ada) is make(ada)
    assert make(bob) is not make(ada)
    assert built == [ada, bob]
