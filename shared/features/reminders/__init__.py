"""Reminders: ``/remind``, ``/reminders``, their dialog and buttons, and the tick that posts them.

The phrase grammar and wall-clock schedules live in ``shared.schedules`` (pure code,
shared with the meetings feature); ``model`` holds every state transition of a stored
reminder. Around them, the chat side: ``commands`` (``/remind``, ``/reminders``, "remind me to …",
pausing when Nudge is removed from a space), ``actions`` (Done, Snooze, Delete, pages,
the one-click time zone), ``dialog``, ``listing``, ``cards`` (every card and message,
including the delivered post, ``cards.delivered_reply``), ``zones`` and ``records``.
Handler modules import the grammar and schedules inside the handlers, so loading the
feature (every cold start) does not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.chat.responses import Reply
from shared.core.feature import Feature
from shared.core.posting import PostKind
from shared.core.router import Router
from shared.features.reminders import actions, commands, dialog, reactions
from shared.store.reminders import Reminder

router = Router()
router.include(commands.router)
router.include(actions.router)
router.include(dialog.router)

feature = Feature(
    "reminders",
    router,
    description="/remind, /reminders, their dialog and buttons, and delivering reminders",
)


reactions.register(feature)


def _delivered_reply(reminder: Reminder, **kwargs: Any) -> Reply:
    from shared.features.reminders.cards import delivered_reply

    return delivered_reply(reminder, **kwargs)


def _after(reminder: Reminder, **kwargs: Any) -> Reminder:
    from shared.features.reminders.model import delivered

    return delivered(reminder, **kwargs)


def _catch_up(reminder: Reminder, now: datetime) -> tuple[Reminder, int]:
    from shared.features.reminders.model import catch_up

    return catch_up(reminder, now=now)


# The core's posting engine delivers reminders on every tick (docs/decisions/0012);
# the cards and model load only when one is due, not on every cold start.
feature.posts("reminder", PostKind(reply=_delivered_reply, after=_after, catch_up=_catch_up))
