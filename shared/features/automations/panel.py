"""What managers see of the automations: the summary card and the settings dialog.

Every stored or typed value shown in card text goes through ``escape_html``; text inputs
carry values as plain text (Chat does not read markup there). Button functions:

* ``automations.open`` opens the dialog (``OPEN_DIALOG``);
* ``automations.save`` (``version``: the settings' version the dialog was drawn from,
  for compare-and-set) saves it;
* ``automations.secret`` makes a new webhook signing secret and shows it once.
"""

from __future__ import annotations

import urllib.parse

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    DecoratedText,
    FixedFooter,
    Icon,
    Interaction,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    TextInput,
    TextInputType,
    TextParagraph,
    Widget,
)
from shared.chat.text import escape_html
from shared.features.automations.form import MODES, Form
from shared.store.spaces import SpaceSettings

OPEN = "automations.open"
SAVE = "automations.save"
SECRET = "automations.secret"  # noqa: S105 - an action name


def _host(url: str) -> str:
    try:
        return urllib.parse.urlsplit(url).hostname or url
    except ValueError:
        return url


def webhook_status(settings: SpaceSettings) -> str:
    """One line (card HTML) on the webhook's state."""
    if not settings.webhook_url:
        return "No webhook."
    host = escape_html(_host(settings.webhook_url))
    if settings.webhook_disabled_reason:
        return (
            f"Switched off: {escape_html(settings.webhook_disabled_reason)}. "
            "Pick what it forwards and save to turn it back on."
        )
    secret = "a signing secret is set" if settings.webhook_secret else "no signing secret yet"
    mode = MODES.get(settings.webhook_mode, settings.webhook_mode).lower()
    failing = (
        f", {settings.webhook_failures} failed deliveries in a row"
        if settings.webhook_failures
        else ""
    )
    return f"To {host}: {escape_html(mode)}; {secret}{failing}."


def summary_card(settings: SpaceSettings) -> Card:
    """``/nudge settings``: the space's automations at a glance, and an edit button."""

    def shown(value: str, empty: str = "—") -> str:
        return escape_html(value) if value else empty

    welcome = "On" if settings.welcome_on else "Off"
    widgets: list[Widget] = [
        DecoratedText(
            top_label="Welcome new members",
            text=f"{welcome}: {shown(settings.welcome_text[:200])}"
            if settings.welcome_text
            else welcome,
            start_icon=Icon(material="waving_hand"),
            wrap_text=True,
        ),
        DecoratedText(
            top_label="Watch words",
            text=shown(", ".join(settings.watch_words)),
            wrap_text=True,
        ),
        DecoratedText(top_label="Pattern (RE2)", text=shown(settings.watch_pattern)),
        DecoratedText(
            top_label="Keyword alerts go to",
            text=shown(settings.alert_space, "nowhere (alerts are off)"),
        ),
        DecoratedText(
            top_label="Outgoing webhook",
            text=webhook_status(settings),
            start_icon=Icon(material="webhook"),
            wrap_text=True,
        ),
    ]
    widgets.append(
        TextParagraph(
            "These act on this space's events, which Nudge receives once someone here has "
            "run <b>/subscribe</b> (messages, memberships and reactions)."
        )
    )
    edit = Action(OPEN, interaction=Interaction.OPEN_DIALOG)
    widgets.append(ButtonList([Button("Edit settings…", edit)]))
    return Card(
        card_id="automations-summary",
        header=CardHeader(title="Space automations", subtitle="Managers can change these"),
        sections=[Section(widgets)],
    )


def refusal_card(text: str) -> Card:
    """A dialog that only says why it cannot show the settings (``text`` is plain)."""
    return Card(
        card_id="automations-refused",
        header=CardHeader(title="Space automations"),
        sections=[Section([TextParagraph(escape_html(text))])],
    )


def settings_dialog(
    form: Form,
    stored: SpaceSettings,
    *,
    version: int,
    errors: tuple[str, ...] = (),
    notice: str = "",
) -> Card:
    """The dialog, filled in with ``form``; ``errors`` (plain text) and ``notice`` (card
    HTML, already escaped) on top."""
    top: list[Widget] = []
    if errors:
        listed = "<br>".join(escape_html(e) for e in errors)
        top.append(TextParagraph(f'<font color="#b3261e">{listed}</font>'))
    if notice:
        top.append(TextParagraph(notice))
    welcome: list[Widget] = [
        SelectionInput(
            "welcome_on",
            type=SelectionType.SWITCH,
            items=[SelectionItem("Welcome new members", "on", selected=form.welcome_on)],
        ),
        TextInput(
            "welcome_text",
            label="Welcome text",
            value=form.welcome_text,
            type=TextInputType.MULTIPLE_LINE,
            hint_text="Plain text; *bold*, _italic_ and https:// links work.",
        ),
    ]
    watch: list[Widget] = [
        TextInput(
            "watch_words",
            label="Watch words",
            value=form.watch_words,
            hint_text="Comma-separated whole words or phrases, any case.",
        ),
        TextInput(
            "watch_pattern",
            label="Pattern (RE2, optional)",
            value=form.watch_pattern,
            hint_text="A regular expression, case-insensitive; RE2 syntax, 200 characters.",
        ),
        TextInput(
            "alert_space",
            label="Post alerts in",
            value=form.alert_space,
            hint_text="spaces/… or a link to the space; empty turns alerts off.",
        ),
    ]
    hook: list[Widget] = [
        TextInput(
            "webhook_url",
            label="Webhook URL",
            value=form.webhook_url,
            hint_text="https://… Each message is POSTed as JSON, signed with the secret.",
        ),
        SelectionInput(
            "webhook_mode",
            label="Forward",
            type=SelectionType.DROPDOWN,
            items=[
                SelectionItem(text, value, selected=value == form.webhook_mode)
                for value, text in MODES.items()
            ],
        ),
        DecoratedText(text=webhook_status(stored), wrap_text=True),
        ButtonList([Button("New secret", Action(SECRET, {"version": str(version)}))]),
    ]
    sections = [Section(top)] if top else []
    sections += [
        Section(welcome, header="Welcome"),
        Section(watch, header="Keyword alerts"),
        Section(hook, header="Outgoing webhook"),
    ]
    return Card(
        card_id="automations-dialog",
        header=CardHeader(title="Space automations"),
        sections=sections,
        fixed_footer=FixedFooter(Button("Save", Action(SAVE, {"version": str(version)}))),
    )


def secret_notice(secret: str) -> str:
    """Card HTML showing a new signing secret, once."""
    return (
        "<b>New signing secret</b> (shown only now; copy it to the receiver):<br>"
        f'<font color="#1a73e8">{escape_html(secret)}</font><br>'
        "Each delivery carries <b>X-Nudge-Signature-256: sha256=HMAC-SHA256(secret, body)</b> "
        "and <b>X-Nudge-Delivery</b>, the same for every retry of one message."
    )
