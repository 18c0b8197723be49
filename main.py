"""Cloud Functions entry points. The Python runtime loads this file from the source root.

Each function is deployed with its own ``entry_point``:

- ``chat_app``: HTTP, Google Chat interaction events.
- ``workspace_events``: CloudEvent, Workspace Events delivered through Pub/Sub.
- ``reminders_tick``: CloudEvent, the Cloud Scheduler tick.
"""

from functions.chat_app import chat_app
from functions.reminders import reminders_tick
from functions.workspace_events import workspace_events

__all__ = ["chat_app", "reminders_tick", "workspace_events"]
