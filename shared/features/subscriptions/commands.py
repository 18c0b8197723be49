"""``/subscribe``, ``/unsubscribe``, the /subscribe dialog, and the *Reauthorize* button.

``/subscribe messages reactions --names-only`` watches this space for the chosen
event families (nothing chosen: messages, memberships and reactions) with the
chosen payload (whole resources by default; ``--names-only`` sends only names,
and lasts a week instead of four hours between renewals). ``--as-app`` makes the
subscription as Nudge itself, which needs a Workspace admin's one-time approval
of the ``chat.app.*`` scopes. Alone, ``/subscribe`` opens a dialog.

As a user, Nudge needs the read-only scope of each chosen family; without it the
handler raises ``AuthorizationRequired`` and the account feature asks (Chat's
request-config prompt). Google allows one subscription per person per space:
``ALREADY_EXISTS`` is explained, and the existing subscription (found with
``list``) is recorded so Nudge keeps it renewed. In DMs both commands refuse.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.auth.consent import ConsentNotConfigured
from shared.auth.errors import AuthorizationRequired
from shared.chat.events.models import (
    CardClickEvent,
    CommandEvent,
    DialogCancelEvent,
    DialogSubmitEvent,
    Event,
)
from shared.chat.responses import (
    CloseDialog,
    DialogStatus,
    OpenDialog,
    Reply,
    Response,
    UpdateMessage,
)
from shared.chat.text import escape, escape_html
from shared.core.router import Router
from shared.features.subscriptions import cards, records
from shared.features.subscriptions.cards import OPEN, REAUTHORIZE, SUBMIT
from shared.features.subscriptions.principals import APP, as_app, as_authority, as_user
from shared.google.errors import AlreadyExists, ApiError, InvalidArgument, PermissionDenied
from shared.store.subscriptions import SubscriptionRecord
from shared.util.crypto import TokenKeyError
from shared.workspace.targets import space_of_target

if TYPE_CHECKING:
    from shared.core.context import Context
    from shared.workspace.subscription_json import Subscription
    from shared.workspace.subscriptions import SubscriptionManager

log = logging.getLogger(__name__)

router = Router()

IN_A_DM = (
    "Subscriptions watch a space, so {command} works only in a space. Add Nudge to the space "
    "you want watched and use {command} there."
)
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


@router.command(
    "/subscribe",
    description="Watch this space's events (messages, members, reactions) for automations",
    usage="[messages] [memberships] [reactions] [space] [--names-only] [--as-app]",
)
def subscribe_command(event: CommandEvent, ctx: Context) -> Response:
    if event.space.is_dm:
        return Reply(IN_A_DM.format(command="/subscribe"))
    text = event.argument_text.strip()
    if not text:
        if event.is_dialog_request:
            return OpenDialog(cards.dialog_card())
        return Reply(cards=(cards.choose_card(),), private=True, fallback_text="/subscribe")
    try:
        choice = parse_choice(text)
    except ChoiceError as exc:
        return Reply(f"{escape(str(exc))}\n{escape(cards.USAGE)}", private=True)
    outcome = subscribe(ctx, event.user.name, event.space.name, choice)
    return Reply(outcome.text, private=True)


# --- the dialog --------------------------------------------------------------------------


@router.action(OPEN)
def open_dialog(event: Event, ctx: Context) -> Response:
    """The *Choose…* button (an ``OPEN_DIALOG`` request)."""
    if event.space.is_dm:
        return Reply(IN_A_DM.format(command="/subscribe"))
    return OpenDialog(cards.dialog_card())


def _dialog_choice(event: DialogSubmitEvent) -> tuple[Choice, list[str]]:
    form = event.form_inputs
    families = tuple(v for v in form.values("families") if v in cards.FAMILY_LABELS)
    problems = [] if families else ["Choose at least one thing to watch."]
    choice = Choice(
        families or ("messages",),
        include_resource=form.text("payload", "resource") != "names",
        as_app=form.text("as", "me") == "app",
    )
    return choice, problems


@router.dialog_submit(SUBMIT)
def submit(event: DialogSubmitEvent, ctx: Context) -> Response:
    """Subscribe as chosen; without the needed grant, the dialog offers *Grant access*."""
    choice, problems = _dialog_choice(event)

    def again(errors: list[str], consent_url: str | None = None) -> OpenDialog:
        return OpenDialog(
            cards.dialog_card(
                families=choice.families,
                payload="resource" if choice.include_resource else "names",
                as_who="app" if choice.as_app else "me",
                errors=errors,
                consent_url=consent_url,
            )
        )

    if problems:
        return again(problems)
    if event.space.is_dm:
        return CloseDialog(DialogStatus.INVALID_ARGUMENT, "Subscriptions work only in a space.")
    try:
        outcome = subscribe(ctx, event.user.name, event.space.name, choice)
    except AuthorizationRequired as exc:
        try:
            url = ctx.services.consent().url(
                event.user.name,
                exc.scopes,
                email=event.user.email,
                redirect_after=event.config_complete_redirect_url,
            )
        except (ConsentNotConfigured, TokenKeyError):
            return CloseDialog(
                DialogStatus.FAILED_PRECONDITION,
                "This needs your permission, but Nudge is not set up for user authorization.",
            )
        return again(
            ["Nudge needs your permission first: press Grant access, then Subscribe again."],
            consent_url=url,
        )
    if not outcome.ok:
        return again([outcome.toast])
    return CloseDialog(DialogStatus.OK, outcome.toast)


@router.dialog_cancel(SUBMIT)
def cancel(event: DialogCancelEvent, ctx: Context) -> Response:
    return CloseDialog(DialogStatus.CANCELLED)


# --- /unsubscribe ------------------------------------------------------------------------


@router.command("/unsubscribe", description="Stop watching this space's events")
def unsubscribe_command(event: CommandEvent, ctx: Context) -> Response:
    if event.space.is_dm:
        return Reply(IN_A_DM.format(command="/unsubscribe"))
    services = ctx.services
    store = services.subscriptions()
    mine = [
        r
        for r in store.subscriptions_for(event.space.name)
        if r.creator == event.user.name
        and r.state != "DELETED"
        and space_of_target(r.target) == event.space.name
    ]
    if not mine:
        return Reply("You have no subscription in this space that Nudge knows of.", private=True)
    stopped: list[str] = []
    failed: list[str] = []
    for record in mine:

        def delete(manager: SubscriptionManager, name: str = record.name) -> bool:
            return manager.delete(name)

        try:
            as_authority(services, record, delete)
        except ApiError as exc:
            failed.append(f"{escape(cards.describe(record))} ({escape(exc.reason)})")
            continue
        store.delete_subscription(record.name)
        stopped.append(escape(cards.describe(record)))
    lines = []
    if stopped:
        lines.append("Stopped watching this space: " + "; ".join(stopped) + ".")
    if failed:
        lines.append("Could not stop: " + "; ".join(failed) + ". Please try again later.")
    return Reply("\n".join(lines), private=True)


# --- Reauthorize -------------------------------------------------------------------------


def _allowed(event: Event, record: SubscriptionRecord) -> bool:
    return event.user.name in (record.creator, record.authority)


@router.action(REAUTHORIZE)
def reauthorize(event: CardClickEvent, ctx: Context) -> Response:
    """Reactivate and renew the subscription as its principal (consent first if needed)."""
    from shared.features.subscriptions.lifecycle import restore

    name = event.parameters.get("name", "")
    record = ctx.services.subscriptions().get_subscription(name)
    if record is None or record.state == "DELETED":
        return UpdateMessage(
            cards=(
                cards.status_card(
                    "Subscription ended",
                    "That subscription no longer exists. Use <b>/subscribe</b> in the space "
                    "to start again.",
                ),
            )
        )
    if not _allowed(event, record):
        return Reply(
            "Only the person who subscribed can reauthorize it.", private=not event.space.is_dm
        )
    space = escape_html(record.space or record.target)
    try:
        restored = restore(ctx.services, record)  # AuthorizationRequired: consent first
    except ApiError as exc:
        what, fix = cards.reason_in_words(record.suspension_reason)
        html = (
            f"Google still refuses to resume watching {space} "
            f"({escape_html(exc.reason)}): {escape_html(what)}. {escape_html(fix)}"
        )
        return UpdateMessage(cards=(cards.status_card("Still suspended", html),))
    html = (
        f"Watching {space} again: {escape_html(cards.describe(restored))}, "
        f"until {escape_html(cards.when(restored.expire_time))} (Nudge keeps renewing it)."
    )
    return UpdateMessage(cards=(cards.status_card("Subscription resumed ✓", html),))
