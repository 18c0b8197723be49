"""Making a subscription: what ``/subscribe`` asked for, and creating (or finding) it.

``parse_choice`` reads ``messages reactions --names-only --as-app`` (nothing
chosen: messages, memberships and reactions; whole resources unless
``--names-only``). ``subscribe`` creates the subscription as the user or as
Nudge, or finds the one Google already has for that principal (one per person
per space), records it, and says what happened; ``AuthorizationRequired``
propagates so the caller can ask for consent.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.chat.text import escape
from shared.features.subscriptions import cards, records
from shared.features.subscriptions.principals import APP, as_app, as_authority, as_user
from shared.google.errors import AlreadyExists, ApiError, InvalidArgument, PermissionDenied
from shared.workspace.targets import space_of_target

if TYPE_CHECKING:
    from shared.core.context import Context
    from shared.workspace.subscription_json import Subscription
    from shared.workspace.subscriptions import SubscriptionManager

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "Watching spaces isn't set up yet: whoever runs Nudge needs to set NUDGE_EVENTS_TOPIC "
    "(the Pub/Sub topic Google delivers events to)."
)
_ALIASES = {
    "message": "messages",
    "messages": "messages",
    "membership": "memberships",
    "memberships": "memberships",
    "member": "memberships",
    "members": "memberships",
    "people": "memberships",
    "reaction": "reactions",
    "reactions": "reactions",
    "space": "space",
    "spaces": "space",
}
_NAMES_ONLY = {"--names-only", "--names", "names-only", "--no-resource"}
_WHOLE = {"--full", "--with-resource", "--resource", "--include-resource"}
_AS_APP = {"--as-app", "--app"}


class ChoiceError(ValueError):
    """What the user typed after /subscribe cannot be read (the message is plain text)."""


@dataclass(frozen=True, slots=True)
class Choice:
    """What to subscribe to: event families, payload, and as whom."""

    families: tuple[str, ...]
    include_resource: bool = True
    as_app: bool = False


def parse_choice(text: str) -> Choice:
    """``messages reactions --names-only`` -> ``Choice``; ``ChoiceError`` for anything else."""
    from shared.workspace.families import DEFAULT_FAMILIES

    families: dict[str, None] = {}
    include_resource, as_app_ = True, False
    for word in (w for w in re.split(r"[\s,]+", text.strip().lower()) if w):
        if word in _NAMES_ONLY:
            include_resource = False
        elif word in _WHOLE:
            include_resource = True
        elif word in _AS_APP:
            as_app_ = True
        elif word in _ALIASES:
            families[_ALIASES[word]] = None
        elif word in ("and", "&"):
            continue
        else:
            raise ChoiceError(f"I don't know “{word[:40]}”.")
    chosen = tuple(families) or tuple(str(f) for f in DEFAULT_FAMILIES)
    return Choice(chosen, include_resource, as_app_)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a subscription attempt did: ``text`` (Chat text, escaped) and a plain ``toast``."""

    text: str
    toast: str
    ok: bool


def _explain_error(exc: ApiError, choice: Choice) -> Outcome:
    if isinstance(exc, PermissionDenied) and choice.as_app:
        text = (
            "Google refused to let Nudge subscribe as itself. That needs a Workspace admin to "
            "approve Nudge's chat.app.* scopes once; until then, subscribe as yourself "
            "(without --as-app)."
        )
    elif isinstance(exc, PermissionDenied):
        text = "Google refused: your account (or Nudge) may not see this space's events."
    elif isinstance(exc, InvalidArgument):
        text = f"Google refused the subscription: {escape(exc.detail[:200])}"
    elif isinstance(exc, AlreadyExists):
        text = (
            "You already have a subscription for this space, but Google would not show it to "
            "Nudge. Try /unsubscribe, then /subscribe again."
        )
    else:
        text = (
            f"The Workspace Events API did not answer properly ({escape(exc.reason)}). "
            "Please try again in a minute."
        )
    return Outcome(text, "Google refused the subscription.", False)


def subscribe(ctx: Context, user: str, space: str, choice: Choice) -> Outcome:
    """Create (or find) the subscription and record it. ``AuthorizationRequired`` propagates."""
    from shared.workspace.families import event_types_for
    from shared.workspace.targets import chat_target

    services = ctx.services
    topic = ctx.settings.events_topic
    if not topic:
        return Outcome(escape(NOT_SET_UP), "Watching spaces isn't set up yet.", False)
    target = chat_target(space)
    types = event_types_for(choice.families)
    authority = APP if choice.as_app else user

    def work(manager: SubscriptionManager) -> tuple[Subscription, bool]:
        return manager.create_or_find(
            target=target, event_types=types, topic=topic, include_resource=choice.include_resource
        )

    try:
        existing = _known(ctx, authority, space)
        if existing is not None:
            sub, created = existing, False  # asks for no new scope: one per principal anyway
        elif choice.as_app:
            sub, created = as_app(services, choice.families, work)
        else:
            sub, created = as_user(services, user, choice.families, work)
    except ApiError as exc:
        log.warning(
            "a subscription could not be made",
            extra={"fields": {"space": space, "error": str(exc)[:200]}},
        )
        return _explain_error(exc, choice)
    now = services.clock().timestamp()
    store = services.subscriptions()
    known = store.get_subscription(sub.name)
    creator = known.creator if known is not None and not created else user
    record = records.record_of(sub, authority=authority, creator=creator, now=now)
    store.put_subscription(record)
    watched = escape(cards.describe(record))
    ends = cards.when(record.expire_time)
    if created:
        text = (
            f"Watching this space: {watched}. Nudge renews it before it ends "
            f"(next at {ends}); /unsubscribe stops it."
        )
        return Outcome(text, "Subscribed.", True)
    who = "Nudge already has" if choice.as_app else "You already have"
    text = (
        f"{who} a subscription for this space ({watched}, until {ends}); Google allows one "
        "per person per space, so Nudge will keep that one renewed. To change what it "
        "watches, /unsubscribe first and then /subscribe again."
    )
    return Outcome(text, "You already have a subscription here.", True)


def _known(ctx: Context, authority: str, space: str) -> Subscription | None:
    """The principal's subscription on ``space`` that Nudge recorded, if it still exists.

    Checked with the scopes that subscription needed (granted already), so asking
    for a different set of events does not ask for new permissions first.
    """
    from shared.google.errors import NotFound

    store = ctx.services.subscriptions()
    for record in store.subscriptions_for(space):
        if record.authority != authority or record.state == "DELETED":
            continue
        if space_of_target(record.target) != space:
            continue  # not this space's own (a /meet meeting's Meet space, say)

        def get(manager: SubscriptionManager, name: str = record.name) -> Subscription:
            return manager.get(name)

        try:
            return as_authority(ctx.services, record, get)
        except NotFound:
            store.delete_subscription(record.name)  # gone meanwhile: forget it
    return None
