"""Subscriptions: ``/subscribe`` and ``/unsubscribe``, and keeping Workspace subscriptions alive.

``commands`` serves the commands, their dialog and the *Reauthorize* button;
``subscribing`` reads what to watch and creates (or finds) the subscription;
``lifecycle`` handles ``expirationReminder``, ``suspended`` and ``expired``
events and renews subscriptions on every tick; ``principals`` acts as the user
or the app that authorized a subscription; ``records`` and ``cards`` hold what
is stored and what is said. The Workspace Events client (googleapiclient) is
imported only when a subscription is touched, never when the feature loads.
"""

from __future__ import annotations

from shared.core.feature import Feature
from shared.core.ticks import Tick, TickReport
from shared.features.subscriptions import lifecycle
from shared.features.subscriptions.commands import router
from shared.services import Services

feature = Feature(
    "subscriptions",
    router,
    description="/subscribe, /unsubscribe, and renewing Workspace Events subscriptions",
)
feature.on(lifecycle.EXPIRATION_REMINDER)(lifecycle.on_expiration_reminder)
feature.on(lifecycle.SUSPENDED)(lifecycle.on_suspended)
feature.on(lifecycle.EXPIRED)(lifecycle.on_expired)


@feature.tick
def renew_expiring(tick: Tick, services: Services) -> TickReport:
    """Renew what expires soon (Google advises not to rely on the reminders alone)."""
    return lifecycle.renew_expiring(tick, services)
