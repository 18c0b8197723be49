"""``/meetings``: the settings card, ``connect``, ``disconnect`` and ``sync``.

``/meetings connect`` stores a pending connection and asks for read access to
the calendar (the account feature shows the consent prompt for the
``AuthorizationRequired`` raised here). Once the grant is there (the command
run again, or within a minute by the tick's sweep) the calendar is synced in
full, in a deferred job, and the user gets a DM saying so. The card is private
in spaces; in a DM it is the conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.auth.errors import AuthorizationRequired
from shared.chat.events.models import CommandEvent, Event
from shared.chat.responses import Reply, Response
from shared.chat.text import escape
from shared.core.router import Router
from shared.features.meetings import scopes
from shared.features.meetings.push import SYNC_JOB

if TYPE_CHECKING:
    from shared.core.context import Context

router = Router()

USAGE = "/meetings [connect | disconnect | sync]"
WHY = "to remind you before your meetings"


def card_reply(event: Event, ctx: Context, note: str = "") -> Reply:
    from shared.features.meetings.settings import settings_card

    link = ctx.services.calendars().get_link(event.user.name)
    granted = scopes.READ in ctx.services.grants().granted_scopes(event.user.name)
    card = settings_card(
        link, space=event.space, now=ctx.services.clock(), note=note, granted=granted
    )
    return Reply(cards=(card,), private=not event.space.is_dm)


def connect(event: Event, ctx: Context) -> Response:
    """Ask for the grant, or (with it) start connecting; the card says where it stands."""
    from shared.features.meetings import links

    user = event.user.name
    now = ctx.services.clock()
    link = links.request(ctx.services, user, now=now)
    if not links.has_read_grant(ctx.services, user):
        raise AuthorizationRequired(scopes.CONNECT, WHY)
    start_sync(ctx, user, key=f"connect:{int(link.created_at)}:{link.version}")
    return card_reply(event, ctx, note="Connecting… I'll send you a DM when your meetings are in.")


def start_sync(ctx: Context, user: str, *, key: str) -> None:
    """Run ``meetings.sync`` for ``user`` now: deferred where jobs run, else the next tick."""
    if ctx.can_defer:
        ctx.defer(SYNC_JOB, key=key, user=user)
    # Without jobs the link is already due, so the next tick's sweep connects it.


def disconnect(event: Event, ctx: Context) -> Response:
    from shared.features.meetings import links

    done = links.disconnect(ctx.services, event.user.name)
    if not done.had_link:
        return Reply("Your calendar isn't connected.", private=not event.space.is_dm)
    withdrawn = done.withdrawn
    return Reply(
        "Disconnected your calendar: no more meeting reminders or agenda"
        + (
            f" ({withdrawn} pending reminder{'s' if withdrawn != 1 else ''} withdrawn)."
            if withdrawn
            else "."
        )
        + " Nudge no longer uses its calendar permissions; remove them at Google too in your "
        "Google Account (Security > Third-party access), or with /logout.",
        private=not event.space.is_dm,
    )


def sync_now(event: Event, ctx: Context) -> Response:
    user = event.user.name
    link = ctx.services.calendars().get_link(user)
    if link is None:
        return card_reply(event, ctx)
    from dataclasses import replace

    now = ctx.services.clock()
    ctx.services.calendars().save_link(replace(link, next_sync=now.timestamp()))
    start_sync(ctx, user, key=f"sync:{user}:{int(now.timestamp())}")
    return card_reply(event, ctx, note="Syncing now.")


@router.command("/meetings", description="Meeting reminders from your Google Calendar", usage=USAGE)
def meetings(event: CommandEvent, ctx: Context) -> Response:
    words = event.argument_text.split()
    action = words[0].lower() if words else ""
    if action in ("", "settings", "status"):
        return card_reply(event, ctx)
    if action == "connect":
        return connect(event, ctx)
    if action in ("disconnect", "off", "stop"):
        return disconnect(event, ctx)
    if action == "sync":
        return sync_now(event, ctx)
    return Reply(
        f"I don't know “{escape(action[:40])}”. Try: {USAGE}", private=not event.space.is_dm
    )
