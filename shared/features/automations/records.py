"""A space's automation settings as stored: read with defaults, changed compare-and-set.

Every write goes through ``SpaceSettingsStore.put_space``, which succeeds only if the
stored version is still the one read. ``update`` re-reads and re-applies a change a few
times when another writer (a manager's save, a webhook delivery counting a failure)
got there first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.store.spaces import SpaceSettings

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)

#: Attempts at a compare-and-set change before giving up (someone keeps writing).
CAS_ATTEMPTS = 5


class Contended(Exception):
    """The settings kept changing under a compare-and-set update (a transient failure)."""


def load(services: Services, space: str) -> SpaceSettings:
    """The space's settings, or the all-off defaults (version 0) when none are stored."""
    return services.spaces().get_space(space) or SpaceSettings(space=space)


def update(
    services: Services,
    space: str,
    change: Callable[[SpaceSettings], SpaceSettings | None],
) -> SpaceSettings | None:
    """Apply ``change`` to the stored settings, compare-and-set, retrying on conflicts.

    ``change`` returns the new settings, or ``None`` when nothing is to be written (the
    result is then ``None``). Raises ``Contended`` when every attempt lost a race.
    """
    store = services.spaces()
    for _ in range(CAS_ATTEMPTS):
        current = load(services, space)
        wanted = change(current)
        if wanted is None:
            return None
        saved = store.put_space(wanted)
        if saved is not None:
            return saved
        log.info("space settings changed meanwhile; retrying", extra={"fields": {"space": space}})
    raise Contended(f"the settings of {space} kept changing")
