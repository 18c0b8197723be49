"""Every scope a feature asks a person for is explained in words on the consent prompt."""

from __future__ import annotations

from shared.features.account.commands import MEMBERSHIPS_SCOPE
from shared.features.account.scopes import SCOPE_PURPOSES, describe_scopes
from shared.features.meetings import scopes as meetings
from shared.workspace.families import USER_SCOPES


def test_every_scope_nudge_asks_users_for_has_words() -> None:
    asked = {MEMBERSHIPS_SCOPE, *meetings.ALL}
    asked |= {options[0] for options in USER_SCOPES.values()}  # what /subscribe asks for
    missing = sorted(s for s in asked if s not in SCOPE_PURPOSES)
    assert not missing


def test_the_prompt_names_what_meetings_need() -> None:
    text = describe_scopes(meetings.MEET_ASKS)
    assert "create meetings in your calendar (calendar.events.owned)" in text
    assert "look up the email addresses of people you mention" in text
