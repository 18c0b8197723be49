"""Scheduled posts, exactly once, on time, within the tick: reminders, meeting reminders, …

Features declare each *kind* of scheduled post with ``feature.posts(kind, PostKind(...))``:
how to render it and how it moves on once posted. On every tick the engine:

1. **claims** due posts of every kind under a lease (``ReminderStore.claim_due``),
   oldest first, so overlapping ticks, retries and other instances never take the
   same one;
2. **posts** each through the Chat API client with a client-assigned message ID
   derived from ``(id, due_key)``: a tick that crashed after posting and before
   recording posts again under the same ID, and ``ALREADY_EXISTS`` means it was
   posted (the client then returns the existing message). Posts fan out across
   spaces on a thread pool while the client's pacer keeps each space to one write a
   second; each series replies in its own thread;
3. **advances** each to what comes next (its kind's ``after``), compare-and-set, so
   a person's click meanwhile wins.

Whatever cannot be posted before the tick's deadline is released at once, so the
next tick starts with it (oldest first). A space that answers 403 or 404 disables
the post and tells its owner in a DM. See docs/decisions/0012-the-tick.md.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.chat.render import render_message
from shared.chat.responses import Reply
from shared.chat.text import escape
from shared.chatapi.ids import client_message_id
from shared.core.ticks import Tick, TickReport
from shared.google.errors import ApiError, NotFound, PermissionDenied
from shared.services import Services
from shared.store.reminders import Reminder, ReminderState

log = logging.getLogger(__name__)

JOB_NAME = "posts.deliver"
#: A claim lasts this long: longer than any tick, so a live tick keeps what it holds.
LEASE_SECONDS = 180.0
#: Reminders claimed per tick at most (a minute of the project's message quota).
MAX_PER_TICK = 3000
CLAIM_BATCH = 500
#: Posts in flight at once (most of them wait for their space's next write slot).
WORKERS = 32
#: Stop starting posts this many seconds before the tick's deadline.
MARGIN_SECONDS = 2.0
#: A post this much after its time is marked late.
LATE_AFTER_SECONDS = 120.0


def _no_catch_up(reminder: Reminder, now: datetime) -> tuple[Reminder, int]:
    return reminder, 0


@dataclass(frozen=True)
class PostKind:
    """How a feature's kind of scheduled post is rendered and moves on.

    ``reply(post, now=, late=, skipped=)`` builds the message; ``after(post, message=,
    now=)`` is the post once delivered (its next occurrence, or DONE); ``catch_up(post,
    now)`` may skip missed occurrences before a late delivery (returns how many).
    """

    reply: Callable[..., Reply]
    after: Callable[..., Reminder]
    catch_up: Callable[[Reminder, datetime], tuple[Reminder, int]] = _no_catch_up


def is_late(reminder: Reminder, *, now: datetime) -> bool:
    """True when the delivery being made is more than ``LATE_AFTER_SECONDS`` behind."""
    fire = reminder.lease_fire if reminder.lease_fire is not None else reminder.next_fire
    return fire is not None and now.timestamp() - fire > LATE_AFTER_SECONDS


def disabled(reminder: Reminder, *, why: str) -> Reminder:
    """The post switched off for good (its space refused it), lease cleared."""
    return replace(
        reminder, state=ReminderState.DISABLED, note=why, lease_owner="", lease_fire=None
    )


@dataclass
class _Outcome:
    posted: int = 0
    released: int = 0
    disabled: int = 0
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)


class Delivery:
    """One tick's delivery run over every registered kind."""

    def __init__(
        self,
        tick: Tick,
        services: Services,
        kinds: Mapping[str, PostKind],
        *,
        workers: int = WORKERS,
    ) -> None:
        self.tick = tick
        self.services = services
        self.settings = services.settings
        self.worker = f"tick-{uuid.uuid4().hex[:12]}"
        self.workers = workers
        self.kinds = dict(kinds)
        self._dms: dict[str, str | None] = {}
        self._dm_lock = threading.Lock()
        self.outcome = _Outcome()

    # --- the run ----------------------------------------------------------------------

    def run(self) -> TickReport:
        store = self.services.reminders()
        now = self.tick.now.timestamp()
        claimed: list[Reminder] = []
        while len(claimed) < MAX_PER_TICK and self.tick.time_left() > MARGIN_SECONDS:
            batch = store.claim_due(
                now,
                limit=min(CLAIM_BATCH, MAX_PER_TICK - len(claimed)),
                lease_seconds=LEASE_SECONDS,
                worker=self.worker,
            )
            claimed.extend(batch)
            if len(batch) < CLAIM_BATCH:
                break
        if claimed:
            self._post_all(claimed)
        left = store.count_due(now)
        o = self.outcome
        log.info(
            "reminders delivered",
            extra={
                "fields": {
                    "claimed": len(claimed),
                    "posted": o.posted,
                    "released": o.released,
                    "disabled": o.disabled,
                    "failed": o.failed,
                    "left": left,
                }
            },
        )
        return TickReport(
            JOB_NAME,
            done=o.posted,
            left=left,
            notes=f"claimed {len(claimed)}, released {o.released}, disabled {o.disabled}",
        )

    def _post_all(self, claimed: list[Reminder]) -> None:
        """Oldest first, round-robin across spaces, so every space starts at once."""
        by_space: dict[str, list[Reminder]] = defaultdict(list)
        for reminder in claimed:  # claim_due returns them oldest first
            by_space[reminder.space or f"dm:{reminder.mention or reminder.owner}"].append(reminder)
        ordered = list(_round_robin(by_space.values()))
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="remind") as pool:
            list(pool.map(self._deliver_one, ordered))

    # --- one reminder -----------------------------------------------------------------

    def _deliver_one(self, reminder: Reminder) -> None:
        try:
            self._deliver(reminder)
        except Exception:
            log.exception(
                "could not deliver a reminder", extra={"fields": {"reminder": reminder.id}}
            )
            self.outcome.count("failed")
            self._release(reminder)

    def _deliver(self, reminder: Reminder) -> None:
        left = self.tick.time_left() - MARGIN_SECONDS
        if left <= 0:
            self._release(reminder)
            return
        kind = self.kinds.get(reminder.kind)
        if kind is None:
            log.error(
                "no feature posts this kind; leaving it for a deployment that does",
                extra={"fields": {"reminder": reminder.id, "kind": reminder.kind}},
            )
            self.outcome.count("failed")
            self._release(reminder)
            return
        space, extra_mention = self._target(reminder)
        if space is None:
            self._disable(reminder, "no space to post into (no DM with the recipient)")
            return
        now = self.tick.now
        reminder, skipped = kind.catch_up(reminder, now)
        late = is_late(reminder, now=now)
        reply = kind.reply(reminder, now=now, late=late, skipped=skipped)
        if extra_mention:
            reply = replace(reply, text=f"<{extra_mention}> {reply.text}".strip())
        body = render_message(
            reply,
            addon=self.settings.app_format == "addon",
            endpoint_url=self.settings.endpoint_url,
        )
        try:
            message = self.services.chat().create_message(
                space,
                body,
                thread_key=reminder.thread_key,
                message_id=client_message_id(reminder.id, reminder.due_key),
                deadline=left,
            )
        except (PermissionDenied, NotFound) as exc:
            self._disable(reminder, f"{exc.reason} from the Chat API in {space}")
            return
        except ApiError as exc:
            if exc.reason == "CLIENT_PACING":
                # The quota has no slot left before the deadline: the next tick posts it.
                self._release(reminder)
                return
            log.warning(
                "posting a reminder failed; the next tick retries",
                extra={"fields": {"reminder": reminder.id, "error": str(exc)[:200]}},
            )
            self.outcome.count("failed")
            self._release(reminder)
            return
        self.outcome.count("posted")
        moved = kind.after(reminder, message=str(message.get("name", "")), now=now)
        saved = self.services.reminders().save(moved)
        if saved is None:
            log.info(
                "a reminder changed while it was being delivered; keeping the change",
                extra={"fields": {"reminder": reminder.id}},
            )

    def _target(self, reminder: Reminder) -> tuple[str | None, str]:
        """``(space, mention to add)``: its space, the recipient's DM, or where it was set."""
        if reminder.space:
            return reminder.space, ""
        recipient = reminder.mention or reminder.owner
        dm = self._dm_of(recipient)
        if dm is not None:
            return dm, ""
        if reminder.origin_space:
            # No DM with the recipient: post where it was set, mentioning them.
            return reminder.origin_space, "" if reminder.mention else recipient
        return None, ""

    def _dm_of(self, user: str) -> str | None:
        with self._dm_lock:
            if user in self._dms:
                return self._dms[user]
        try:
            found = self.services.chat().find_direct_message(user)
            dm: str | None = str(found.get("name") or "") or None
        except NotFound:
            dm = None
        with self._dm_lock:
            self._dms[user] = dm
        return dm

    # --- bookkeeping ------------------------------------------------------------------

    def _release(self, reminder: Reminder) -> None:
        """Give a claimed reminder back, due at its own time, for the next tick."""
        released = replace(reminder, next_fire=reminder.lease_fire, lease_owner="", lease_fire=None)
        if self.services.reminders().save(released) is not None:
            self.outcome.count("released")

    def _disable(self, reminder: Reminder, why: str) -> None:
        log.warning(
            "disabled a reminder that cannot be posted",
            extra={"fields": {"reminder": reminder.id, "reason": why}},
        )
        if self.services.reminders().save(disabled(reminder, why=why)) is None:
            return
        self.outcome.count("disabled")
        dm = self._dm_of(reminder.owner)
        if dm is None:
            return
        text = (
            f"I could not post your reminder “{escape(reminder.text)}” ({escape(why)}), "
            f"so I switched it off. Reminder {reminder.id} stays in /reminders; delete it "
            "there, or add me back to that space and set it again."
        )
        try:
            self.services.chat().create_message(
                dm,
                render_message(Reply(text)),
                message_id=client_message_id(reminder.id, "disabled", reminder.due_key),
                deadline=max(self.tick.time_left() - MARGIN_SECONDS, 1.0),
            )
        except ApiError as exc:
            log.warning(
                "could not tell the owner about a disabled reminder",
                extra={"fields": {"reminder": reminder.id, "error": str(exc)[:200]}},
            )


def _round_robin(queues: Iterable[list[Reminder]]) -> Iterable[Reminder]:
    """The first of every queue, then the second of every queue, ..."""
    lists = [list(q) for q in queues]
    index = 0
    while True:
        row = [q[index] for q in lists if index < len(q)]
        if not row:
            return
        yield from row
        index += 1


def deliver_due(tick: Tick, services: Services, kinds: Mapping[str, PostKind]) -> TickReport:
    """The engine's tick job (the runtime runs it when any feature declares a kind)."""
    return Delivery(tick, services, kinds).run()
