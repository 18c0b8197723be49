"""Deferred work: ``ctx.defer`` publishes a job, the handler answers at once, the job posts once.

Jobs run in-process here (``InlineJobs``) through the same decode-dedupe-dispatch
path ``workspace_events`` uses; tests/google_emulators/test_events_e2e.py runs
them from the real Pub/Sub emulator. Results post to the local Chat API emulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from devkit.sample_events import legacy_message_event
from shared.chat.events.models import CommandEvent
from shared.chat.events.parse import parse_event
from shared.chat.responses import Reply, Response
from shared.chatapi.pacing import Pacer
from shared.config import ConfigError, Settings
from shared.core.context import Context
from shared.core.defer import Deferrer, JobsUnavailable, post_result, result_message_id
from shared.core.feature import Feature
from shared.core.router import RouteConflict, Router
from shared.core.workspace import WorkspaceDispatcher
from shared.google.errors import Unavailable
from shared.services import Services
from shared.wiring import Runtime, build_services, check_jobs, reset_runtime, use_runtime
from shared.workspace.envelope import decode_message
from shared.workspace.jobs import (
    InlineJobs,
    Job,
    JobNotQueued,
    PubSubJobs,
    new_job,
)
from shared.workspace.models import JOB_TYPE, JobEvent
from shared.workspace.parse import parse_events

SPACE = "spaces/AAAA"


def demo_feature(failures: list[BaseException] | None = None) -> Feature:
    """A feature whose ``/report`` defers ``demo.report``; the job posts the report."""
    router = Router()
    feature = Feature("demo", router)
    pending = failures if failures is not None else []

    @router.command("/report", description="A slow report")
    def report(event: CommandEvent, ctx: Context) -> Response:
        ctx.defer(
            "demo.report",
            key=event.message.name if event.message else None,
            space=event.space.name,
            user=event.user.name,
        )
        return Reply("Working on it…", private=True)

    @feature.job("demo.report")
    def run_report(job: JobEvent, services: Services) -> None:
        if pending:
            raise pending.pop(0)
        post_result(job, services, str(job.args["space"]), Reply("The report: 42 open items"))

    return feature


@dataclass
class Recording:
    """A publisher that keeps every job and hands it to ``then``."""

    then: Any = None
    jobs: list[Job] = field(default_factory=list)

    def publish(self, job: Job) -> str:
        self.jobs.append(job)
        return self.then.publish(job) if self.then is not None else "recorded"


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: ChatEmulator) -> ChatEmulator:
    emulator.reset()
    emulator.set_faults()
    return emulator


def settings_for(emu: ChatEmulator, database: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "verify_requests": False,
        "database": str(database),
        "chat_api_endpoint": emu.url,
        "chat_api_token": "app-token",
        **overrides,
    }
    return Settings(**values)


def inline_runtime(settings: Settings, feature: Feature) -> tuple[Runtime, Recording]:
    """A runtime whose jobs run before ``publish`` returns, recorded on the way."""
    holder: list[Runtime] = []
    inline = InlineJobs(lambda data: holder[0].deliver(data), background=False, sleep=lambda s: 0)
    recording = Recording(inline)
    services = build_services(settings, pacer=Pacer(interval=0, slack=0))
    holder.append(Runtime(settings, features=[feature], services=services, jobs=recording))
    use_runtime(holder[0])
    return holder[0], recording


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    reset_runtime()
    yield
    reset_runtime()


def send(runtime: Runtime, text: str) -> Response:
    return runtime.app.handle(parse_event(legacy_message_event(text)))


def posted(emu: ChatEmulator, text: str) -> list[dict[str, Any]]:
    return [m for m in emu.messages(SPACE) if text in m.get("text", "")]


# --- the wire format ------------------------------------------------------------------------


def test_a_job_is_a_binary_mode_cloud_event_of_nudges_own_type() -> None:
    job = new_job("demo.report", {"n": 1, "who": ["a"]}, key="spaces/S/messages/M.M", now=0)
    assert job.id == "jobs/demo.report/spaces/S/messages/M.M"
    assert job.attributes == {
        "ce-specversion": "1.0",
        "ce-type": JOB_TYPE,
        "ce-id": job.id,
        "ce-source": "//nudge.dev/chat_app",
        "ce-subject": "demo.report",
        "ce-time": "1970-01-01T00:00:00.000000Z",
        "ce-datacontenttype": "application/json",
    }
    assert json.loads(job.data) == {"job": "demo.report", "args": {"n": 1, "who": ["a"]}}
    # The door's own decoder reads it back.
    (event,) = parse_events(decode_message(job.message("99")))
    assert isinstance(event, JobEvent)
    assert (event.id, event.job, dict(event.args)) == (job.id, "demo.report", dict(job.args))
    # Without a key, every job is new.
    first, second = new_job("demo.report", {}), new_job("demo.report", {})
    assert first.id != second.id
    assert first.id.startswith("jobs/demo.report/")
    assert len(first.id.rsplit("/", 1)[1]) == 32


@pytest.mark.parametrize(
    ("name", "args", "key", "problem"),
    [
        ("Demo.Report", {}, None, "must match"),
        ("demo report", {}, None, "must match"),
        ("demo.report", {}, "has a space", "printable"),
        ("demo.report", {}, "", "printable"),
        ("demo.report", {"when": object()}, None, "not plain JSON"),
        ("demo.report", {"x": float("nan")}, None, "not plain JSON"),
        ("demo.report", {"blob": "x" * 70_000}, None, "the limit is"),
    ],
)
def test_what_could_never_be_sent_is_refused_when_deferred(
    name: str, args: Mapping[str, Any], key: str | None, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        new_job(name, args, key=key)


def test_the_pubsub_publisher_sends_data_and_attributes_and_waits() -> None:
    sent: list[tuple[str, bytes, dict[str, str]]] = []

    class Future:
        def __init__(self, value: str | Exception) -> None:
            self.value = value

        def result(self, timeout: float) -> str:
            if isinstance(self.value, Exception):
                raise self.value
            return self.value

    class Client:
        fail = False

        def publish(self, topic: str, data: bytes, **attributes: str) -> Future:
            sent.append((topic, data, attributes))
            return Future(TimeoutError("no answer") if self.fail else "4242")

    client = Client()
    jobs = PubSubJobs("projects/p/topics/nudge-jobs", client=client)
    job = new_job("demo.report", {"space": SPACE})
    assert jobs.publish(job) == "4242"
    assert sent == [("projects/p/topics/nudge-jobs", job.data, job.attributes)]
    client.fail = True
    with pytest.raises(JobNotQueued, match="nudge-jobs"):
        jobs.publish(job)


# --- configuration --------------------------------------------------------------------------


def test_jobs_run_inline_locally_from_pubsub_with_a_topic_and_not_at_all_unconfigured() -> None:
    assert Settings().jobs_backend == "inline"
    topic = "projects/p/topics/nudge-jobs"
    assert Settings.from_env({"NUDGE_JOBS_TOPIC": topic}).jobs_backend == "pubsub"
    assert Settings.from_env({"K_SERVICE": "chat-app"}).jobs_backend == "off"
    on_gcf = Settings.from_env({"K_SERVICE": "chat-app", "NUDGE_JOBS_TOPIC": topic})
    assert on_gcf.jobs_backend == "pubsub"
    assert Settings.from_env({"NUDGE_JOBS_MODE": "inline"}).jobs_mode == "inline"
    for bad in ({"NUDGE_JOBS_TOPIC": "nudge-jobs"}, {"NUDGE_JOBS_MODE": "threads"}):
        with pytest.raises(ConfigError, match="NUDGE_JOBS_"):
            Settings.from_env(bad)
    with pytest.raises(ConfigError, match="NUDGE_JOBS_TOPIC"):
        check_jobs(Settings.from_env({"NUDGE_JOBS_MODE": "pubsub"}))
    with pytest.raises(ConfigError, match="throttled"):
        check_jobs(Settings.from_env({"K_SERVICE": "chat-app", "NUDGE_JOBS_MODE": "inline"}))


def test_where_jobs_are_off_defer_says_what_to_set_and_handlers_can_tell(tmp_path: Path) -> None:
    settings = Settings(
        verify_requests=False,
        store="sqlite",
        database="/tmp/nudge-jobs-off-test.db",  # the Cloud Functions rule
        on_cloud_functions=True,
    )
    runtime = Runtime(settings, features=[demo_feature()])
    assert runtime.jobs is None
    ctx = runtime.app.context("c1")
    assert not ctx.can_defer
    with pytest.raises(JobsUnavailable, match="NUDGE_JOBS_TOPIC"):
        ctx.defer("demo.report", space=SPACE)


def test_deferring_a_job_no_feature_handles_is_a_programming_error() -> None:
    deferrer = Deferrer(lambda: Recording(), {"demo.report"})
    with pytest.raises(ValueError, match=r"no feature handles job 'demo\.typo'"):
        deferrer.defer("demo.typo", {})


def test_two_features_handling_one_job_fail_at_start_up(tmp_path: Path) -> None:
    settings = Settings(verify_requests=False, database=str(tmp_path / "n.db"))
    first, second = demo_feature(), Feature("other")
    second.job("demo.report")(lambda job, services: None)
    with pytest.raises(RouteConflict, match=r"demo\.report"):
        Runtime(settings, features=[first, second]).app  # noqa: B018 - building it is the test
    with pytest.raises(RouteConflict, match=r"demo\.report"):
        WorkspaceDispatcher(build_services(settings), [first, second])
    with pytest.raises(RouteConflict):
        first.job("demo.report")(lambda job, services: None)


# --- end to end, in-process -----------------------------------------------------------------


def test_the_handler_answers_at_once_and_the_job_posts_its_result_once(
    emu: ChatEmulator, tmp_path: Path
) -> None:
    runtime, recording = inline_runtime(settings_for(emu, tmp_path / "n.db"), demo_feature())

    reply = send(runtime, "/report")

    assert isinstance(reply, Reply)
    assert (reply.text, reply.private) == ("Working on it…", True)
    (job,) = recording.jobs
    (message,) = posted(emu, "The report: 42 open items")
    assert message["clientAssignedMessageId"] == result_message_id(job.id)
    assert runtime.workspace.counts["handled"] == 1

    # Pub/Sub delivers the job again: deduplicated by its ID, nothing posts.
    assert recording.then.run(job, "redelivered")
    assert runtime.workspace.counts["duplicate"] == 1
    # Even with the dedupe record gone (another store, a crash before it was written),
    # the post reuses the job's message ID, so Chat keeps one message.
    fresh, _ = inline_runtime(settings_for(emu, tmp_path / "other.db"), demo_feature())
    assert fresh.jobs is not None
    assert isinstance(fresh.jobs, Recording)
    assert fresh.jobs.then.run(job, "after-a-crash")
    assert fresh.workspace.counts["handled"] == 1
    assert len(posted(emu, "The report: 42 open items")) == 1


def test_a_failing_job_is_delivered_again_and_posts_once(emu: ChatEmulator, tmp_path: Path) -> None:
    failures: list[BaseException] = [Unavailable("blip", status=503), TimeoutError("slow")]
    runtime, _ = inline_runtime(settings_for(emu, tmp_path / "n.db"), demo_feature(failures))
    send(runtime, "/report")
    assert failures == []
    assert runtime.workspace.counts["retry"] == 2
    assert runtime.workspace.counts["handled"] == 1
    assert len(posted(emu, "The report")) == 1


def test_the_same_interaction_twice_is_one_job(emu: ChatEmulator, tmp_path: Path) -> None:
    runtime, recording = inline_runtime(settings_for(emu, tmp_path / "n.db"), demo_feature())
    event = parse_event(legacy_message_event("/report"))
    runtime.app.handle(event)
    runtime.app.handle(event)  # Chat sent the same message's event again
    assert len({job.id for job in recording.jobs}) == 1
    assert len(posted(emu, "The report")) == 1


def test_by_default_locally_jobs_run_on_a_thread_after_the_answer(
    emu: ChatEmulator, tmp_path: Path
) -> None:
    settings = settings_for(emu, tmp_path / "n.db")
    assert settings.jobs_backend == "inline"
    runtime = Runtime(settings, features=[demo_feature()])
    use_runtime(runtime)
    reply = send(runtime, "/report")
    assert isinstance(reply, Reply)
    assert reply.text == "Working on it…"
    assert isinstance(runtime.jobs, InlineJobs)
    assert runtime.jobs.drain(timeout=20)
    assert len(posted(emu, "The report")) == 1
