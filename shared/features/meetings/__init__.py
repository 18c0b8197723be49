"""Meetings from Google Calendar: reminders before each meeting, a daily agenda, and ``/meet``.

See docs/decisions/0019-meetings.md. The parts:

* ``commands``, ``settings`` and ``actions``: ``/meetings`` (the settings card),
  ``/meetings connect`` and ``disconnect``, the card's controls, Snooze;
* ``links`` (connect, sync, broken, disconnect), ``sync`` (full and incremental,
  ``apply_event``), ``plan`` (which events get a reminder), ``posts`` (a meeting
  reminder as a scheduled post), ``cards``, ``notify``, ``zones``;
* ``push`` (``POST /calendar/notifications``), ``channels`` (watch, renew, stop),
  ``sweep`` (the tick's polling), ``agenda`` (the daily agenda, a tick job);
* ``meet`` (``/meet``) and ``after`` (transcript and recording links after a
  meeting, from Workspace Events for Meet).

Meeting reminders are posts of kind ``meeting`` for the core's posting engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.chat.responses import Reply
from shared.core.feature import Feature
from shared.core.posting import PostKind
from shared.core.router import Router
from shared.features.meetings import actions, commands, meet
from shared.features.meetings.push import PATH, SYNC_JOB, calendar_notification
from shared.store.reminders import Reminder

if TYPE_CHECKING:
    from shared.core.ticks import Tick, TickReport
    from shared.services import Services
    from shared.workspace.models import JobEvent, WorkspaceEvent

router = Router()
router.include(commands.router)
router.include(actions.router)
router.include(meet.router)

feature = Feature(
    "meetings",
    router,
    description="/meetings, /meet: reminders before meetings, a daily agenda, Meet links",
)
feature.route(PATH, methods=("POST",))(calendar_notification)


def _reply(post: Reminder, *, now: datetime, late: bool, skipped: int) -> Reply:
    from shared.features.meetings.cards import meeting_reply
    from shared.features.meetings.posts import meeting_of

    return meeting_reply(meeting_of(post), post.id, now=now, shared_space=bool(post.space))


def _after(post: Reminder, **kwargs: Any) -> Reminder:
    from shared.features.meetings.posts import delivered

    return delivered(post, **kwargs)


feature.posts("meeting", PostKind(reply=_reply, after=_after))


@feature.job(SYNC_JOB)
def run_sync(job: JobEvent, services: Services) -> None:
    """A push (or a command) asked for a sync of ``args.user``'s calendar."""
    from shared.features.meetings.jobs import sync_job

    sync_job(job, services)


@feature.job("meetings.conference")
def run_conference(job: JobEvent, services: Services) -> None:
    """Finish a ``/meet`` meeting: its Meet link (if it was pending), then watch its space."""
    from shared.features.meetings.conference import conference_job

    conference_job(job, services)


@feature.on(
    "google.workspace.meet.transcript.v2.fileGenerated",
    "google.workspace.meet.recording.v2.fileGenerated",
)
def artifact_ready(event: WorkspaceEvent, services: Services) -> None:
    """A ``/meet`` meeting's transcript or recording is ready: post its link in the thread."""
    from shared.features.meetings.after import on_file_generated

    on_file_generated(event, services)


@feature.tick
def sweep(tick: Tick, services: Services) -> TickReport:
    """Connect, sync and renew the calendars that are due (the polling safety net)."""
    from shared.features.meetings.sweep import sweep as run

    return run(tick, services)


@feature.tick
def agenda(tick: Tick, services: Services) -> TickReport:
    """Post the daily agendas that are due."""
    from shared.features.meetings.agenda import agendas

    return agendas(tick, services)
