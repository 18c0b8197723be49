"""The names the settings card's and reminders' buttons call (kept light: the router needs
them when the feature loads, on every cold start, before any card module is wanted)."""

from __future__ import annotations

CONNECT = "meetings.connect"
SAVE = "meetings.save"
SYNC_NOW = "meetings.syncNow"
DISCONNECT = "meetings.disconnect"
SNOOZE = "meetings.snooze"
