"""What each OAuth scope lets Nudge do, in words for the people asked to grant it."""

from __future__ import annotations

from collections.abc import Iterable

from shared.auth.consent import OPENID_SCOPE

_AUTH = "https://www.googleapis.com/auth/"
SCOPE_PURPOSES = {
    OPENID_SCOPE: "confirm which Google account you use",
    _AUTH + "chat.memberships": "add people to spaces for you",
    _AUTH + "chat.memberships.readonly": "see who is in your spaces",
    _AUTH + "chat.memberships.app": "add Nudge to spaces for you",
    _AUTH + "chat.messages": "read and send messages as you",
    _AUTH + "chat.messages.create": "send messages as you",
    _AUTH + "chat.messages.readonly": "read your messages",
    _AUTH + "chat.spaces": "create and change spaces for you",
    _AUTH + "chat.spaces.readonly": "see your spaces",
    _AUTH + "chat.messages.reactions.readonly": "see reactions to messages in your spaces",
    _AUTH + "calendar.events.readonly": "read your calendar's events to remind you of meetings",
    _AUTH + "calendar.events.owned": "create meetings in your calendar",
    _AUTH + "directory.readonly": "look up the email addresses of people you mention",
    _AUTH + "meetings.space.readonly": "find the transcripts and recordings of your meetings",
}


def describe_scopes(scopes: Iterable[str]) -> str:
    """``"add people to spaces for you (chat.memberships)"`` for each scope, joined."""
    parts = []
    for scope in sorted(set(scopes) - {OPENID_SCOPE}):
        short = scope.removeprefix(_AUTH)
        purpose = SCOPE_PURPOSES.get(scope)
        parts.append(f"{purpose} ({short})" if purpose else short)
    return "; ".join(parts) or SCOPE_PURPOSES[OPENID_SCOPE]
