"""What the subscriptions feature says: replies, the /subscribe dialog and the notices it DMs.

Every piece of user or remote text (space names, error details, reasons) is
escaped where it is placed: ``escape`` in message text, ``escape_html`` in cards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    FixedFooter,
    Interaction,
    OpenLink,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    TextParagraph,
    Widget,
)
from shared.chat.responses import Reply
from shared.chat.text import escape, escape_html
from shared.store.subscriptions import SubscriptionRecord

#: Card action names (buttons and the dialog).
OPEN = "subscriptions.dialog"
SUBMIT = "subscriptions.submit"
REAUTHORIZE = "subscriptions.reauthorize"

FAMILY_LABELS = {
    "messages": "messages",
    "memberships": "people joining and leaving",
    "reactions": "reactions",
    "space": "changes to the space",
}
PAYLOAD_LABELS = {
    "resource": "Whole messages and members (renewed every few hours)",
    "names": "Names only (lasts a week between renewals)",
}
AS_LABELS = {
    "me": "As me (my Google account)",
    "app": "As Nudge itself (a Workspace admin must approve this once)",
}
USAGE = (
    "/subscribe [messages] [memberships] [reactions] [space] [--names-only] [--as-app]\n"
    "Nothing chosen means messages, memberships and reactions, with whole resources."
)

#: Suspension reason -> (what happened, what fixes it), in words.
REASONS: dict[str, tuple[str, str]] = {
    "USER_SCOPE_REVOKED": (
        "you withdrew some of the access you had given Nudge",
        "Press Reauthorize to grant it again.",
    ),
    "USER_AUTHORIZATION_FAILURE": (
        "your account can no longer see that space",
        "Rejoin the space, then use /subscribe there again.",
    ),
    "APP_SCOPE_REVOKED": (
        "a Workspace admin withdrew Nudge's approval to read spaces",
        "Ask an admin to approve Nudge again, then press Reauthorize.",
    ),
    "APP_AUTHORIZATION_FAILURE": (
        "Nudge can no longer see that space",
        "Add Nudge back to the space, then press Reauthorize.",
    ),
    "RESOURCE_DELETED": (
        "the space was deleted",
        "Nothing can be watched there unless the space is restored.",
    ),
    "ENDPOINT_PERMISSION_DENIED": (
        "Google may no longer deliver to Nudge's Pub/Sub topic",
        "Whoever runs Nudge must let chat-api-push@system.gserviceaccount.com publish to "
        "the topic; then press Reauthorize.",
    ),
    "ENDPOINT_NOT_FOUND": (
        "Nudge's Pub/Sub topic no longer exists",
        "Whoever runs Nudge must create the topic again; then press Reauthorize.",
    ),
    "ENDPOINT_RESOURCE_EXHAUSTED": (
        "Nudge's Pub/Sub topic ran out of quota",
        "Whoever runs Nudge must raise the quota; then press Reauthorize.",
    ),
}
_UNKNOWN_REASON = ("Google stopped it with an error it did not explain", "Press Reauthorize.")


def reason_in_words(reason: str) -> tuple[str, str]:
    """``(what happened, what fixes it)`` for a suspension reason."""
    return REASONS.get(reason, _UNKNOWN_REASON)


def families_text(families: Iterable[str]) -> str:
    """``messages, people joining and leaving and reactions``."""
    labels = [FAMILY_LABELS.get(str(f), str(f)) for f in families]
    if len(labels) <= 1:
        return "".join(labels) or "nothing"
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def when(epoch: float) -> str:
    """``2026-11-30 14:05 UTC``."""
    if not epoch:
        return "an unknown time"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def record_families(record: SubscriptionRecord) -> tuple[str, ...]:
    from shared.workspace.families import families_of

    return tuple(str(f) for f in families_of(record.event_types))


def describe(record: SubscriptionRecord) -> str:
    """One line (plain text, for escaping where used) about what ``record`` watches."""
    from shared.workspace.targets import is_meet_target

    payload = "whole resources" if record.include_resource else "names only"
    who = "as Nudge" if record.authority == "app" else "as you"
    if is_meet_target(record.target):
        return f"a meeting's transcripts and recordings ({payload}, {who})"
    return f"{families_text(record_families(record))} ({payload}, {who})"


# --- /subscribe --------------------------------------------------------------------------


def choose_card() -> Card:
    """``/subscribe`` alone, when Chat did not open the dialog itself."""
    return Card(
        card_id="subscribe-help",
        header=CardHeader(title="Watch this space", subtitle="/subscribe"),
        sections=[
            Section(
                [
                    TextParagraph(
                        "Nudge can follow what happens here (messages, people joining, "
                        "reactions) to run its automations. Choose what to watch:"
                    ),
                    ButtonList(
                        [Button("Choose…", Action(OPEN, interaction=Interaction.OPEN_DIALOG))]
                    ),
                    TextParagraph(escape_html(USAGE).replace("\n", "<br>")),
                ]
            )
        ],
    )


def dialog_card(
    *,
    families: Sequence[str] = ("messages", "memberships", "reactions"),
    payload: str = "resource",
    as_who: str = "me",
    errors: Sequence[str] = (),
    consent_url: str | None = None,
) -> Card:
    """The /subscribe dialog; ``errors`` (plain text) on top, a *Grant access* link when asked."""
    widgets: list[Widget] = []
    if errors:
        listed = "<br>".join(escape_html(e) for e in errors)
        widgets.append(TextParagraph(f'<font color="#b3261e">{listed}</font>'))
    if consent_url:
        widgets.append(ButtonList([Button("Grant access", OpenLink(consent_url))]))
    widgets += [
        SelectionInput(
            "families",
            label="Watch",
            type=SelectionType.CHECK_BOX,
            items=[
                SelectionItem(label.capitalize(), value, selected=value in families)
                for value, label in FAMILY_LABELS.items()
            ],
        ),
        SelectionInput(
            "payload",
            label="Events carry",
            type=SelectionType.RADIO_BUTTON,
            items=[SelectionItem(t, v, selected=v == payload) for v, t in PAYLOAD_LABELS.items()],
        ),
        SelectionInput(
            "as",
            label="Subscribe",
            type=SelectionType.RADIO_BUTTON,
            items=[SelectionItem(t, v, selected=v == as_who) for v, t in AS_LABELS.items()],
        ),
    ]
    return Card(
        card_id="subscribe-dialog",
        header=CardHeader(title="Watch this space"),
        sections=[Section(widgets)],
        fixed_footer=FixedFooter(Button("Subscribe", Action(SUBMIT))),
    )


# --- notices sent to the subscriber --------------------------------------------------------


def _space(record: SubscriptionRecord) -> str:
    return record.space or record.target


def suspended_notice(record: SubscriptionRecord, reason: str, app_name: str) -> Reply:
    """The DM to the subscriber: the reason in words and a *Reauthorize* button."""
    what, fix = reason_in_words(reason)
    watched = describe(record)
    text = (
        f"{escape(app_name)} stopped receiving events from {escape(_space(record))}: "
        f"{escape(what)}. {escape(fix)}"
    )
    card = Card(
        card_id="subscription-suspended",
        header=CardHeader(title="Subscription suspended", subtitle=_space(record)),
        sections=[
            Section(
                [
                    TextParagraph(
                        f"<b>Watching:</b> {escape_html(watched)}<br>"
                        f"<b>Why it stopped:</b> {escape_html(what)} "
                        f"({escape_html(reason or 'no reason given')})<br>"
                        f"<b>What to do:</b> {escape_html(fix)}"
                    ),
                    ButtonList([Button("Reauthorize", Action(REAUTHORIZE, {"name": record.name}))]),
                ]
            )
        ],
    )
    return Reply(text=text, cards=(card,), fallback_text=text)


def blocked_notice(record: SubscriptionRecord, app_name: str) -> Reply:
    """The DM when a renewal needs the subscriber's permission again."""
    text = (
        f"{escape(app_name)} could not renew your subscription to {escape(_space(record))} "
        f"because it needs your permission again. It ends at {when(record.expire_time)} "
        "unless you press Reauthorize."
    )
    card = Card(
        card_id="subscription-blocked",
        header=CardHeader(title="Permission needed", subtitle=_space(record)),
        sections=[
            Section(
                [
                    TextParagraph(
                        f"<b>Watching:</b> {escape_html(describe(record))}<br>"
                        f"<b>Ends:</b> {escape_html(when(record.expire_time))}"
                    ),
                    ButtonList([Button("Reauthorize", Action(REAUTHORIZE, {"name": record.name}))]),
                ]
            )
        ],
    )
    return Reply(text=text, cards=(card,), fallback_text=text)


def ended_notice(record: SubscriptionRecord, why: str, app_name: str) -> Reply:
    """The DM when an expired subscription could not be made again (``why``: plain text)."""
    return Reply(
        f"Your subscription to {escape(_space(record))} ({escape(describe(record))}) expired "
        f"and {escape(app_name)} could not start a new one: {escape(why)}. "
        "Use /subscribe in that space to start again."
    )


def status_card(title: str, html: str) -> Card:
    """A small card replacing a notice after *Reauthorize* (``html`` already escaped)."""
    return Card(
        card_id="subscription-status",
        header=CardHeader(title=title),
        sections=[Section([TextParagraph(html)])],
    )
