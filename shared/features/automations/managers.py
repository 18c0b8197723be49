"""Who may change a space's automations: its managers.

The rule, per kind of space:

* a named space (``SPACE``): members whose role is ``ROLE_MANAGER``. Nudge asks the Chat
  API as the app (``chat.bot``): ``spaces.members.list`` with the filter
  ``member.type = "HUMAN" AND role = "ROLE_MANAGER"``, and looks for the caller among
  the results. The discovery document describes ``Membership.role`` as an input for
  ``UpdateMembership``, so Nudge does not rely on reading it from a ``members.get``
  answer: the filter makes Chat itself apply the role, with app auth and no user grant.
  Assistant managers (``ROLE_ASSISTANT_MANAGER``) are not enough;
* a group chat (``GROUP_CHAT``), which has no managers: any of its members (whoever runs
  the command is one);
* a direct message with Nudge: the person in it.

The check runs when the settings are shown, when the dialog opens and again on every
submit, so a dialog left open after a demotion cannot save.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.chat.events.models import SpaceType
from shared.google.errors import ApiError

if TYPE_CHECKING:
    from shared.chat.events.models import Space, User
    from shared.services import Services

log = logging.getLogger(__name__)

MANAGERS = 'member.type = "HUMAN" AND role = "ROLE_MANAGER"'
HUMANS = 'member.type = "HUMAN"'
PAGE = 1000
NOT_A_MANAGER = "Only this space's managers can change Nudge's automations here."


def refusal(services: Services, space: Space, user: User) -> str:
    """Why ``user`` may not configure ``space`` (Chat text), or ``""`` when they may."""
    if space.is_dm or space.type is SpaceType.GROUP_CHAT:
        return ""
    try:
        if _listed(services, space.name, user.name, MANAGERS):
            return ""
    except ApiError as exc:
        log.warning(
            "could not check a space's managers",
            extra={"fields": {"space": space.name, "error": str(exc)[:200]}},
        )
        return (
            "I couldn't check who manages this space just now "
            f"({exc.reason or exc.status or 'error'}). Please try again in a moment."
        )
    return NOT_A_MANAGER


def is_member(services: Services, space: str, user: str) -> bool:
    """True when ``user`` is a joined human member of ``space`` (Nudge must be in it too).

    Raises ``PermissionDenied``/``NotFound`` when Nudge cannot see the space.
    """
    return _listed(services, space, user, HUMANS)


def _listed(services: Services, space: str, user: str, query: str) -> bool:
    members = services.chat().list_members(space, filter=query, page_size=PAGE)
    return any((m.get("member") or {}).get("name") == user for m in members)
