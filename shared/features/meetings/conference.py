"""``meetings.conference``: finish a ``/meet`` meeting once Google has made its Meet link.

Google creates a conference asynchronously: ``events.insert`` may answer with
``conferenceData.createRequest.status`` ``pending`` and no link. ``/meet`` then
defers this job (``follow_up``), which reads the event again as its organizer;
while it is still pending the job raises ``ConferencePending``, so Pub/Sub
delivers it again with backoff; once Google answers (a link, or ``failure``) the
posted announcement is redrawn in place (with its Join button) and the meeting
code is stored. Then the Meet space is watched for its transcript and recording
(``after.watch_meeting``); a meeting whose link was there at once gets only that.

Args: ``event`` (the Calendar event ID), ``pending`` (redraw the announcement),
``organizer`` (the Chat display name the announcement showed; never an email).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from shared.auth.errors import AuthorizationRequired
from shared.google.errors import ApiError
from shared.services import Services
from shared.workspace.models import JobEvent

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

    from shared.calendar.models import CalendarEvent
    from shared.core.context import Context
    from shared.store.calendars import ScheduledMeeting

log = logging.getLogger(__name__)

JOB = "meetings.conference"


class ConferencePending(Exception):
    """Google has not made the Meet link yet: raised so that Pub/Sub delivers the job again."""


def follow_up(ctx: Context, user: str, cal: CalendarEvent, organizer: str) -> None:
    """After ``/meet`` made ``cal`` for ``user``: finish what Google makes later, without
    failing ``/meet``.

    A pending link is finished by the job (when jobs run here; else the card keeps
    saying the link is coming); a ready one is watched, by the job when possible.
    """
    from shared.features.meetings.after import can_watch, watch_meeting
    from shared.workspace.jobs import JobNotQueued

    pending = cal.conference_status == "pending"
    watch = cal.conference_status != "failure" and can_watch(ctx.services, user)
    if not (pending or watch):
        return
    fields = {"event": cal.id, "pending": pending}
    if ctx.can_defer:
        try:
            ctx.defer(JOB, key=cal.id, event=cal.id, pending=pending, organizer=organizer[:200])
        except JobNotQueued as exc:
            log.warning(
                "could not queue the /meet follow-up",
                extra={"fields": {**fields, "error": str(exc)}},
            )
        return
    if pending:
        return
    meeting = ctx.services.calendars().get_meeting(cal.id)
    if meeting is None:
        return
    try:
        watch_meeting(ctx.services, meeting)
    except ApiError as exc:
        log.warning(
            "could not watch a /meet meeting now",
            extra={"fields": {**fields, "status": exc.status, "reason": exc.reason}},
        )


def conference_job(job: JobEvent, services: Services) -> None:
    """See the module docstring."""
    from shared.features.meetings.after import update_meeting, watch_meeting
    from shared.features.meetings.scopes import READ

    meeting = services.calendars().get_meeting(str(job.args.get("event", "")))
    if meeting is None:
        log.info("meetings.conference for an unknown meeting; dropped")
        return
    event_id = meeting.event_id
    fields = {"event": event_id, "user": meeting.user}

    def read(credentials: Credentials) -> CalendarEvent:
        return services.calendar()(credentials).get_event("primary", event_id)

    try:
        event = services.grants().call(meeting.user, [READ], read)
    except AuthorizationRequired:
        log.info("the organizer's grant is gone; the announcement stays", extra={"fields": fields})
        return
    except ApiError as exc:
        if exc.retryable:
            raise
        log.warning(
            "could not read a /meet event",
            extra={"fields": {**fields, "status": exc.status, "reason": exc.reason}},
        )
        return
    if event.cancelled or event.start is None:
        log.info(
            "the /meet event is gone or cancelled; nothing to finish", extra={"fields": fields}
        )
        return
    if event.conference_status == "pending":
        raise ConferencePending(f"the Meet link of {meeting.event_id} is not ready yet")
    if job.args.get("pending") and meeting.message:
        _redraw(services, meeting, event, organizer=str(job.args.get("organizer") or ""))
    code = event.meeting_code
    if code and code != meeting.meeting_code:
        meeting = update_meeting(
            services, meeting.event_id, lambda m: replace(m, meeting_code=code)
        ) or replace(meeting, meeting_code=code)
    watch_meeting(services, meeting)


def _redraw(
    services: Services, meeting: ScheduledMeeting, event: CalendarEvent, *, organizer: str
) -> None:
    """The announcement again, now with the Join button (or Google's failure note)."""
    from shared.chat.render import render_message
    from shared.features.meetings.meet_cards import announcement

    link = services.calendars().get_link(meeting.user)
    zone = link.zone if link is not None and link.zone else (event.zone or "UTC")
    guests = [a.name or a.email for a in event.attendees if not a.is_self and not a.resource]
    reply = announcement(
        event,
        title=meeting.title or event.summary,
        zone=zone,
        organizer=organizer or event.organizer_name,
        guests=guests,
    )
    settings = services.settings
    body = render_message(
        reply, addon=settings.app_format == "addon", endpoint_url=settings.endpoint_url
    )
    try:
        services.chat().update_message(meeting.message, body, update_mask=("text", "cards_v2"))
    except ApiError as exc:
        if exc.retryable:
            raise
        log.warning(
            "could not update a /meet announcement",
            extra={"fields": {"event": meeting.event_id, "status": exc.status}},
        )
