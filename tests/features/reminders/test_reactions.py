"""✅ on a delivered reminder is its Done button: through ``workspace_events`` and the emulator."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cloudevents.http.event import CloudEvent

from devkit.emulator import ChatEmulator
from functions.reminders import reminders_tick
from shared.chat.render import render_message
from shared.chatapi.pacing import Pacer
from shared.config import Settings
from shared.features.reminders import cards, feature, model
from shared.features.reminders.reactions import done_button
from shared.schedules import rules
from shared.schedules.schedule import Schedule
from shared.store.reminders import Reminder, ReminderState
from shared.wiring import Runtime, build_services, reset_runtime, use_runtime
from tests.features.automations.kit import ALEX, CHAT, DEV, bot, deliver, env_for, human, posted

REACTION = CHAT + "reaction.v1.created"
ZONE = "Europe/Berlin"
SPACE = "spaces/AAAA"  # Dev (the owner) and Alex are in it
DM = "spaces/DM1"  # Dev's DM with the app


@pytest.fixture(scope="module")
def emulator() -> Iterator[ChatEmulator]:
    with ChatEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: ChatEmulator) -> ChatEmulator:
    emulator.reset()
    emulator.set_faults()
    emulator.set_quotas(False)
    return emulator


def start(emu: ChatEmulator, database: Path, **env: str) -> Runtime:
    settings = Settings.from_env(env_for(emu, database) | env)
    services = build_services(settings, pacer=Pacer(interval=0, slack=0))
    current = Runtime(settings, services=services, features=[feature])
    use_runtime(current)
    return current


@pytest.fixture
def runtime(emu: ChatEmulator, tmp_path: Path) -> Iterator[Runtime]:
    yield start(emu, tmp_path / "nudge.db")
    reset_runtime()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def tick(at: datetime) -> None:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    message = {"data": base64.b64encode(b"{}").decode(), "messageId": "1", "publishTime": stamp}
    reminders_tick(
        CloudEvent(
            {
                "type": "google.cloud.pubsub.topic.v1.messagePublished",
                "source": "//pubsub.googleapis.com/projects/p/topics/nudge-tick",
                "id": f"tick-{stamp}",
                "time": stamp,
            },
            {"message": message},
        )
    )


def reminder(space: str = SPACE, **overrides: Any) -> Reminder:
    due = now() - timedelta(seconds=30)
    values: dict[str, Any] = {
        "id": "r00000001",
        "owner": DEV,
        "text": "water the plants",
        "space": space,
        "origin_space": SPACE,
        "schedule": Schedule.once_at(due, ZONE).to_storage(),
        "zone": ZONE,
        "next_fire": due.timestamp(),
        "due_key": model.key_of(due),
        "thread_key": "nudge-reminder-r00000001",
        "created_at": due.timestamp() - 3600,
    }
    values.update(overrides)
    return Reminder(**values)


def nagging(**overrides: Any) -> Reminder:
    return reminder(nag_every=1800, nag_cap=5, **overrides)


def daily(first: datetime) -> Reminder:
    local = first.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None, second=0, microsecond=0)
    parts = rules.normalize({"FREQ": "DAILY"}, local.date(), local.time())
    schedule = Schedule(ZONE, local, rules.format_rule(parts))
    due = schedule.next_after(first - timedelta(minutes=1))
    assert due is not None
    return reminder(
        schedule=schedule.to_storage(), next_fire=due.timestamp(), due_key=model.key_of(due)
    )


def delivered(runtime: Runtime, emu: ChatEmulator, item: Reminder, space: str = SPACE) -> str:
    """Store ``item``, let the tick post it, and return the posted message's name."""
    runtime.services.reminders().add(item)
    tick(now())
    (post,) = posted(emu, space)
    stored = runtime.services.reminders().get(item.id)
    assert stored is not None
    assert stored.last_message == post["name"]
    return str(post["name"])


def react(
    message: str, user: dict[str, Any] | None = None, emoji: str = "✅", ce_id: str = ""
) -> str:
    reaction = {
        "name": f"{message}/reactions/{abs(hash((message, emoji))) % 10**8}",
        "user": user or human(ALEX, "Alex Example"),
        "emoji": {"unicode": emoji},
    }
    return deliver(REACTION, {"reaction": reaction}, ce_id=ce_id)


def current(runtime: Runtime) -> Reminder:
    found = runtime.services.reminders().get("r00000001")
    assert found is not None
    return found


def post_of(emu: ChatEmulator, name: str, space: str = SPACE) -> dict[str, Any]:
    (post,) = [m for m in posted(emu, space) if m["name"] == name]
    return post


def test_a_check_mark_stops_a_nagging_reminder_like_done(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    name = delivered(runtime, emu, nagging())
    assert model.is_nag(current(runtime))  # it would nudge again in 30 minutes
    ce_id = react(name)  # Alex: anyone in the space may mark a reminder posted there done
    assert current(runtime).state is ReminderState.DONE
    post = post_of(emu, name)
    assert post["text"] == "⏰ water the plants"
    card = str(post["cardsV2"])
    assert "Done ✓ by Alex Example (✅)" in card
    assert "reminders.done" not in card
    assert "reminders.snooze" not in card
    version = current(runtime).version
    react(name, ce_id=ce_id)  # redelivered: deduplicated
    react(name)  # published again: the post has no Done button any more
    assert current(runtime).version == version
    tick(now() + timedelta(hours=1))  # no more nudges
    assert len(posted(emu, SPACE)) == 1


def test_a_check_mark_on_an_old_post_does_not_skip_the_next_occurrence(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    name = delivered(runtime, emu, daily(now() - timedelta(seconds=30)))
    pending = current(runtime)
    assert pending.next_fire is not None
    assert pending.next_fire > now().timestamp()  # moved on to tomorrow
    react(name)
    after = current(runtime)
    assert (after.due_key, after.next_fire, after.state) == (
        pending.due_key,
        pending.next_fire,
        ReminderState.ACTIVE,
    )
    assert "Done ✓ by Alex Example" in str(post_of(emu, name)["cardsV2"])


def test_only_people_who_may_press_done_can_use_the_check_mark(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    name = delivered(runtime, emu, nagging(space=""), space=DM)  # Dev's own, in Dev's DM
    before = current(runtime)
    react(name)  # Alex is neither the owner nor the recipient
    assert current(runtime) == before
    assert "reminders.done" in str(post_of(emu, name, DM)["cardsV2"])
    react(name, human(DEV, "Dev User"))
    assert current(runtime).state is ReminderState.DONE


@pytest.mark.parametrize(
    ("user", "emoji"),
    [
        (bot(), "✅"),  # apps' reactions are ignored
        (None, "👍"),  # only ✅
        (None, ":white_check_mark_ish:"),
    ],
)
def test_other_reactions_change_nothing(
    runtime: Runtime, emu: ChatEmulator, user: dict[str, Any] | None, emoji: str
) -> None:
    name = delivered(runtime, emu, nagging())
    before = current(runtime)
    react(name, user, emoji)
    assert current(runtime) == before


def test_a_check_mark_on_a_message_that_is_not_a_reminder_is_ignored(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    react(f"{SPACE}/messages/not-there")  # Nudge cannot read it
    plain = runtime.services.chat().create_message(SPACE, {"text": "just a message"})
    react(str(plain["name"]))  # Nudge's own, without a Done button
    assert runtime.workspace.counts["handled"] == 2
    assert [m["text"] for m in posted(emu, SPACE)] == ["just a message"]


@pytest.mark.parametrize("app_format", ["legacy", "addon"])
def test_the_done_button_is_read_in_both_formats(app_format: str) -> None:
    item = reminder()
    reply = cards.delivered_reply(item, now=now(), late=False, skipped=0)
    body = render_message(
        reply,
        addon=app_format == "addon",
        endpoint_url="https://example.com/chat_app" if app_format == "addon" else None,
    )
    assert done_button(body) == ("r00000001", model.occurrence_key(item))
    assert done_button({"text": "no card"}) is None


def test_in_add_on_format_the_check_mark_works_too(emu: ChatEmulator, tmp_path: Path) -> None:
    runtime = start(
        emu,
        tmp_path / "nudge.db",
        NUDGE_APP_FORMAT="addon",
        NUDGE_PUBLIC_URL="https://example.com/chat_app",
    )
    try:
        name = delivered(runtime, emu, nagging())
        react(name)
        assert current(runtime).state is ReminderState.DONE
    finally:
        reset_runtime()


def test_a_click_meanwhile_is_re_read_not_overwritten(runtime: Runtime, emu: ChatEmulator) -> None:
    name = delivered(runtime, emu, nagging())
    store = runtime.services.reminders()
    saves: list[int] = []
    original = store.save

    def racing_save(changed: Reminder) -> Reminder | None:
        if not saves:  # someone snoozes it just before the ✅ lands
            saves.append(1)
            snoozed = model.snoozed(current(runtime), until=now() + timedelta(hours=1))
            assert original(snoozed) is not None
        return original(changed)

    store.save = racing_save  # type: ignore[method-assign]
    try:
        react(name)
    finally:
        store.save = original  # type: ignore[method-assign]
    assert current(runtime).state is ReminderState.DONE  # the snooze's occurrence, now done


def test_a_check_mark_before_the_tick_recorded_its_post_wins(
    runtime: Runtime, emu: ChatEmulator
) -> None:
    # Out of order: the tick posted, and the ✅ arrives before the tick saved the delivery.
    store = runtime.services.reminders()
    store.add(nagging())
    (claimed,) = store.claim_due(now().timestamp(), limit=1, lease_seconds=180, worker="tick-1")
    reply = cards.delivered_reply(claimed, now=now(), late=False, skipped=0)
    post = runtime.services.chat().create_message(
        SPACE, render_message(reply), thread_key=claimed.thread_key
    )
    react(str(post["name"]))
    assert current(runtime).state is ReminderState.DONE
    late = model.delivered(claimed, message=str(post["name"]), now=now())
    assert store.save(late) is None  # the tick's compare-and-set loses: no nagging resumes
    assert current(runtime).state is ReminderState.DONE
