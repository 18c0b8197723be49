"""Reminder state transitions: create, deliver, nag, acknowledge, snooze. Pure functions.

A reminder's next delivery is ``(next_fire, due_key)``. ``due_key`` names it:
the occurrence's UTC time (``2026-12-01T09:00:00Z``), plus ``#nag3`` for the
third nudge of that occurrence or ``#snooze-<time>`` when it was snoozed. A
posted message's ID is derived from ``(reminder id, due_key)``, so a retried
delivery posts the very same message and never a second one.

**Catch-up after an outage.** Each missed occurrence is delivered once, in
order (one per tick), marked late; when more than ``CATCH_UP_MAX`` of one
reminder were missed, only the newest ``CATCH_UP_MAX`` are delivered and the
first of them says how many were skipped (``catch_up``). A one-off is always
delivered, however late.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shared.schedules.grammar import Nag, ParsedReminder, Recipient, RecipientKind
from shared.schedules.schedule import Schedule
from shared.store.reminders import Reminder, ReminderState

#: Missed occurrences of one reminder delivered after an outage, at most.
CATCH_UP_MAX = 3
#: How far back ``catch_up`` counts missed occurrences (beyond it, they are just skipped).
_CATCH_UP_SCAN = 10_000
_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_id() -> str:
    """A short, unambiguous reminder ID people can type: ``r`` + 8 characters."""
    return "r" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def id_from(seed: str) -> str:
    """A reminder ID derived from ``seed``: the same seed always gives the same ID.

    For creations a retried or double click may repeat (the one-click time-zone card):
    the second ``ReminderStore.add`` then fails instead of storing a twin.
    """
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return "r" + "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:8])


def key_of(instant: datetime) -> str:
    """The ``due_key`` of an occurrence at ``instant``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def occurrence_of(reminder: Reminder) -> datetime:
    """The occurrence the pending delivery belongs to (the part of ``due_key`` before ``#``)."""
    base = reminder.due_key.split("#", 1)[0]
    return datetime.fromisoformat(base).astimezone(UTC)  # "…Z": fromisoformat reads it


def schedule_of(reminder: Reminder) -> Schedule:
    return Schedule.from_storage(reminder.schedule)


def is_nag(reminder: Reminder) -> bool:
    return "#nag" in reminder.due_key


def create(
    parsed: ParsedReminder,
    *,
    owner: str,
    space: str,
    space_is_dm: bool,
    now: datetime,
    reminder_id: str | None = None,
) -> Reminder:
    """A new active reminder for a parse that has its schedule (``parsed.schedule``)."""
    if parsed.schedule is None:
        raise ValueError("the reminder needs the user's time zone first")
    return scheduled(
        parsed.schedule,
        what=parsed.what,
        who=parsed.who,
        nag=parsed.nag,
        owner=owner,
        space=space,
        space_is_dm=space_is_dm,
        now=now,
        reminder_id=reminder_id,
    )


def scheduled(
    schedule: Schedule,
    *,
    what: str,
    who: Recipient,
    nag: Nag | None = None,
    owner: str,
    space: str,
    space_is_dm: bool,
    now: datetime,
    reminder_id: str | None = None,
) -> Reminder:
    """A new active reminder on ``schedule`` (a parse's, or one built by the /remind dialog)."""
    first = schedule.next_after(now)
    if first is None:
        raise ValueError("the schedule never fires after now")
    rid = reminder_id or new_id()
    if who.kind is RecipientKind.HERE:
        target, mention = space, ""
    elif who.kind is RecipientKind.USER:
        target, mention = "", who.user or ""
    else:  # me: this DM, or the owner's DM with the app when set in a space
        target, mention = (space if space_is_dm else ""), ""
    stamp = now.timestamp()
    return Reminder(
        id=rid,
        owner=owner,
        text=what,
        space=target,
        origin_space=space,
        mention=mention,
        schedule=schedule.to_storage(),
        zone=schedule.zone,
        state=ReminderState.ACTIVE,
        next_fire=first.timestamp(),
        due_key=key_of(first),
        thread_key=f"nudge-reminder-{rid}",
        nag_every=int(nag.every.total_seconds()) if nag else 0,
        nag_cap=nag.limit if nag else 0,
        created_at=stamp,
        updated_at=stamp,
    )


def _following(reminder: Reminder, after: datetime, now: datetime) -> tuple[Reminder, int]:
    """The reminder moved to its first occurrence after ``after`` (DONE when there is none).

    The second value is always 0 here; the catch-up cap is ``catch_up``'s, applied
    before a late occurrence is delivered.
    """
    upcoming = schedule_of(reminder).next_after(after)
    if upcoming is None:
        return replace(reminder, state=ReminderState.DONE, next_fire=None, due_key=""), 0
    moved = replace(reminder, next_fire=upcoming.timestamp(), due_key=key_of(upcoming), nag_count=0)
    return moved, 0


def catch_up(reminder: Reminder, *, now: datetime) -> tuple[Reminder, int]:
    """Before delivering: apply the catch-up cap to a recurring reminder that fell behind.

    When more than ``CATCH_UP_MAX`` of its occurrences are due at ``now``, the
    pending delivery moves to the oldest of the newest ``CATCH_UP_MAX``; returns
    the reminder and how many occurrences were skipped (0 when none). Nags and
    snoozes are delivered as they are.
    """
    if "#" in reminder.due_key or not reminder.due_key:
        return reminder, 0
    schedule = schedule_of(reminder)
    occurrence = occurrence_of(reminder)
    if not schedule.is_recurring or occurrence > now:
        return reminder, 0
    due = [occurrence]
    moment: datetime | None = occurrence
    while moment is not None and len(due) <= _CATCH_UP_SCAN:
        moment = schedule.next_after(moment)
        if moment is None or moment > now:
            break
        due.append(moment)
    if len(due) <= CATCH_UP_MAX:
        return reminder, 0
    skipped = len(due) - CATCH_UP_MAX
    first = due[skipped]
    moved = replace(reminder, due_key=key_of(first), lease_fire=first.timestamp())
    return moved, skipped


def delivered(reminder: Reminder, *, message: str, now: datetime) -> Reminder:
    """After posting its pending delivery: the next nag, or the next occurrence.

    Also clears the lease and records the posted message.
    """
    base = replace(reminder, lease_owner="", lease_fire=None, last_message=message)
    occurrence = occurrence_of(reminder)
    if reminder.nag_every and reminder.nag_count < reminder.nag_cap:
        nag_at = now + timedelta(seconds=reminder.nag_every)
        regular = schedule_of(reminder).next_after(occurrence)
        if regular is None or nag_at < regular:
            count = reminder.nag_count + 1
            return replace(
                base,
                next_fire=nag_at.timestamp(),
                due_key=f"{key_of(occurrence)}#nag{count}",
                nag_count=count,
            )
    moved, _ = _following(base, occurrence, now)
    return moved


def acknowledged(reminder: Reminder, *, now: datetime, of: str | None = None) -> Reminder:
    """Done (a button or a ✅): stop nudging about this occurrence; a finished one-off is DONE.

    ``of`` is the occurrence key the button or reaction refers to: when the
    reminder has moved on past it, Done changes nothing. Without ``of`` (the
    list's Done), the pending occurrence is the one done, so a recurring
    reminder skips it.
    """
    if not reminder.due_key or reminder.state is not ReminderState.ACTIVE:
        return reminder
    if of is not None and key_of(occurrence_of(reminder)) != of:
        return reminder
    moved, _ = _following(reminder, occurrence_of(reminder), now)
    return replace(moved, lease_owner="", lease_fire=None)


def snoozed(reminder: Reminder, *, until: datetime) -> Reminder:
    """Deliver the pending occurrence again at ``until`` (then carry on as before)."""
    if reminder.state is not ReminderState.ACTIVE or not reminder.due_key:
        raise ValueError("only an active reminder can be snoozed")
    if reminder.next_fire is None:
        raise ValueError("nothing is pending to snooze")
    occurrence = occurrence_of(reminder)
    return replace(
        reminder,
        next_fire=until.timestamp(),
        due_key=f"{key_of(occurrence)}#snooze-{key_of(until)}",
        nag_count=0,
        lease_owner="",
        lease_fire=None,
    )


def paused(reminder: Reminder) -> Reminder:
    return replace(reminder, state=ReminderState.PAUSED) if _running(reminder) else reminder


def resumed(reminder: Reminder, *, now: datetime) -> Reminder:
    """Back to active; an occurrence missed while paused is not delivered late."""
    if reminder.state is not ReminderState.PAUSED:
        return reminder
    active = replace(reminder, state=ReminderState.ACTIVE)
    if reminder.next_fire is not None and reminder.next_fire < now.timestamp():
        moved, _ = _following(active, now, now)
        return moved
    return active


def _running(reminder: Reminder) -> bool:
    return reminder.state is ReminderState.ACTIVE


# --- what the chat side reads and does (cards, buttons) ---------------------------------


def occurrence_key(reminder: Reminder) -> str:
    """The key of the occurrence the pending delivery belongs to; "" when nothing is pending."""
    return key_of(occurrence_of(reminder)) if reminder.due_key else ""


def is_pending(reminder: Reminder, key: str) -> bool:
    """True while the occurrence ``key`` is still the one an active reminder will deliver next."""
    return reminder.state is ReminderState.ACTIVE and occurrence_key(reminder) == key != ""


def nag_number(reminder: Reminder) -> int:
    """Which nudge of its occurrence the pending delivery is (``#nag3`` -> 3); 0 for none."""
    _, sep, tail = reminder.due_key.partition("#nag")
    return int(tail) if sep and tail.isdigit() else 0


def pending_at(reminder: Reminder) -> datetime | None:
    """When the pending delivery is due (a claimed one: its occurrence, not the lease's end)."""
    fire = reminder.lease_fire if reminder.lease_owner else None
    fire = fire if fire is not None else reminder.next_fire
    return datetime.fromtimestamp(fire, tz=UTC) if fire is not None else None


def snoozed_until(reminder: Reminder) -> datetime | None:
    """The time the pending delivery was snoozed to, or ``None`` when it is not snoozed."""
    _, sep, tail = reminder.due_key.partition("#snooze-")
    if not sep:
        return None
    try:
        return datetime.strptime(tail, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def snoozed_copy(
    reminder: Reminder, *, schedule: Schedule, now: datetime, reminder_id: str | None = None
) -> Reminder:
    """A new one-off that posts ``reminder`` again on ``schedule``, in the same thread.

    For a snooze of a delivered occurrence that is no longer pending (a one-off
    that finished, a recurring one that moved on): the original is left as it is.
    """
    if schedule.is_recurring:
        raise ValueError("a snooze is a one-off")
    first = schedule.next_after(now)
    if first is None:
        raise ValueError("a snooze must be in the future")
    stamp = now.timestamp()
    return replace(
        reminder,
        id=reminder_id or new_id(),
        schedule=schedule.to_storage(),
        zone=schedule.zone,
        state=ReminderState.ACTIVE,
        next_fire=first.timestamp(),
        due_key=key_of(first),
        nag_count=0,
        last_message="",
        note="",
        created_at=stamp,
        updated_at=stamp,
        version=0,
        lease_owner="",
        lease_fire=None,
    )
