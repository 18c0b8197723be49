"""Google Meet's Workspace Events, locally: the Calendar emulator's Meet to the Chat emulator's
Workspace Events API.

The Calendar emulator serves Meet (a conference ending makes its transcript and
recording) and tells its listeners which ``google.workspace.meet.*`` events
Google would publish; the Chat emulator serves the Workspace Events API and
publishes to the subscriptions on a Meet space. ``connect`` joins them, as
``make run`` and the tests do, so a subscription made on
``//meet.googleapis.com/spaces/{id}`` receives what happens in that space.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devkit.emulator.calendar import CalendarEmulator
    from devkit.emulator.server import ChatEmulator

log = logging.getLogger(__name__)


def connect(calendar: CalendarEmulator, chat: ChatEmulator) -> None:
    """Forward every Meet event of ``calendar`` to ``chat``'s Workspace Events subscriptions."""

    def forward(event_type: str, data: dict[str, Any], space: str) -> None:
        sent = chat.publish_meet_event(space, event_type, data)
        log.debug(
            "Meet event forwarded to Workspace subscriptions",
            extra={"fields": {"type": event_type, "space": space, "subscriptions": sent}},
        )

    calendar.on_meet_event(forward)
