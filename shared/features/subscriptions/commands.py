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
``list``) is recorded so Nudge keeps it renewed (``subscribing`` does this part).
In DMs both commands refuse.
"""

from __future__ import annotations

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
from shared.features.subscriptions import cards
from shared.features.subscriptions.cards import OPEN, REAUTHORIZE, SUBMIT
from shared.features.subscriptions.principals import as_authority
from shared.features.subscriptions.subscribing import Choice, ChoiceError, parse_choice, subscribe
from shared.google.errors import ApiError
from shared.store.subscriptions import SubscriptionRecord
from shared.util.crypto import TokenKeyError
from shared.workspace.targets import space_of_target

if TYPE_CHECKING:
    from shared.core.context import Context
    from shared.workspace.subscriptions import SubscriptionManager

router = Router()

IN_A_DM = (
    "Subscriptions watch a space, so {command} works only in a space. Add Nudge to the space "
    "you want watched and use {command} there."
)


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
