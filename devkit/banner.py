"""The banner ``make run`` prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devkit.local import LocalStack
    from devkit.pubsub import PubSubEmulator


def banner(
    stack: LocalStack, pubsub: PubSubEmulator | None, web_url: str, *, topics: tuple[str, str]
) -> str:
    """What ``make run`` prints once everything is up: where each part listens, what to try."""
    jobs_topic, events_topic = topics
    exports = " ".join(f"{k}={v}" for k, v in sorted(stack.overrides().items()))
    prefix = f"{exports} " if exports else ""
    if pubsub is not None:
        jobs = (
            f"  Pub/Sub emulator  {pubsub.host_port}   (project {pubsub.project}; topics "
            f"{jobs_topic}, {events_topic} push to workspace_events)\n"
            f"  deferred jobs     published to {jobs_topic} (NUDGE_JOBS_MODE=pubsub)"
        )
    else:
        jobs = (
            "  deferred jobs     run on a thread inside chat_app (NUDGE_JOBS_MODE=inline; "
            "install gcloud for the Pub/Sub emulator)"
        )
    return f"""
Nudge is running locally (Ctrl-C stops it):
  chat_app          {stack.app_url}   (verification ON, audience {stack.audience})
  web simulator     {web_url}   (see and click cards and dialogs in a browser)
  Chat API emulator {stack.emulator_url}
  transcript        {stack.emulator_url}_emulator/spaces/AAAA/transcript
  certs server      {stack.certs_url}
  OAuth server      {stack.oauth_url}
  Calendar emulator {stack.calendar_url}   (Calendar, Meet, People; make meetings at
                    {stack.calendar_url}_emulator/ as other people would)
  reminders_tick    http://{stack.host}:{stack.tick_port}/   (a tick every {stack.tick_seconds:g} s)
  workspace_events  {stack.events_url}
{jobs}
  state             {stack.state_dir}

Try next, in another terminal:
  {prefix}.venv/bin/nudge chat             # talk to Nudge; type /help
  {prefix}.venv/bin/nudge event /help      # send one signed event and print the reply
"""
