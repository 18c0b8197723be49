"""Built-in behaviour: the welcome card and ``/help``, which lists commands from the router."""

from __future__ import annotations

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    DecoratedText,
    Icon,
    Section,
    TextParagraph,
)
from shared.chat.events.models import AddedToSpaceEvent, CommandEvent, Event, MessageEvent
from shared.chat.responses import Reply, Response
from shared.chat.text import escape_html
from shared.core.context import Context
from shared.core.feature import Feature
from shared.core.router import Router

router = Router()


def help_card(ctx: Context) -> Card:
    """Every registered command, straight from the router, so it never drifts from the code."""
    rows = [
        DecoratedText(
            text=f"<b>{escape_html(spec.name)}</b>"
            + (f" {escape_html(spec.usage)}" if spec.usage else ""),
            bottom_label=spec.description,
            start_icon=Icon(material="terminal"),
            wrap_text=True,
        )
        for spec in ctx.router.commands()
    ]
    if not rows:
        rows = [DecoratedText(text="No commands are installed yet.")]
    return Card(
        card_id="help",
        header=CardHeader(title=f"{ctx.settings.app_name} commands", subtitle="Type one to start"),
        sections=[Section(widgets=rows)],
    )


def welcome_card(event: Event, ctx: Context) -> Card:
    name = ctx.settings.app_name
    if event.space.is_dm:
        greeting = (
            f"Hi {escape_html(event.user.display_name or 'there')}! I'm {name}. "
            "Talk to me here: type <b>/help</b> to see what I can do."
        )
    else:
        greeting = (
            f"Thanks for adding me to {escape_html(event.space.display_name or 'this space')}. "
            f"Mention @{name} or use a slash command; <b>/help</b> lists them."
        )
    return Card(
        card_id="welcome",
        header=CardHeader(title=f"Welcome to {name}"),
        sections=[
            Section(
                widgets=[
                    TextParagraph(greeting),
                    ButtonList([Button("Show commands", Action("showHelp"))]),
                ]
            )
        ],
    )


@router.added
def on_added(event: AddedToSpaceEvent, ctx: Context) -> Response:
    """A welcome card: a personal one in a DM, a team one in a space."""
    return Reply(cards=(welcome_card(event, ctx),))


@router.command("/help", command_id=1, description="List what Nudge can do")
def show_help(event: CommandEvent, ctx: Context) -> Response:
    return Reply(cards=(help_card(ctx),), private=not event.space.is_dm)


@router.action("showHelp")
def show_help_button(event: Event, ctx: Context) -> Response:
    return Reply(cards=(help_card(ctx),), private=not event.space.is_dm)


@router.message(r"^\s*help\s*$")
def help_message(event: MessageEvent, ctx: Context) -> Response:
    return Reply(cards=(help_card(ctx),), private=not event.space.is_dm)


feature = Feature("basics", router, description="The welcome card and /help")
