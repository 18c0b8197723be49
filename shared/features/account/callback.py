"""``GET /oauth/callback``: where Google sends the browser after consent.

Only ``GET`` runs it (a link scanner's ``HEAD`` must not use up the
single-use state); the page never echoes a code or token.
"""

from __future__ import annotations

import html
import logging

from shared.auth.consent import CALLBACK_PATH, ConsentFailed
from shared.core.context import Context
from shared.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

_START_AGAIN = "Start again from Chat."
#: ``ConsentFailed.reason`` -> (title, message); ``{detail}`` is filled in, escaped.
_PAGES = {
    "denied": (
        "Access not granted",
        "You declined, so nothing changed. Features that need your permission stay "
        "switched off; run the command in Chat again whenever you want to grant it.",
    ),
    "provider_error": ("Sign-in failed", "Google reported an error ({detail})."),
    "incomplete_response": (
        "Sign-in failed",
        "The sign-in response is missing its code or state.",
    ),
    "not_configured": ("Not configured", "User authorization is not configured."),
    "exchange_failed": (
        "Sign-in failed",
        "Google did not accept the sign-in. " + _START_AGAIN,
    ),
    "wrong_account": (
        "Wrong account",
        "You signed in as {detail}, which is not the account that asked in Chat. "
        "Nothing was saved. Start again from Chat and choose the account you use there.",
    ),
    "no_refresh_token": (
        "Sign-in incomplete",
        "Google did not return a refresh token. Remove the app's access in your "
        "Google Account (Security > Third-party access) and try again.",
    ),
    "unreadable_grant": ("Sign-in incomplete", "Please start again from Chat."),
}


def page(status: int, title: str, message: str) -> HttpResponse:
    """A tiny HTML page for the browser."""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        '<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HttpResponse(
        status,
        body.encode(),
        {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


def failure_page(failed: ConsentFailed) -> HttpResponse:
    if failed.reason.startswith("state_"):
        return page(400, "Sign-in link not valid", failed.detail or _START_AGAIN)
    title, message = _PAGES.get(failed.reason, ("Sign-in failed", _START_AGAIN))
    detail = failed.detail[:64] or "a different account"
    return page(400, title, message.format(detail=detail))


def oauth_callback(request: HttpRequest, ctx: Context) -> HttpResponse:
    """Finish consent and send the browser back to Chat (or say what went wrong)."""
    try:
        result = ctx.services.consent().complete(request.query)
    except ConsentFailed as failed:
        return failure_page(failed)
    except Exception:
        log.exception("OAuth callback failed unexpectedly")
        return page(400, "Sign-in failed", "Something went wrong. " + _START_AGAIN)
    if result.redirect:
        return HttpResponse(
            302,
            b"",
            {
                "Location": result.redirect,
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )
    return page(200, "Connected", "You can close this tab and return to Google Chat.")


__all__ = ["CALLBACK_PATH", "oauth_callback", "page"]
