"""Each person's time zone: learned from Chat's clicks and submissions, or set by them.

Chat sends the user's zone (``common.timeZone``) only with card clicks and dialog
submissions, never with messages or slash commands. Every click that reaches the
reminders feature passes through ``learn``, which remembers the zone
(``ZoneSource.CHAT``). ``/remind timezone Europe/Berlin`` sets it explicitly
(``ZoneSource.EXPLICIT``), and an explicit choice wins: a click never overrides it,
so someone who lives by another zone than their laptop's keeps theirs.

"Now" comes from ``now_utc``, the feature's one reading of the wall clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    Section,
    TextParagraph,
    Widget,
)
from shared.chat.responses import Reply
from shared.chat.text import code, escape, escape_html
from shared.store.users import UserPrefs, ZoneSource

if TYPE_CHECKING:
    from shared.chat.events.models import Event
    from shared.core.context import Context
    from shared.services import Services

SET_ZONE = "reminders.setZone"
EXAMPLE_ZONE = "Europe/Berlin"
_MAX_ZONE_CHARS = 64


def now_utc(services: Services) -> datetime:
    """The current instant (aware UTC), from the services' clock (tests inject their own)."""
    now: datetime = services.clock()
    return now


def valid_zone(name: str) -> bool:
    """True for an IANA zone name such as ``Europe/Berlin`` (offsets are not zones)."""
    from shared.schedules.schedule import zone_info

    if not name or len(name) > _MAX_ZONE_CHARS:
        return False
    try:
        zone_info(name)
    except ValueError:
        return False
    return True


def stored(ctx: Context, user: str) -> UserPrefs | None:
    return ctx.services.users().get_user(user)


def known_zone(ctx: Context, user: str) -> str | None:
    """The zone Nudge knows for ``user`` (set or learned), or ``None``."""
    prefs = stored(ctx, user)
    return prefs.zone if prefs is not None and prefs.zone else None


def learn(event: Event, ctx: Context) -> str | None:
    """Remember the zone a click or submission carries; return the zone to use for ``event``.

    An explicitly set zone wins over what Chat reports. A zone Chat reports that
    is not a valid IANA name is ignored. Writes only when something changed.
    """
    user = event.user.name
    prefs = stored(ctx, user)
    if prefs is not None and prefs.zone and prefs.zone_source is ZoneSource.EXPLICIT:
        return prefs.zone
    reported = event.time_zone.id if event.time_zone is not None else ""
    if reported and valid_zone(reported):
        if prefs is None or prefs.zone != reported:
            base = prefs or UserPrefs(user)
            ctx.services.users().put_user(
                replace(
                    base,
                    zone=reported,
                    zone_source=ZoneSource.CHAT,
                    locale=event.locale or base.locale,
                    updated_at=0.0,
                )
            )
        return reported
    return prefs.zone if prefs is not None and prefs.zone else None


def set_explicit(ctx: Context, user: str, zone: str, locale: str | None = None) -> None:
    prefs = stored(ctx, user) or UserPrefs(user)
    ctx.services.users().put_user(
        replace(
            prefs,
            zone=zone,
            zone_source=ZoneSource.EXPLICIT,
            locale=locale or prefs.locale,
            updated_at=0.0,
        )
    )


def _source_words(prefs: UserPrefs) -> str:
    if prefs.zone_source is ZoneSource.EXPLICIT:
        return "you set it"
    if prefs.zone_source is ZoneSource.CALENDAR:
        return "from your Google Calendar"
    return "from Google Chat"


def zone_card(prefs: UserPrefs | None, *, now: datetime, note: str = "") -> Card:
    """What Nudge knows about your zone, with a one-click *Use my Chat time zone* button.

    ``note`` is card HTML, already escaped.
    """
    if prefs is not None and prefs.zone:
        from shared.schedules.describe import format_local

        local = format_local(now, prefs.zone)
        text = (
            f"Your time zone is <b>{escape_html(prefs.zone)}</b> ({_source_words(prefs)}). "
            f"It is {escape_html(local)} there."
        )
    else:
        text = (
            "Nudge doesn't know your time zone yet. Click the button (Chat tells Nudge "
            f"your zone with every click), or type <b>/remind timezone {EXAMPLE_ZONE}</b>."
        )
    widgets: list[Widget] = [TextParagraph(note)] if note else []
    widgets += [
        TextParagraph(text),
        ButtonList([Button("Use my Chat time zone", Action(SET_ZONE))]),
    ]
    return Card(
        card_id="reminders-zone",
        header=CardHeader(title="Your time zone"),
        sections=[Section(widgets)],
    )


def timezone_command(event: Event, ctx: Context, argument: str, *, private: bool) -> Reply:
    """``/remind timezone`` shows the zone; ``/remind timezone Area/City`` sets it."""
    user = event.user.name
    if not argument:
        return Reply(
            cards=(zone_card(stored(ctx, user), now=now_utc(ctx.services)),), private=private
        )
    if not valid_zone(argument):
        shown = argument if len(argument) <= _MAX_ZONE_CHARS else argument[:_MAX_ZONE_CHARS] + "…"
        return Reply(
            f"“{escape(shown)}” is not a time zone I know. Use an IANA name such as "
            f"{code(EXAMPLE_ZONE)} or {code('America/New_York')} (offsets like UTC+2 don't "
            "follow daylight saving, so they're not accepted).",
            private=private,
        )
    set_explicit(ctx, user, argument, event.locale)
    note = (
        f"Done: Nudge now uses <b>{escape_html(argument)}</b> for you. "
        "Reminders you already set keep the zone they were set in."
    )
    return Reply(
        cards=(zone_card(stored(ctx, user), now=now_utc(ctx.services), note=note),), private=private
    )
