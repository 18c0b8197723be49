"""Names-only payloads: a handler that needs the message's body fetches it through the Chat API.

Against the local Chat API emulator, with the runtime's own Chat client (app auth).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from shared.chat.events.models import Message
from shared.config import Settings
from shared.core.workspace import message_body
from shared.google.errors import NotFound
from shared.services import Services
from shared.wiring import Runtime, build_services, reset_runtime, use_runtime
from shared.workspace.models import ChatMessageEvent, WorkspaceEvent
from tests.workspace.kit import CHAT, Door, Recorder, make_door, message


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emu:
        yield emu


@pytest.fixture
def wired(
    emulator: ChatEmulator, tmp_path: Path, recorder: Recorder
) -> Iterator[tuple[Runtime, Door]]:
    emulator.reset()
    emulator.set_faults()
    settings = Settings(
        verify_requests=False,
        database=str(tmp_path / "nudge.db"),
        chat_api_endpoint=emulator.url,
        chat_api_token="app-token",
    )
    current = Runtime(settings, features=[recorder.feature], services=build_services(settings))
    use_runtime(current)
    yield current, make_door("push")
    reset_runtime()


def names_only(name: str, action: str = "created") -> dict[str, Any]:
    return message(f"{CHAT}message.v1.{action}", {"message": {"name": name}})


def test_a_names_only_event_is_fetched_when_the_handler_needs_the_body(
    wired: tuple[Runtime, Door], recorder: Recorder, emulator: ChatEmulator
) -> None:
    runtime, door = wired
    posted = runtime.services.chat().create_message("spaces/AAAA", {"text": "Ship it *today*"})
    bodies: list[Message] = []

    def read(event: WorkspaceEvent, services: Services) -> None:
        assert isinstance(event, ChatMessageEvent)
        bodies.append(message_body(event, services))

    recorder.also = read
    before = len(emulator.requests())
    assert door.deliver(names_only(posted["name"])) == "ack"
    (body,) = bodies
    assert body.name == posted["name"]
    assert body.text == "Ship it *today*"
    assert body.sender is not None
    assert body.sender.is_bot
    fetched = [r for r in emulator.requests()[before:] if r.get("method") == "GET"]
    assert len(fetched) == 1, emulator.requests()[before:]


def test_a_full_event_and_a_deletion_are_not_fetched(
    wired: tuple[Runtime, Door], emulator: ChatEmulator
) -> None:
    runtime, _ = wired
    services = runtime.services
    full = ChatMessageEvent(
        id="e1",
        type=f"{CHAT}message.v1.created",
        space="spaces/AAAA",
        message=Message(name="spaces/AAAA/messages/X", text="here already"),
    )
    deleted = ChatMessageEvent(
        id="e2",
        type=f"{CHAT}message.v1.deleted",
        space="spaces/AAAA",
        message=Message(name="spaces/AAAA/messages/GONE"),
        names_only=True,
    )
    before = len(emulator.requests())
    assert message_body(full, services).text == "here already"
    assert message_body(deleted, services).name == "spaces/AAAA/messages/GONE"
    assert emulator.requests()[before:] == []


def test_a_message_that_is_gone_gives_the_event_up(
    wired: tuple[Runtime, Door], recorder: Recorder
) -> None:
    runtime, door = wired

    def read(event: WorkspaceEvent, services: Services) -> None:
        assert isinstance(event, ChatMessageEvent)
        message_body(event, services)

    recorder.also = read
    assert door.deliver(names_only("spaces/AAAA/messages/NOPE.NOPE")) == "ack"
    assert runtime.workspace.counts["failed_permanently"] == 1
    with pytest.raises(NotFound):
        message_body(
            ChatMessageEvent(
                id="x",
                type=f"{CHAT}message.v1.updated",
                space="spaces/AAAA",
                message=Message(name="spaces/AAAA/messages/NOPE.NOPE"),
                names_only=True,
            ),
            runtime.services,
        )


def test_the_chat_api_failing_makes_pubsub_deliver_again(
    wired: tuple[Runtime, Door], recorder: Recorder, emulator: ChatEmulator
) -> None:
    runtime, door = wired
    posted = runtime.services.chat().create_message("spaces/AAAA", {"text": "later"})
    texts: list[str] = []

    def read(event: WorkspaceEvent, services: Services) -> None:
        assert isinstance(event, ChatMessageEvent)
        texts.append(message_body(event, services).text)

    recorder.also = read
    # Every attempt of the client's own retries fails: the delivery fails, Pub/Sub retries.
    emulator.set_faults(error_rate=1.0, statuses=[503], retry_after=0)
    client = runtime.services.chat()
    client.retry = type(client.retry)(max_attempts=2, initial_backoff=0.0, deadline=5)
    sent = names_only(posted["name"], "updated")
    assert door.deliver(sent) == "retry"
    emulator.set_faults()
    assert door.deliver(sent) == "ack"
    assert texts == ["later"]
