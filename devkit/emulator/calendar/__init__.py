"""A local, stateful emulator of Google Calendar v3 (with push) and the Meet v2 reads Nudge uses.

``CalendarEmulator`` runs it on loopback for tests and the local stack;
``python -m devkit.emulator.calendar --port P`` runs it alone. Routes,
parameters and body schemas come from google-api-python-client's bundled
``calendar.v3.json`` and ``meet.v2.json``. See
docs/decisions/0016-calendar-emulator.md.
"""

from __future__ import annotations

from devkit.emulator.calendar.channels import PushConfig
from devkit.emulator.calendar.server import CalendarEmulator, main, serve

__all__ = ["CalendarEmulator", "PushConfig", "main", "serve"]
