"""At-least-once delivery, handled once: what Pub/Sub sees for every outcome, in every form.

* A message that can never be handled (malformed envelope, bad base64, data
  that is not JSON, an unknown type, ...) is acknowledged with its reason
  logged and counted, so it cannot poison the subscription.
* A transient failure (a retryable API error, a timeout, the store down, the
  same event busy in another delivery) raises, so Pub/Sub delivers it again;
  the redelivery then handles it, once.
* A redelivered or republished event that was handled does nothing; bots,
  Nudge included, are ignored; order is never assumed.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest

from devkit.emulator import ChatEmulator
from shared.config import Settings
from shared.core.workspace import LEASE_SECONDS, Permanent, RetryLater
from shared.google.errors import NotFound, PermissionDenied, Unavailable
from shared.store.events import Begin
from shared.wiring import Runtime, build_services
from shared.workspace.models import ChatMessageEvent
from tests.workspace.kit import (
    CHAT,
    JOB,
    OTHER_BOT,
    Door,
    Recorder,
    b64,
    chat_message,
    membership,
    message,
)

CREATED = f"{CHAT}message.v1.created"
DROPPED = "Dropping a Pub/Sub message that can never be handled"


def _ce(ce_type: str = CREATED) -> dict[str, str]:
    return {"ce-type": ce_type, "ce-id": "spaces/AAAA/spaceEvents/BAD", "ce-specversion": "1.0"}


MALFORMED: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("no ce-type", message(None, {"message": chat_message()}), "no ce-type attribute"),
    (
        "no ce-id",
        message(CREATED, {"message": chat_message()}, attributes={"ce-type": CREATED}),
        "no ce-id attribute",
    ),
    ("empty ce-id", message(CREATED, {}, ce_id=""), "no ce-id attribute"),
    ("bad base64", message(CREATED, raw="!!not base64!!"), "not base64-encoded JSON"),
    ("data not JSON", message(CREATED, raw=b64(b"hello, world")), "not base64-encoded JSON"),
    ("data not UTF-8", message(CREATED, raw=b64(b"\xff\xfe{")), "not base64-encoded JSON"),
    ("JSON not an object", message(CREATED, raw=b64(b"[1, 2, 3]")), "not a JSON object"),
    ("JSON a string", message(CREATED, raw=b64(b'"text"')), "not a JSON object"),
    ("unknown type", message("com.example.thing.v1.created", {}), "unknown event type"),
    ("unknown Chat type", message(f"{CHAT}widget.v1.created", {}), "unknown Chat event type"),
    ("unknown Chat action", message(f"{CHAT}message.v1.exploded", {}), "unknown Chat event type"),
    (
        "unknown lifecycle type",
        message("google.workspace.events.subscription.v1.renamed", {}),
        "unknown lifecycle event type",
    ),
    (
        "batch item without its resource",
        message(
            f"{CHAT}message.v1.batchCreated",
            {"messages": [{"message": chat_message(1)}, {"membership": membership(1)}]},
        ),
        "has no message object",
    ),
    ("single event without its resource", message(CREATED, {"space": {}}), "no message object"),
    ("message without a name", message(CREATED, {"message": {"text": "hi"}}), "has no name"),
    (
        "attributes not an object",
        {**message(CREATED, {}), "attributes": ["ce-type", CREATED]},
        "attributes is not an object",
    ),
    (
        "a job without a name",
        message(JOB, {"args": {}}, source="//nudge.dev/chat_app"),
        "the job has no name",
    ),
)


@pytest.mark.parametrize(
    ("sent", "reason"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_what_can_never_be_handled_is_acknowledged_with_a_logged_reason(
    sent: dict[str, Any],
    reason: str,
    door: Door,
    recorder: Recorder,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="shared.core.workspace"):
        assert door.deliver(sent) == "ack"
    assert recorder.seen == []
    assert runtime.workspace.counts["dropped"] == 1
    (record,) = [r for r in caplog.records if r.getMessage().startswith(DROPPED)]
    assert record.levelno == logging.ERROR
    assert reason in record.fields["reason"]  # type: ignore[attr-defined]
    assert reason in record.getMessage()


def test_a_message_without_data_or_id_is_refused_by_the_framework_before_the_door(
    runtime: Runtime,
) -> None:
    """functions-framework answers 400 to a push body it cannot read as Pub/Sub (no
    ``messageId`` or ``data``), so Pub/Sub retries it until the dead-letter topic takes it:
    real Pub/Sub always sends both, so only a hand-made request looks like this."""
    from tests.workspace.kit import make_door

    push = make_door("push")
    sent = message(CREATED, {"message": chat_message()})
    del sent["messageId"]
    assert push.deliver(sent) == "rejected"
    assert runtime.workspace.counts == {}


def test_a_cloud_event_without_a_pubsub_message_is_acknowledged(
    recorder: Recorder, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    from cloudevents.http.event import CloudEvent

    from functions.workspace_events import workspace_events

    event = CloudEvent(
        {"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//x", "id": "1"},
        {"subscription": "projects/p/subscriptions/s"},
    )
    with caplog.at_level(logging.INFO):
        workspace_events(event)
    assert runtime.workspace.counts["dropped"] == 1
    assert "no Pub/Sub message" in caplog.text


# --- transient failures: raise, so Pub/Sub delivers again ----------------------------------


TRANSIENT: tuple[tuple[str, BaseException], ...] = (
    ("Chat API 503", Unavailable("down", status=503, reason="UNAVAILABLE", method="x")),
    ("Chat API 429", Unavailable("slow down", status=429, reason="RESOURCE_EXHAUSTED")),
    ("API timeout", Unavailable("no answer", status=None, reason="DEADLINE_EXCEEDED")),
    ("socket timeout", TimeoutError("timed out")),
    ("a handler says later", RetryLater("the space is being set up")),
    ("store down inside the handler", sqlite3.OperationalError("database is locked")),
)


@pytest.mark.parametrize("error", [t[1] for t in TRANSIENT], ids=[t[0] for t in TRANSIENT])
def test_a_transient_failure_raises_and_the_redelivery_handles_it_once(
    error: BaseException, door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    sent = message(CREATED, {"message": chat_message()})
    recorder.fail(error)

    assert door.deliver(sent) == "retry"
    assert recorder.seen == []
    assert runtime.workspace.counts["retry"] == 1
    if door.form == "eventarc":
        assert door.errors == [error]

    assert door.deliver(sent) == "ack"  # Pub/Sub's redelivery
    assert door.deliver(sent) == "ack"  # and a duplicate after that
    assert recorder.ids == [sent["attributes"]["ce-id"]]
    assert runtime.workspace.counts["handled"] == 1
    assert runtime.workspace.counts["duplicate"] == 1


PERMANENT: tuple[tuple[str, BaseException], ...] = (
    ("Chat API 404", NotFound("gone", status=404, reason="NOT_FOUND")),
    ("Chat API 403", PermissionDenied("not a member", status=403, reason="PERMISSION_DENIED")),
    ("a handler gives up", Permanent("the space's settings are unreadable")),
)


@pytest.mark.parametrize("error", [p[1] for p in PERMANENT], ids=[p[0] for p in PERMANENT])
def test_a_permanent_handler_failure_is_logged_counted_and_acknowledged(
    error: BaseException,
    door: Door,
    recorder: Recorder,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent = message(CREATED, {"message": chat_message()})
    recorder.fail(error)
    with caplog.at_level(logging.INFO, logger="shared.core.workspace"):
        assert door.deliver(sent) == "ack"
        assert door.deliver(sent) == "ack"  # redelivered anyway: not tried again
    assert recorder.seen == []
    assert runtime.workspace.counts["failed_permanently"] == 1
    assert runtime.workspace.counts["duplicate"] == 1
    (record,) = [r for r in caplog.records if r.getMessage().startswith("Giving up")]
    assert str(error)[:50] in record.fields["reason"]  # type: ignore[attr-defined]


class FlakyEventLog:
    """The handled-events store, unreachable while ``down``."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.down = True

    def begin(self, key: str, *, now: float, lease_seconds: float) -> Begin:
        if self.down:
            raise sqlite3.OperationalError("unable to open database file")
        result: Begin = self.real.begin(key, now=now, lease_seconds=lease_seconds)
        return result

    def finish(self, key: str, *, expires_at: float) -> None:
        self.real.finish(key, expires_at=expires_at)

    def abandon(self, key: str) -> None:
        self.real.abandon(key)


def test_the_store_being_unavailable_raises_so_pubsub_retries(
    door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    backend = runtime.services.events  # the Lazy cell
    flaky = FlakyEventLog(backend())
    object.__setattr__(runtime.services, "events", type(backend).of(flaky))
    sent = message(CREATED, {"message": chat_message()})

    assert door.deliver(sent) == "retry"
    assert recorder.seen == []
    flaky.down = False
    assert door.deliver(sent) == "ack"
    assert len(recorder.seen) == 1


def test_the_same_event_busy_in_another_delivery_raises(
    door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    sent = message(CREATED, {"message": chat_message()})
    ce_id = sent["attributes"]["ce-id"]
    clock = runtime.workspace.clock
    # Another instance began this event a moment ago and is still working on it.
    assert runtime.services.events().begin(ce_id, now=clock(), lease_seconds=LEASE_SECONDS) is (
        Begin.NEW
    )

    assert door.deliver(sent) == "retry"
    assert runtime.workspace.counts["busy"] == 1
    if door.form == "eventarc":
        assert isinstance(door.errors[0], RetryLater)
    assert recorder.seen == []

    # It finished: the redelivery is a duplicate.
    runtime.services.events().finish(ce_id, expires_at=clock() + 3600)
    assert door.deliver(sent) == "ack"
    assert recorder.seen == []
    assert runtime.workspace.counts["duplicate"] == 1


def test_a_delivery_that_died_mid_handling_is_taken_over_after_its_lease(
    door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    sent = message(CREATED, {"message": chat_message()})
    ce_id = sent["attributes"]["ce-id"]
    long_ago = runtime.workspace.clock() - LEASE_SECONDS - 1
    runtime.services.events().begin(ce_id, now=long_ago, lease_seconds=LEASE_SECONDS)
    assert door.deliver(sent) == "ack"
    assert recorder.ids == [ce_id]


# --- duplicates, bots, order ----------------------------------------------------------------


def test_redelivery_and_republication_of_a_handled_event_do_nothing(
    door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    sent = message(CREATED, {"message": chat_message()})
    assert door.deliver(sent) == "ack"
    assert door.deliver(sent) == "ack"  # Pub/Sub redelivers the same message
    # Workspace publishes the same event again: a new Pub/Sub message ID, the same ce-id.
    republished = {**sent, "messageId": "77777"}
    assert door.deliver(republished) == "ack"
    assert len(recorder.seen) == 1
    assert runtime.workspace.counts["duplicate"] == 2


def test_a_batch_that_fails_midway_resumes_where_it_stopped(
    door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    items = [{"message": chat_message(n)} for n in (1, 2, 3)]
    sent = message(f"{CHAT}message.v1.batchCreated", {"messages": items})
    ce_id = sent["attributes"]["ce-id"]
    seen_first: list[str] = []

    def fail_the_second(event: Any, services: Any) -> None:
        seen_first.append(event.id)
        if event.id.endswith("#1") and len(seen_first) == 2:
            raise Unavailable("blip", status=503)

    recorder.also = fail_the_second
    assert door.deliver(sent) == "retry"
    assert recorder.ids == [f"{ce_id}#0"]
    assert door.deliver(sent) == "ack"
    assert recorder.ids == [f"{ce_id}#0", f"{ce_id}#1", f"{ce_id}#2"]


def test_messages_from_bots_are_ignored(door: Door, recorder: Recorder, runtime: Runtime) -> None:
    sent = message(CREATED, {"message": chat_message(sender=OTHER_BOT)})
    assert door.deliver(sent) == "ack"
    updated = message(f"{CHAT}message.v1.updated", {"message": chat_message(sender=OTHER_BOT)})
    assert door.deliver(updated) == "ack"
    assert recorder.seen == []
    assert runtime.workspace.counts["ignored_bot"] == 2


def test_nudges_own_posts_are_ignored(door: Door, recorder: Recorder, runtime: Runtime) -> None:
    """What Chat reports for a message Nudge posted: the resource the API returned."""
    with ChatEmulator() as emulator:
        settings = Settings(chat_api_endpoint=emulator.url, chat_api_token="app-token")
        posted = build_services(settings).chat().create_message("spaces/AAAA", {"text": "Hi"})
    assert posted["sender"]["type"] == "BOT"
    for action in ("created", "updated"):
        assert door.deliver(message(f"{CHAT}message.v1.{action}", {"message": posted})) == "ack"
    batch = {"messages": [{"message": posted}, {"message": chat_message(2)}]}
    assert door.deliver(message(f"{CHAT}message.v1.batchCreated", batch)) == "ack"
    # Only the human's message in the batch reached the feature.
    assert [e.message.name for e in recorder.seen if isinstance(e, ChatMessageEvent)] == [
        "spaces/AAAA/messages/M2.M2"
    ]
    assert runtime.workspace.counts["ignored_bot"] == 3


def test_an_update_before_its_creation_breaks_nothing(
    door: Door, recorder: Recorder, runtime: Runtime
) -> None:
    """Delivery is unordered: each is its own event (own ce-id), handled once, whatever order."""
    created = chat_message(1, text="first draft")
    updated = {**chat_message(1, text="final text"), "lastUpdateTime": "2026-11-30T10:05:00Z"}
    deleted = {"name": created["name"], "deletionMetadata": {"deletionType": "CREATOR"}}
    for ce_type, payload in (
        (f"{CHAT}message.v1.deleted", deleted),
        (f"{CHAT}message.v1.updated", updated),
        (CREATED, created),
    ):
        assert door.deliver(message(ce_type, {"message": payload})) == "ack"
    assert [e.type.rsplit(".", 1)[1] for e in recorder.seen] == ["deleted", "updated", "created"]
    assert runtime.workspace.counts["handled"] == 3


def test_a_job_no_feature_handles_is_dropped_with_a_reason(
    door: Door, recorder: Recorder, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    sent = message(JOB, {"job": "someone.else", "args": {}}, source="//nudge.dev/chat_app")
    with caplog.at_level(logging.INFO, logger="shared.core.workspace"):
        assert door.deliver(sent) == "ack"
    assert runtime.workspace.counts["unknown_job"] == 1
    assert "no installed feature handles it" in caplog.text
