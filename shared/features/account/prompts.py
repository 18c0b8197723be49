"""Asking for access: what Nudge answers when a handler raises ``AuthorizationRequired``.

The first time a person is asked, Chat's own ``REQUEST_CONFIG`` prompt opens
the consent page. When they granted some scopes already and a feature needs
more, a private card says what is switched off and why, with a *Grant
access* button.
"""

from __future__ import annotations

import logging

from shared.auth.consent import ConsentNotConfigured
from shared.auth.errors import AuthorizationRequired
from shared.chat.cards import (
    Button,
    ButtonList,
    Card,
    CardHeader,
    OpenLink,
    Section,
    TextParagraph,
)
from shared.chat.events.models import Event
from shared.chat.responses import Reply, RequestConfig, Response
from shared.chat.text import escape, escape_html
from shared.core.context import Context
from shared.features.account.scopes import describe_scopes
from shared.util.crypto import TokenKeyError

log = logging.getLogger(__name__)

#: Event kinds on which Chat shows its own configuration prompt.
_REQUEST_CONFIG_KINDS = frozenset({"message", "command", "added"})


def ask_for_access(exc: AuthorizationRequired, event: Event, ctx: Context) -> Response:
    """A consent prompt, privately: Chat's own the first time, else a *Grant access* card."""
    log.info("Asking the user for access", extra={"fields": {"scopes": list(exc.scopes)}})
    services = ctx.services
    try:
        url = services.consent().url(
            event.user.name,
            exc.scopes,
            email=event.user.email,
            redirect_after=event.config_complete_redirect_url,
        )
    except (ConsentNotConfigured, TokenKeyError) as problem:
        log.error(
            "user authorization is not configured",
            extra={"fields": {"problem": str(problem).splitlines()[0]}},
        )
        return Reply(
            f"This needs your permission, but {ctx.settings.app_name} is not set up for "
            "user authorization yet. Please ask whoever runs it to configure OAuth.",
            private=True,
        )
    granted = services.grants().granted_scopes(event.user.name)
    if not granted and event.kind in _REQUEST_CONFIG_KINDS:
        return RequestConfig(url)
    return grant_more_card(exc, url, granted, ctx.settings.app_name)


def grant_more_card(
    exc: AuthorizationRequired, url: str, granted: frozenset[str], app_name: str
) -> Reply:
    """The private card that says what is switched off and offers *Grant access*."""
    why = describe_scopes(s for s in exc.scopes if s not in granted)
    text = (
        f"This is switched off for you: {escape(exc.reason)}. {escape(app_name)} needs "
        f"permission to {escape(why)}, which you have not granted."
    )
    card = Card(
        card_id="grant-access",
        header=CardHeader(title="More access needed", subtitle=app_name),
        sections=[
            Section(
                [
                    TextParagraph(
                        f"<b>Switched off:</b> {escape_html(exc.reason)}<br>"
                        f"<b>Needs permission to:</b> {escape_html(why)}"
                    ),
                    ButtonList([Button("Grant access", OpenLink(url))]),
                ]
            )
        ],
    )
    return Reply(text=text, cards=(card,), private=True, fallback_text=text)
