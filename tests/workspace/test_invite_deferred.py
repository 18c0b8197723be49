"""``/invite`` for more than a few people: answered at once, the ``account.invite`` job adds
them as the caller and posts the outcome privately, once.

Against the Chat API emulator, which introspects the user's access token at the
fake OAuth server, so only a really issued (and refreshed) grant works.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from devkit.oauth_server import OAuthServer
from devkit.sample_events import legacy_message_event
from shared.chat.events.parse import parse_event
from shared.chat.responses import Reply, RequestConfig
from shared.chatapi.pacing import Pacer
from shared.config import Settings
from shared.features import account
from shared.features.account.commands import INVITE_AT_ONCE
from shared.wiring import Runtime, build_services, reset_runtime, use_runtime
from shared.workspace.jobs import InlineJobs, Job
from tests.workspace.kit import CLIENT_ID, CLIENT_SECRET, DEV_USER, MEMBERSHIPS, grant

PEOPLE = [f"person{n}@example.com" for n in range(1, 6)]


class Recording:
    def __init__(self, then: InlineJobs) -> None:
        self.then = then
        self.jobs: list[Job] = []

    def publish(self, job: Job) -> str:
        self.jobs.append(job)
        return self.then.publish(job)


@pytest.fixture
def oauth() -> Iterator[OAuthServer]:
    user_id = DEV_USER.removeprefix("users/")
    with OAuthServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user_id=user_id) as server:
        yield server


@pytest.fixture
def emulator(oauth: OAuthServer) -> Iterator[ChatEmulator]:
    with ChatEmulator(tokeninfo_url=oauth.tokeninfo_url) as emu:
        emu.register_token("app-token", kind="app", scopes=["chat.bot"])
        for n, email in enumerate(PEOPLE, 1):
            emu.add_user(f"users/5{n:020d}", email=email, display_name=f"Person {n}")
        yield emu


@pytest.fixture
def stack(
    oauth: OAuthServer, emulator: ChatEmulator, tmp_path: Path
) -> Iterator[tuple[Runtime, Recording]]:
    import base64
    import os

    env = {
        **oauth.settings_env(),
        "NUDGE_TOKEN_KEY": base64.b64encode(os.urandom(32)).decode(),
        "NUDGE_DATABASE": str(tmp_path / "nudge.db"),
        "NUDGE_PUBLIC_URL": "http://127.0.0.1:9/chat",
        "NUDGE_VERIFY_REQUESTS": "false",
        "NUDGE_CHAT_API_ENDPOINT": emulator.url,
        "NUDGE_CHAT_API_TOKEN": "app-token",
    }
    settings = Settings.from_env(env)
    holder: list[Runtime] = []
    recording = Recording(
        InlineJobs(lambda data: holder[0].deliver(data), background=False, sleep=lambda s: 0)
    )
    services = build_services(settings, pacer=Pacer(interval=0, slack=0))
    holder.append(Runtime(settings, features=[account.feature], services=services, jobs=recording))
    use_runtime(holder[0])
    yield holder[0], recording
    reset_runtime()


def invite(runtime: Runtime, people: list[str]) -> Any:
    return runtime.app.handle(parse_event(legacy_message_event("/invite " + " ".join(people))))


def private_posts(emulator: ChatEmulator) -> list[dict[str, Any]]:
    return [m for m in emulator.messages("spaces/AAAA") if m.get("privateMessageViewer")]


def test_many_people_are_added_by_a_job_that_posts_the_outcome_once(
    stack: tuple[Runtime, Recording], oauth: OAuthServer, emulator: ChatEmulator
) -> None:
    runtime, recording = stack
    grant(oauth, runtime.settings, DEV_USER, (MEMBERSHIPS,))
    people = PEOPLE[: INVITE_AT_ONCE + 1]

    reply = invite(runtime, people)

    assert isinstance(reply, Reply)
    assert reply.private
    assert reply.text.startswith(f"Adding {len(people)} people to this space")
    (job,) = recording.jobs
    assert job.name == "account.invite"
    assert job.args["user"] == DEV_USER
    (outcome,) = private_posts(emulator)
    assert outcome["privateMessageViewer"]["name"] == DEV_USER
    assert outcome["text"].startswith("*Joined:*")
    for n in range(1, len(people) + 1):
        assert f"person{n}@example.com" in outcome["text"]

    # The job runs again with its dedupe mark gone (expired): nobody is added twice (Chat
    # says ALREADY_EXISTS) and the post reuses the job's message ID, so still one message.
    runtime.services.events().finish(job.id, expires_at=0)
    assert recording.then.run(job, "redelivered")
    assert runtime.workspace.counts["handled"] == 2
    assert len(private_posts(emulator)) == 1


def test_a_few_people_are_still_added_while_chat_waits(
    stack: tuple[Runtime, Recording], oauth: OAuthServer, emulator: ChatEmulator
) -> None:
    runtime, recording = stack
    grant(oauth, runtime.settings, DEV_USER, (MEMBERSHIPS,))
    reply = invite(runtime, PEOPLE[:INVITE_AT_ONCE])
    assert isinstance(reply, Reply)
    assert reply.text.startswith("*Joined:*")
    assert recording.jobs == []
    assert private_posts(emulator) == []


def test_without_the_grant_the_caller_is_asked_first_and_nothing_is_deferred(
    stack: tuple[Runtime, Recording],
) -> None:
    runtime, recording = stack
    reply = invite(runtime, PEOPLE)
    assert isinstance(reply, RequestConfig)
    assert recording.jobs == []


def test_a_grant_revoked_before_the_job_runs_is_reported_to_the_caller(
    stack: tuple[Runtime, Recording], oauth: OAuthServer, emulator: ChatEmulator
) -> None:
    runtime, _ = stack
    grant(oauth, runtime.settings, DEV_USER, (MEMBERSHIPS,))
    oauth.revoke_all()  # the user removed Nudge's access at myaccount.google.com
    invite(runtime, PEOPLE)
    (outcome,) = private_posts(emulator)
    assert "Run /invite again" in outcome["text"]
    assert runtime.workspace.counts["handled"] == 1
