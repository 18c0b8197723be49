"""Messages the meetings feature sends on its own: DMs to a user, and posted reminders updated.

Every DM has a client message ID derived from what it is about, so a retried
sync or job never sends it twice. Failures to tell someone are logged, never
raised: the sync they belong to has already done its work.
"""

from __future__ import annotations

import logging
from datetime import datetime

from shared.chat.render import render_message
from shared.chat.responses import Reply
from shared.chatapi.ids import client_message_id
from shared.features.meetings.cards import meeting_card, meeting_text
from shared.features.meetings.posts import Meeting
from shared.google.errors import ApiError, NotFound
from shared.services import Services

log = logging.getLogger(__name__)


def dm_of(services: Services, user: str) -> str | None:
    """The DM space between Nudge and ``user``, or ``None`` when there is none."""
    try:
        return str(services.chat().find_direct_message(user).get("name") or "") or None
    except NotFound:
        return None


def tell(services: Services, user: str, reply: Reply, *key: str | int) -> bool:
    """DM ``reply`` to ``user`` once per ``key``; False when it could not be sent."""
    try:
        dm = dm_of(services, user)
        if dm is None:
            log.info("no DM with the user; not told", extra={"fields": {"user": user}})
            return False
        settings = services.settings
        body = render_message(
            reply, addon=settings.app_format == "addon", endpoint_url=settings.endpoint_url
        )
        services.chat().create_message(
            dm, body, message_id=client_message_id("meetings", user, *key)
        )
        return True
    except ApiError as exc:
        log.warning(
            "could not send a meetings DM",
            extra={"fields": {"user": user, "error": str(exc)[:200]}},
        )
        return False


def update_posted(
    services: Services,
    message: str,
    meeting: Meeting,
    post_id: str,
    *,
    now: datetime,
    shared_space: bool,
) -> bool:
    """Redraw the reminder posted as ``message`` to show ``meeting`` (moved, cancelled…)."""
    card = meeting_card(meeting, post_id, now=now, shared_space=shared_space)
    text = meeting_text(meeting, now=now, shared_space=shared_space)
    settings = services.settings
    body = render_message(
        Reply(text=text, cards=(card,)),
        addon=settings.app_format == "addon",
        endpoint_url=settings.endpoint_url,
    )
    try:
        services.chat().update_message(message, body, update_mask=("text", "cards_v2"))
        return True
    except ApiError as exc:
        log.warning(
            "could not update a posted meeting reminder",
            extra={"fields": {"message": message, "error": str(exc)[:200]}},
        )
        return False
