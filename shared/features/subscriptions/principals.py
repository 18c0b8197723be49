"""Acting as whoever authorized a subscription: a user's stored grant, or the app.

Workspace Events wants renewals and reactivations made by the same principal
that created the subscription (and, for users, through the same OAuth client):
``as_authority`` looks that up from the record (``authority``: ``users/{id}`` or
``app``).

* **As a user**: ``services.grants().call`` with only the scopes the chosen
  event families need (incremental: a scope the user granted already counts,
  else the read-only one is asked for). A missing grant or scope raises
  ``AuthorizationRequired`` before any API call; the account feature turns that
  into the consent prompt.
* **As the app**: the app's credentials with ``chat.app.*`` scopes, which a
  Workspace admin must approve once; until then the API answers 403.
* **A Meet space** (the meetings feature watches one for a ``/meet`` meeting's
  transcript and recording): always a user, with a Meet scope.

The manager is built per call (its googleapiclient service from the bundled
discovery document, imported only here), so the feature costs nothing at start-up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from shared.services import Services
from shared.store.subscriptions import SubscriptionRecord

if TYPE_CHECKING:
    import google.auth.credentials

    from shared.workspace.families import Family
    from shared.workspace.subscriptions import SubscriptionManager

T = TypeVar("T")

#: ``SubscriptionRecord.authority`` of a subscription the app made.
APP = "app"
#: Why Nudge asks a user for these scopes (shown on the consent prompt).
REASON = "/subscribe watches this space's events for you"
MEET_REASON = "to post the transcript and recording links after your meeting"


def manager_for(
    services: Services, credentials: google.auth.credentials.Credentials
) -> SubscriptionManager:
    """A subscription manager acting with ``credentials`` at the configured API root."""
    from shared.workspace.client import WorkspaceEventsClient
    from shared.workspace.subscriptions import SubscriptionManager

    client = WorkspaceEventsClient(
        credentials, endpoint=services.settings.workspace_events_endpoint
    )
    return SubscriptionManager(client)


def user_scopes(services: Services, user: str, families: Iterable[Family | str]) -> tuple[str, ...]:
    """What ``user`` must have granted for ``families`` (reusing broader grants)."""
    from shared.workspace.families import user_scopes_for

    return user_scopes_for(families, services.grants().granted_scopes(user))


def as_user(
    services: Services,
    user: str,
    families: Iterable[Family | str],
    fn: Callable[[SubscriptionManager], T],
    *,
    reason: str = REASON,
) -> T:
    """``fn(manager)`` acting as ``user``; ``AuthorizationRequired`` when the grant falls short."""
    scopes = user_scopes(services, user, families)
    return services.grants().call(
        user, scopes, lambda credentials: fn(manager_for(services, credentials)), reason=reason
    )


def app_scopes(services: Services, families: Iterable[Family | str]) -> tuple[str, ...]:
    """The app's scopes for ``families``: the configured ones plus the ``chat.app.*`` needed."""
    from shared.workspace.families import app_scopes_for

    return tuple(dict.fromkeys((*services.settings.chat_scopes, *app_scopes_for(families))))


def as_app(
    services: Services, families: Iterable[Family | str], fn: Callable[[SubscriptionManager], T]
) -> T:
    """``fn(manager)`` acting as the Chat app (``chat.app.*``: admin approval needed)."""
    from shared.auth.app import app_credentials

    settings = dataclasses.replace(services.settings, chat_scopes=app_scopes(services, families))
    return fn(manager_for(services, app_credentials(settings)))


def as_authority(
    services: Services,
    record: SubscriptionRecord,
    fn: Callable[[SubscriptionManager], T],
) -> T:
    """``fn(manager)`` as the principal that authorized ``record``'s subscription."""
    from shared.workspace.families import families_of, meet_user_scopes_for
    from shared.workspace.targets import is_meet_target

    if is_meet_target(record.target) and record.authority != APP:
        user = record.authority
        scopes = meet_user_scopes_for(services.grants().granted_scopes(user))
        return services.grants().call(
            user,
            scopes,
            lambda credentials: fn(manager_for(services, credentials)),
            reason=MEET_REASON,
        )
    families = families_of(record.event_types)
    if record.authority == APP:
        return as_app(services, families, fn)
    return as_user(services, record.authority, families, fn)
