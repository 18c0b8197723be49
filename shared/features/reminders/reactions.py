"""✅ on a delivered reminder: the same as pressing its Done button.

On ``reaction.v1.created`` with ✅ (``white_check_mark``) by a person, Nudge reads the
reacted-to message (``spaces.messages.get`` as the app, which may read its own posts)
and takes the reminder ID and occurrence key from the Done button on its card, exactly
what a click would carry. No store lookup by message is needed, and the key names the
occurrence that post was about, so a ✅ on last week's post of a weekly reminder does
not skip next week's. Then, as Done does:

* the same people may do it: the owner, the person it reminds, or, for a reminder
  posted into a space, anyone in that space (``actions.done``);
* ``model.acknowledged(reminder, of=key)`` marks that occurrence done, which ends a
  reminder that nags until done (a one-off finishes, a recurring one moves on), saved
  compare-and-set (re-read and re-applied when a tick or a click got there first);
* the post is updated in place ("Done ✓ by …", no buttons).

Every step is idempotent: a repeated or late event finds the post without a Done button,
or the occurrence already done, and changes nothing. A message Nudge cannot read (not
its own) and a post without a Done button are not reminders; removing a ✅ undoes
nothing. A reaction is trusted only as far as a click would be: the button on the card
names the reminder, and the permission rule above decides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from shared.chat.cards import ACTION_NAME_PARAMETER
from shared.chat.events.models import UserType
from shared.core.feature import Feature
from shared.features.reminders.cards import DONE
from shared.workspace.models import ReactionEvent

if TYPE_CHECKING:
    from shared.services import Services
    from shared.store.reminders import Reminder
    from shared.workspace.models import WorkspaceEvent

log = logging.getLogger(__name__)

REACTION_CREATED = "google.workspace.chat.reaction.v1.created"
#: ✅ as Unicode (with or without the emoji presentation selector) or by its name.
CHECK_MARKS = frozenset({"✅", "✅\ufe0f", ":white_check_mark:", "white_check_mark"})
#: Compare-and-set attempts before leaving it to a redelivery.
ATTEMPTS = 3


class Contended(Exception):
    """The reminder kept changing under the ✅: raise so Pub/Sub delivers the event again."""


def _actions(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every ``onClick.action`` in a rendered card, depth first."""
    if isinstance(value, Mapping):
        on_click = value.get("onClick")
        if isinstance(on_click, Mapping) and isinstance(on_click.get("action"), Mapping):
            yield on_click["action"]
        for item in value.values():
            yield from _actions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _actions(item)


def done_button(message: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(reminder id, occurrence key)`` from the Done button of a delivered post, if any.

    Reads both renderings: legacy (``function`` is the action's name) and add-on (the
    name travels in the ``actionName`` parameter).
    """
    for action in _actions(message.get("cardsV2", [])):
        raw = action.get("parameters")
        params = {
            str(p.get("key")): str(p.get("value"))
            for p in (raw if isinstance(raw, list) else [])
            if isinstance(p, Mapping)
        }
        name = params.pop(ACTION_NAME_PARAMETER, None) or action.get("function")
        if name == DONE and params.get("id") and params.get("key"):
            return params["id"], params["key"]
    return None


def _may_mark_done(reminder: Reminder, user: str, space: str) -> bool:
    """As the Done button on a delivered post: owner, recipient, or anyone where it posts."""
    posted_here = bool(reminder.space) and reminder.space == space
    return user in (reminder.owner, reminder.mention) or posted_here


def done_by_reaction(event: WorkspaceEvent, services: Services) -> None:
    """A ✅ on a delivered reminder marks that occurrence done."""
    from shared.chat.render import render_message
    from shared.chat.responses import UpdateMessage
    from shared.chat.text import escape_html
    from shared.features.reminders import cards, model
    from shared.google.errors import NotFound, PermissionDenied

    if not isinstance(event, ReactionEvent) or event.emoji not in CHECK_MARKS:
        return
    user = event.user
    if user is None or user.type is UserType.BOT or not user.name or not event.message_name:
        return
    chat = services.chat()
    try:
        post = chat.get_message(event.message_name)
    except (NotFound, PermissionDenied):
        return  # not a message Nudge can read, so not one of its reminders
    sender = post.get("sender") or {}
    if sender.get("type") != "BOT":
        return
    found = done_button(post)
    if found is None:
        return  # not a reminder post, or one already marked done
    rid, key = found
    fields = {"reminder": rid, "ce_id": event.id}
    store = services.reminders()
    for _ in range(ATTEMPTS):
        reminder = store.get(rid)
        if reminder is None:
            return
        if not _may_mark_done(reminder, user.name, event.space):
            log.info("a ✅ by someone who may not mark it done", extra={"fields": fields})
            return
        changed = model.acknowledged(reminder, now=services.clock(), of=key)
        saved = reminder if changed is reminder else store.save(changed)
        if saved is not None:
            break
    else:
        raise Contended(f"reminder {rid} kept changing")
    who = escape_html(user.display_name) if user.display_name else "a ✅ reaction"
    news = f"Done ✓ by {who}" + (" (✅)" if user.display_name else "")
    update = UpdateMessage(
        text=cards.posted_text(saved), cards=(cards.after_click_card(saved, news=news),)
    )
    settings = services.settings
    body = render_message(
        update, addon=settings.app_format == "addon", endpoint_url=settings.endpoint_url
    )
    chat.update_message(event.message_name, body, update_mask=("text", "cards_v2"))
    log.info("reminder marked done by a ✅", extra={"fields": fields})


def register(feature: Feature) -> None:
    """Put the ✅ handler on the reminders feature."""
    feature.on(REACTION_CREATED)(done_by_reaction)
