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

from shared.core.feature import Feature
from shared.core.router import Router
from shared.core.ticks import Tick, TickReport
from shared.features.reminders import actions, commands, dialog, reactions
from shared.services import Services

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


@feature.tick
def deliver(tick: Tick, services: Services) -> TickReport:
    """Post every due reminder exactly once (see ``delivery``); imported here, not at load."""
    from shared.features.reminders.delivery import deliver_due

    return deliver_due(tick, services)
