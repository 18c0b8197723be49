"""Automations a space's managers configure: welcome, keyword alerts and outgoing webhooks.

They run on Workspace events (``workspace_events``), each idempotent under Pub/Sub's
at-least-once, unordered delivery: every post carries a client message ID derived from
the event's subject, so a redelivery cannot post twice.

* ``welcome``: ``membership.v1.created`` of a person -> the managers' welcome card;
* ``watch``: ``message.v1.created``/``updated`` -> an alert card in the alert space for a
  message that matches the watch words or the RE2 pattern (``matching``, ``alerts``), and
  the outgoing webhook (``webhooks``, ``targets``: signed, retried, switched off after
  repeated failures, never aimed at a private address);
* ``commands``, ``panel``, ``form``, ``managers``: ``/nudge settings`` and its dialog,
  for the space's managers; ``records`` stores the settings compare-and-set.

(The ✅ reaction that marks a delivered reminder done belongs to the reminders feature.)

``build_feature(resolver=..., send=...)`` builds the feature around a DNS resolver and an
HTTP ``send`` (the seams tests replace); ``feature`` is the one ``INSTALLED`` loads.
Handlers import their modules when first called, so a cold start pays for none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.core.feature import Feature
from shared.features.automations import commands, targets

if TYPE_CHECKING:
    from shared.features.automations.webhooks import Send
    from shared.services import Services
    from shared.workspace.models import WorkspaceEvent

MEMBERSHIP_CREATED = "google.workspace.chat.membership.v1.created"
MESSAGE_CREATED = "google.workspace.chat.message.v1.created"
MESSAGE_UPDATED = "google.workspace.chat.message.v1.updated"


def build_feature(*, resolver: targets.Resolver | None = None, send: Send | None = None) -> Feature:
    """The automations feature; ``resolver`` and ``send`` default to DNS and the transport."""
    resolve = resolver or targets.system_resolver
    feature = Feature(
        "automations",
        commands.build_router(resolve),
        description="Welcome, keyword alerts and outgoing webhooks, per space (/nudge settings)",
    )

    @feature.on(MEMBERSHIP_CREATED)
    def welcome_member(event: WorkspaceEvent, services: Services) -> None:
        from shared.features.automations.welcome import welcome

        welcome(event, services)

    @feature.on(MESSAGE_CREATED, MESSAGE_UPDATED)
    def watch_message(event: WorkspaceEvent, services: Services) -> None:
        from shared.features.automations.watch import on_message
        from shared.features.automations.webhooks import Deliverer
        from shared.google.transport import send as transport_send

        on_message(event, services, Deliverer(resolver=resolve, send=send or transport_send))

    return feature


feature = build_feature()
