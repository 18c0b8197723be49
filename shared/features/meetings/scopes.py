"""The OAuth scopes the meetings feature asks for, and when (docs/decisions/0019-meetings.md).

Asked incrementally: reading at ``/meetings connect``; writing when ``/meet`` is
first used, together with the optional ones (``/meet`` works without them).
"""

from __future__ import annotations

_AUTH = "https://www.googleapis.com/auth/"

#: Read the user's events, watch them for changes (reminders, agenda).
READ = _AUTH + "calendar.events.readonly"
#: Create events on calendars the user owns (``/meet``).
WRITE = _AUTH + "calendar.events.owned"
#: Optional with ``/meet``: mentioned people's emails from the directory (People API).
DIRECTORY = _AUTH + "directory.readonly"
#: Optional with ``/meet``: read the meeting's transcript and recording links (Meet API).
MEET_READ = _AUTH + "meetings.space.readonly"

#: What ``/meetings connect`` asks for.
CONNECT: tuple[str, ...] = (READ,)
#: What ``/meet`` needs, and what it asks for alongside (optional).
MEET_NEEDS: tuple[str, ...] = (READ, WRITE)
MEET_ASKS: tuple[str, ...] = (READ, WRITE, DIRECTORY, MEET_READ)

#: Every scope of this feature: ``/meetings disconnect`` forgets them.
ALL: frozenset[str] = frozenset({READ, WRITE, DIRECTORY, MEET_READ})
