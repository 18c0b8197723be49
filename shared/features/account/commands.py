"""Account commands: ``/connect``, ``/logout``, and ``/invite`` (a scope-gated feature).

``/invite @person`` adds people to the current space *as the caller*, with
user auth and ``chat.memberships``. Without that grant the feature is
switched off for the caller: ``UserGrants`` raises ``AuthorizationRequired``
before any API call, and this feature's exception handler asks for consent.

Each person is one API call, and Chat waits 30 s for an answer, so more than
``INVITE_AT_ONCE`` people are added by a deferred job (``account.invite``):
``/invite`` answers at once and the job posts the outcome, privately, when done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.auth.consent import OPENID_SCOPE
from shared.auth.errors import AuthorizationRequired
from shared.chat.events.models import CommandEvent, User
from shared.chat.responses import Reply, Response
from shared.chat.text import escape
from shared.core.defer import post_result
from shared.core.router import Router
from shared.core.workspace import Permanent
from shared.features.account.scopes import describe_scopes
from shared.google.errors import AlreadyExists, ApiError, Unauthenticated

if TYPE_CHECKING:
    from shared.chatapi.client import ChatClient
    from shared.core.context import Context
    from shared.services import Services
    from shared.workspace.models import JobEvent

MEMBERSHIPS_SCOPE = "https://www.googleapis.com/auth/chat.memberships"
#: What ``/connect`` asks for: only who you are; features ask for more when used.
BASE_SCOPES = (OPENID_SCOPE,)
#: People one ``/invite`` adds at most (membership writes are 300/min per project).
MAX_INVITES = 20
#: People ``/invite`` adds while Chat waits; more are added by the ``account.invite`` job.
INVITE_AT_ONCE = 3
INVITE_JOB = "account.invite"
INVITE_REASON = "/invite adds people to spaces on your behalf"
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

router = Router()


@router.command("/connect", description="Connect your Google account to Nudge")
def connect(event: CommandEvent, ctx: Context) -> Response:
    granted = ctx.services.grants().granted_scopes(event.user.name)
    if not granted:
        raise AuthorizationRequired(BASE_SCOPES, "connecting your account")
    return Reply(
        f"You're connected. {escape(ctx.settings.app_name)} may "
        f"{escape(describe_scopes(granted))}. "
        "Features ask for more only when you use them; /logout disconnects.",
        private=True,
    )


@router.command("/logout", description="Disconnect your account and delete stored access")
def logout(event: CommandEvent, ctx: Context) -> Response:
    result = ctx.services.grants().revoke(event.user.name)
    app = escape(ctx.settings.app_name)
    if not result.had_token:
        text = "You weren't connected, so there was nothing to remove."
    elif result.revoked:
        text = f"Disconnected. {app} deleted your stored access and Google revoked it."
    else:
        text = (
            f"{app} deleted your stored access, but Google did not confirm the revocation. "
            "To be sure, remove it at https://myaccount.google.com/permissions."
        )
    return Reply(text, private=True)


@dataclass
class InviteOutcome:
    """Who ended up where after ``/invite``; every entry is already escaped for Chat text."""

    joined: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _label(user: User) -> str:
    """A person's name as Chat text: their display name, email or ID, made inert."""
    return escape(user.display_name or user.email or user.name)


def people_to_invite(event: CommandEvent) -> list[User]:
    """Mentioned humans (not the caller, not apps) and typed emails, in order, unique."""
    found: dict[str, User] = {}
    mentions = event.message.mentions if event.message else ()
    for user in mentions:
        if not user.is_bot and user.name != event.user.name:
            found.setdefault(user.name, user)
    for email in _EMAIL.findall(event.argument_text):
        found.setdefault(f"users/{email}", User(name=f"users/{email}", email=email))
    return list(found.values())


def invite_all(client: ChatClient, space: str, people: Sequence[User]) -> InviteOutcome:
    """Create a membership for each person; sorts them by the resulting state."""
    outcome = InviteOutcome()
    for person in people:
        label = _label(person)
        try:
            membership = client.create_membership(space, person.name)
        except AlreadyExists:
            outcome.already.append(label)
        except Unauthenticated:
            raise  # the grant is dead: UserGrants.call asks the user again
        except ApiError as exc:
            outcome.failed.append(f"{label} ({escape(exc.reason or str(exc.status or 'error'))})")
        else:
            state = str(membership.get("state", ""))
            (outcome.invited if state == "INVITED" else outcome.joined).append(label)
    return outcome


def summary(outcome: InviteOutcome) -> str:
    lines = []
    for title, names in (
        ("Joined", outcome.joined),
        ("Invited (they need to accept)", outcome.invited),
        ("Already members", outcome.already),
        ("Could not add", outcome.failed),
    ):
        if names:
            lines.append(f"*{title}:* {', '.join(names)}")
    return "\n".join(lines)


@router.command(
    "/invite",
    description="Add people to this space on your behalf",
    usage="@person [@person ...]",
)
def invite(event: CommandEvent, ctx: Context) -> Response:
    if event.space.is_dm:
        return Reply("Use /invite in a space, mentioning the people to add.", private=True)
    people = people_to_invite(event)
    if not people:
        return Reply("Mention who to add: /invite @person [@person ...]", private=True)
    if len(people) > MAX_INVITES:
        return Reply(f"/invite adds at most {MAX_INVITES} people at a time.", private=True)
    services = ctx.services
    if len(people) > INVITE_AT_ONCE and ctx.can_defer:
        return defer_invite(event, ctx, people)
    user_chat = services.user_chat()
    outcome = services.grants().call(
        event.user.name,
        [MEMBERSHIPS_SCOPE],
        lambda credentials: invite_all(user_chat(credentials), event.space.name, people),
        reason=INVITE_REASON,
    )
    return Reply(summary(outcome), private=True)


def defer_invite(event: CommandEvent, ctx: Context, people: Sequence[User]) -> Response:
    """Hand the invitations to a job and answer at once; the job posts the outcome."""
    # The job cannot show a consent prompt, so ask for the scope now if it is missing.
    if MEMBERSHIPS_SCOPE not in ctx.services.grants().granted_scopes(event.user.name):
        raise AuthorizationRequired([MEMBERSHIPS_SCOPE], INVITE_REASON)
    message = event.message
    ctx.defer(
        INVITE_JOB,
        # One job per /invite message, however often Chat sends the event.
        key=message.name if message and message.name else None,
        user=event.user.name,
        space=event.space.name,
        thread=message.thread.name if message and message.thread else "",
        people=[{"name": p.name, "displayName": p.display_name, "email": p.email} for p in people],
    )
    return Reply(
        f"Adding {len(people)} people to this space… I'll tell you here when it's done.",
        private=True,
    )


def run_invite(job: JobEvent, services: Services) -> None:
    """The ``account.invite`` job: add the people as the caller, then post the outcome once.

    A redelivered job adds nobody twice (Chat answers ``ALREADY_EXISTS``, shown as
    "Already members") and posts under the same message ID, so at most one message.
    """
    args = job.args
    user, space, raw = args.get("user"), args.get("space"), args.get("people")
    thread = args.get("thread")
    if not (isinstance(user, str) and isinstance(space, str) and isinstance(raw, list)):
        raise Permanent(f"{INVITE_JOB} needs user, space and people")
    people = [
        User(
            name=str(p.get("name", "")),
            display_name=str(p.get("displayName", "")),
            email=str(p.get("email", "")),
        )
        for p in raw
        if isinstance(p, dict) and p.get("name")
    ][:MAX_INVITES]
    user_chat = services.user_chat()
    try:
        outcome = services.grants().call(
            user,
            [MEMBERSHIPS_SCOPE],
            lambda credentials: invite_all(user_chat(credentials), space, people),
            reason=INVITE_REASON,
        )
        text = summary(outcome) or "Nobody was added."
    except AuthorizationRequired:
        text = (
            "I couldn't add them: the permission to manage memberships on your behalf is gone. "
            "Run /invite again to grant it."
        )
    post_result(
        job,
        services,
        space,
        Reply(text, private=True),
        private_to=user,
        thread_name=thread if isinstance(thread, str) else None,
    )
