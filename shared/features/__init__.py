"""Nudge's features, one module or package each, installed by the list below.

A feature module defines ``feature = Feature(...)`` (see ``shared.core.feature``).
Add yours to ``INSTALLED``: that one line puts its commands in ``/help`` and
``nudge chat``, its routes on ``chat_app``, and its tick jobs on the tick.
A test checks that every module here is installed, so none is silently dead.
"""

from __future__ import annotations

INSTALLED: tuple[str, ...] = (
    "basics",
    "account",
    "reminders",
    "subscriptions",
    "automations",
    "meetings",
)
