"""After the meeting: a ``/meet`` meeting's transcript and recording links, posted in its thread.

**Watching.** Once the meeting has its Meet link (``conference``), ``watch_meeting``
resolves its Meet space from the meeting code (``spaces.get`` takes the code as an
alias; the space's ``name`` is stored, since codes are reused) and subscribes to
that space *as the organizer* (Meet events need user auth and a
``meetings.space.*`` scope) for ``transcript``/``recording`` ``fileGenerated``,
names only. The subscription is kept on the ``ScheduledMeeting`` and as a
``SubscriptionRecord`` (space: the Chat space; authority and creator: the
organizer), so the subscriptions feature renews it like any other. Only with
``MEET_READ`` granted and ``NUDGE_EVENTS_TOPIC`` set; otherwise nothing is watched
and ``/meet`` works as before. ``ALREADY_EXISTS`` reuses the organizer's existing
subscription on the space.

**Posting.** ``on_file_generated`` finds the meeting by the event's Meet space
(``ce-subject``: ``//meet.googleapis.com/spaces/{id}``), reads the artifact as the
organizer for its ``exportUri`` (https only) and posts a short message into the
announcement's thread under a client message ID of the artifact's name, so a
redelivery finds the message instead of posting again; then it records the
artifact in ``posted``. An unknown space, a gone grant or a refused read is
logged and acknowledged; transient failures raise, so Pub/Sub delivers again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shared.auth.errors import AuthorizationRequired
from shared.features.meetings.scopes import MEET_READ
from shared.google.errors import ApiError
from shared.services import Services
from shared.store.calendars import ScheduledMeeting
from shared.workspace.models import MeetEvent, WorkspaceEvent
from shared.workspace.targets import meet_space_of_target, meet_target

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

    from shared.workspace.subscription_json import Subscription

log = logging.getLogger(__name__)

TRANSCRIPT_READY = "google.workspace.meet.transcript.v2.fileGenerated"
RECORDING_READY = "google.workspace.meet.recording.v2.fileGenerated"
#: What the subscription on a meeting's Meet space delivers.
EVENT_TYPES: tuple[str, ...] = (TRANSCRIPT_READY, RECORDING_READY)
WHY = "to post the transcript and recording links after your meeting"
_KIND = {TRANSCRIPT_READY: "transcript", RECORDING_READY: "recording"}
_CAS_ATTEMPTS = 5
#: The Meet space is watched until this long after the meeting's start, then let go.
RETIRE_AFTER = timedelta(days=2)


class MeetingChanging(Exception):
    """The stored meeting kept changing under a compare-and-set: let Pub/Sub deliver again."""


def update_meeting(
    services: Services, event_id: str, change: Callable[[ScheduledMeeting], ScheduledMeeting]
) -> ScheduledMeeting | None:
    """Apply ``change`` to the stored meeting (compare-and-set, re-read on a lost race); the
    meeting as stored, or ``None`` when it is gone."""
    store = services.calendars()
    for _ in range(_CAS_ATTEMPTS):
        current = store.get_meeting(event_id)
        if current is None:
            return None
        wanted = change(current)
        if wanted == current:
            return current
        saved = store.save_meeting(wanted)
        if saved is not None:
            return saved
    raise MeetingChanging(f"meeting {event_id} kept changing")


class NoMeetSpace(ValueError):
    """Meet named no usable space for the meeting code."""


def can_watch(services: Services, user: str) -> bool:
    """Whether a meeting ``user`` organizes can be watched (``MEET_READ``, an events topic)."""
    if not services.settings.events_topic:
        return False
    return MEET_READ in services.grants().granted_scopes(user)


# --- watching the Meet space ---------------------------------------------------------------


def watch_meeting(services: Services, meeting: ScheduledMeeting) -> ScheduledMeeting:
    """Subscribe to ``meeting``'s Meet space as its organizer, once; the meeting as stored.

    Raises only for transient failures (Pub/Sub delivers the job again).
    """
    fields: dict[str, object] = {"event": meeting.event_id, "user": meeting.user}
    if meeting.subscription or not (meeting.meet_space or meeting.meeting_code):
        return meeting
    topic = services.settings.events_topic
    if not can_watch(services, meeting.user) or not topic:
        log.info(
            "not watching a /meet meeting: no Meet access or no topic", extra={"fields": fields}
        )
        return meeting

    def work(credentials: Credentials) -> tuple[str, Subscription]:
        return _subscribe(services, credentials, meeting, topic)

    try:
        space, sub = services.grants().call(meeting.user, (MEET_READ,), work, reason=WHY)
    except AuthorizationRequired:
        log.info("the organizer's Meet access is gone; nothing watched", extra={"fields": fields})
        return meeting
    except ApiError as exc:
        if exc.retryable:
            raise
        log.warning(
            "could not watch a /meet meeting's Meet space",
            extra={"fields": {**fields, "status": exc.status, "reason": exc.reason}},
        )
        return meeting
    except NoMeetSpace as exc:
        log.warning("no Meet space to watch", extra={"fields": {**fields, "error": str(exc)}})
        return meeting
    _keep_record(services, meeting, sub)
    stored = update_meeting(
        services,
        meeting.event_id,
        lambda m: replace(m, meet_space=space, subscription=sub.name),
    )
    log.info("watching a /meet meeting's Meet space", extra={"fields": {**fields, "space": space}})
    return stored or meeting


def _subscribe(
    services: Services, credentials: Credentials, meeting: ScheduledMeeting, topic: str
) -> tuple[str, Subscription]:
    from shared.workspace.client import WorkspaceEventsClient
    from shared.workspace.subscriptions import SubscriptionManager

    space = meeting.meet_space
    if not space:
        found = services.meet()(credentials).get_space("spaces/" + meeting.meeting_code)
        space = str(found.get("name") or "")
    try:
        target = meet_target(space)
    except ValueError:
        raise NoMeetSpace(f"spaces.get named {space[:80]!r}") from None
    client = WorkspaceEventsClient(
        credentials, endpoint=services.settings.workspace_events_endpoint
    )
    sub, _ = SubscriptionManager(client).create_or_find(
        target=target, event_types=EVENT_TYPES, topic=topic, include_resource=False
    )
    return space, sub


def _keep_record(services: Services, meeting: ScheduledMeeting, sub: Subscription) -> None:
    """Record the subscription for the subscriptions feature's renewals."""
    from shared.store.subscriptions import SubscriptionRecord

    store = services.subscriptions()
    now = services.clock().timestamp()
    known = store.get_subscription(sub.name)
    store.put_subscription(
        SubscriptionRecord(
            name=sub.name,
            target=sub.target,
            space=meeting.space,
            event_types=tuple(sub.event_types) or EVENT_TYPES,
            authority=meeting.user,
            creator=meeting.user,
            include_resource=False,
            state=sub.state or "ACTIVE",
            suspension_reason=sub.suspension_reason,
            expire_time=sub.expire_time.timestamp() if sub.expire_time else 0.0,
            created_at=known.created_at if known is not None else now,
            updated_at=now,
            # Transcripts and recordings come within hours of the meeting's end.
            retire_after=max(meeting.start, now) + RETIRE_AFTER.total_seconds(),
        )
    )


# --- posting the links ---------------------------------------------------------------------


def on_file_generated(event: WorkspaceEvent, services: Services) -> None:
    """A transcript or recording is ready: post its link into the meeting's thread, once."""
    kind = _KIND.get(event.type)
    if not isinstance(event, MeetEvent) or kind is None:
        return
    space = meet_space_of_target(event.subject) or meet_space_of_target(event.source)
    artifact = event.resource
    fields: dict[str, object] = {"ce_id": event.id, "space": space, "artifact": artifact}
    if not space or not artifact.startswith("conferenceRecords/"):
        log.warning("a Meet event without its space or artifact; ignored", extra={"fields": fields})
        return
    meeting = services.calendars().meeting_by_meet_space(space)
    if meeting is None:
        log.info("a Meet event for a space no /meet meeting watches", extra={"fields": fields})
        return
    fields["event"] = meeting.event_id
    if artifact in meeting.posted:
        log.info("this artifact's link was posted already", extra={"fields": fields})
        return
    link = _read_link(services, meeting, kind, artifact, fields)
    if not link:
        return
    if _post(services, meeting, kind, artifact, link, fields):
        update_meeting(
            services,
            meeting.event_id,
            lambda m: m if artifact in m.posted else replace(m, posted=(*m.posted, artifact)),
        )
        log.info("posted a meeting's %s link", kind, extra={"fields": fields})


def _read_link(
    services: Services,
    meeting: ScheduledMeeting,
    kind: str,
    artifact: str,
    fields: Mapping[str, object],
) -> str:
    """The artifact's https ``exportUri``, read as the organizer ("" when there is none)."""
    from shared.calendar.meet import recording_link, transcript_link
    from shared.features.meetings.posts import safe_link

    def read(credentials: Credentials) -> Mapping[str, Any]:
        meet = services.meet()(credentials)
        if kind == "transcript":
            return meet.get_transcript(artifact)
        return meet.get_recording(artifact)

    try:
        found = services.grants().call(meeting.user, (MEET_READ,), read, reason=WHY)
    except AuthorizationRequired:
        log.info("the organizer's Meet access is gone; no link posted", extra={"fields": fields})
        return ""
    except ApiError as exc:
        if exc.retryable:
            raise
        log.warning(
            "could not read a meeting's artifact",
            extra={"fields": {**fields, "status": exc.status, "reason": exc.reason}},
        )
        return ""
    raw = transcript_link(found) if kind == "transcript" else recording_link(found)
    link = safe_link(raw)
    if not link:
        log.warning("the artifact has no https link; nothing posted", extra={"fields": fields})
    return link


def _post(
    services: Services,
    meeting: ScheduledMeeting,
    kind: str,
    artifact: str,
    link: str,
    fields: Mapping[str, object],
) -> bool:
    """Post the link into the announcement's thread, once per artifact; True if it is there."""
    from shared.chat.render import render_message
    from shared.chatapi.ids import client_message_id
    from shared.features.meetings.meet_cards import artifact_reply

    settings = services.settings
    body = render_message(
        artifact_reply(kind, title=meeting.title, link=link),
        addon=settings.app_format == "addon",
        endpoint_url=settings.endpoint_url,
    )
    try:
        services.chat().create_message(
            meeting.space,
            body,
            thread_name=meeting.thread or None,
            message_id=client_message_id("meet-artifact", artifact),
        )
    except ApiError as exc:
        if exc.retryable:
            raise
        log.warning(
            "could not post a meeting's %s link",
            kind,
            extra={"fields": {**fields, "status": exc.status, "reason": exc.reason}},
        )
        return False
    return True
