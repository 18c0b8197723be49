"""The local stack behind ``make run``: Nudge on loopback with embedded defaults.

It starts, all on 127.0.0.1: the certs server that publishes the development
signing key, a fake Google OAuth server (it also serves the page Chat's
``configCompleteRedirectUrl`` leads to), the Chat API emulator, the web Chat
simulator, the three functions under functions-framework (``chat_app``,
``reminders_tick`` and ``workspace_events``), and a scheduler that pushes a
tick to ``reminders_tick`` every minute as Cloud Scheduler and Pub/Sub would;
then it waits for Ctrl-C (or SIGTERM). Verification stays on: local events are
signed with the development key. Every port is checked first: a taken one is
named, with the variable that moves it, and nothing starts (exit 3).

Deferred jobs (``ctx.defer``) and Workspace events go through Google's Pub/Sub
emulator when ``gcloud`` is installed: topics ``nudge-jobs`` and
``nudge-events`` in project ``nudge-local``, each with a push subscription to
``workspace_events``, as deployed (``NUDGE_JOBS_MODE=pubsub``); the Chat
emulator publishes its subscriptions' events to ``nudge-events`` (Meet's too: the
Calendar emulator's Meet tells it, ``devkit.emulator.meet_bridge``). Without
gcloud, or with ``NUDGE_JOBS_MODE=inline``, jobs run on a thread inside
``chat_app`` and no Pub/Sub emulator starts.

Ports and the state directory come from the environment (``devkit.stack``), so
``make run`` and the ``nudge`` CLI agree as long as they see the same
variables: ``NUDGE_LOCAL_APP_PORT`` (8080), ``NUDGE_LOCAL_EMULATOR_PORT``
(8090), ``NUDGE_LOCAL_CERTS_PORT`` (8091), ``NUDGE_LOCAL_OAUTH_PORT`` (8092),
``NUDGE_LOCAL_TICK_PORT`` (8093), ``NUDGE_LOCAL_EVENTS_PORT`` (8094),
``NUDGE_LOCAL_WEB_PORT`` (8095), ``NUDGE_LOCAL_PUBSUB_PORT`` (8085) and
``NUDGE_LOCAL_DIR`` (``.nudge``); ``NUDGE_LOCAL_TICK_SECONDS`` (60) spaces the ticks.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from devkit.banner import banner
from devkit.devkey import load_or_create
from devkit.processes import serve, stop_process_group, wait_until_up
from devkit.pubsub import PubSubEmulator, PubSubUnavailable, jobs_plan
from devkit.scheduler import Scheduler
from devkit.stack import (
    DEFAULT_STATE_DIR,
    LOCAL_COMMAND_IDS,
    PORT_PARTS,
    PORT_VARIABLES,
    LocalStack,
    app_environment,
    state_dir,
    token_key,
)
from shared.config import ConfigError

__all__ = [
    "DEFAULT_STATE_DIR",
    "EVENTS_TOPIC",
    "JOBS_TOPIC",
    "LOCAL_COMMAND_IDS",
    "PORT_VARIABLES",
    "LocalStack",
    "app_environment",
    "event_sink",
    "jobs_environment",
    "main",
    "state_dir",
    "token_key",
]
#: The repository root (where ``main.py`` lives).
ROOT = Path(__file__).resolve().parent.parent
#: The topics whose push subscriptions deliver to ``workspace_events``.
JOBS_TOPIC, EVENTS_TOPIC = "nudge-jobs", "nudge-events"
EXIT_FAILED, EXIT_CONFIG = 1, 3


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def jobs_environment(plan: str, pubsub: PubSubEmulator | None) -> dict[str, str]:
    """The functions' settings for publishing jobs (and pointing subscriptions) per ``plan``."""
    if plan != "pubsub" or pubsub is None:
        return {"NUDGE_JOBS_MODE": "inline"}
    return {
        "NUDGE_JOBS_MODE": "pubsub",
        "NUDGE_JOBS_TOPIC": pubsub.topic(JOBS_TOPIC),
        # Where /subscribe points new Workspace subscriptions (the events topic).
        "NUDGE_EVENTS_TOPIC": pubsub.topic(EVENTS_TOPIC),
        "PUBSUB_EMULATOR_HOST": pubsub.host_port,
        "PUBSUB_PROJECT_ID": pubsub.project,
    }


def event_sink(pubsub: PubSubEmulator | None) -> tuple[str | None, str | None]:
    """The Chat emulator's Workspace Events sink: ITS ONE WIRING POINT.

    The emulator publishes what its subscriptions ask for (a message posted, a
    member added, a reaction) to the Pub/Sub emulator's events topic, whose push
    subscription delivers to ``workspace_events``. Without Pub/Sub the events
    stay in the emulator's memory (``/_emulator/workspace/events``).
    """
    if pubsub is None:
        return None, None
    return pubsub.host_port, pubsub.topic(EVENTS_TOPIC)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the local stack until Ctrl-C or SIGTERM; 0 on a clean stop."""
    from devkit.certs_server import CertsServer
    from devkit.emulator import ChatEmulator, meet_bridge
    from devkit.emulator.calendar import CalendarEmulator
    from devkit.emulator.state import DEFAULT_USERS
    from devkit.oauth_server import OAuthServer
    from devkit.web import WebSimulator

    if argv is None:
        argv = sys.argv[1:]
    if argv:
        from devkit.cli.help import plain

        wants_help = argv[0] in ("-h", "--help")
        print(plain(__doc__ or ""), file=sys.stdout if wants_help else sys.stderr)
        return 0 if wants_help else 2
    try:
        stack = LocalStack.from_env()
        env = app_environment(stack)
        plan = jobs_plan(env)
    except ConfigError as exc:
        print(f"nudge local: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    busy = stack.busy(pubsub=plan == "pubsub")
    if busy:
        lines = "".join(f"\n  {line}" for line in busy)
        print(
            f"nudge local: cannot start, a port is taken:{lines}\n"
            "Stop whatever uses it (another `make run`?) or choose other ports.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    previous = signal.signal(signal.SIGTERM, _interrupt)
    # Installed explicitly: a shell that backgrounds us (`&`) may have ignored SIGINT.
    previous_int = signal.signal(signal.SIGINT, _interrupt)
    stops: list[Callable[[], None]] = []
    functions: dict[str, subprocess.Popen[bytes]] = {}
    pubsub: PubSubEmulator | None = None
    try:
        key = load_or_create(stack.state_dir)
        if plan == "pubsub":
            pubsub = PubSubEmulator(stack.host, stack.pubsub_port)
            try:
                pubsub.start()
            except PubSubUnavailable as exc:
                print(
                    f"nudge local: {exc}. Free port {stack.pubsub_port} (or choose another with "
                    "NUDGE_LOCAL_PUBSUB_PORT), or run jobs in-process with NUDGE_JOBS_MODE=inline.",
                    file=sys.stderr,
                )
                return EXIT_CONFIG
            stops.append(pubsub.stop)
        env.update(jobs_environment(plan, pubsub))
        part = "certs_port"
        try:
            certs = CertsServer(key, host=stack.host, port=stack.certs_port).start()
            stops.append(certs.stop)
            part = "oauth_port"
            oauth = OAuthServer(
                host=stack.host,
                port=stack.oauth_port,
                follow_login_hint=True,  # consent as whoever asked in Chat
                directory={name.removeprefix("users/"): email for name, email, *_ in DEFAULT_USERS},
            ).start()
            stops.append(oauth.stop)
            part = "emulator_port"
            pubsub_host, events_topic = event_sink(pubsub)
            emulator = ChatEmulator(
                host=stack.host,
                port=stack.emulator_port,
                tokeninfo_url=f"{stack.oauth_url}/tokeninfo",
                pubsub_host=pubsub_host,
                events_topic=events_topic,
            ).start()
            stops.append(emulator.stop)
            part = "calendar_port"
            calendar = CalendarEmulator(
                stack.host, stack.calendar_port, tokeninfo_url=f"{stack.oauth_url}/tokeninfo"
            ).start()
            stops.append(calendar.stop)
            meet_bridge.connect(calendar, emulator)  # Meet's events reach Workspace subscriptions
            part = "web_port"
            web = WebSimulator(
                app_url=stack.app_url,
                emulator_url=stack.emulator_url,
                key=key,
                audience=stack.audience,
                host=stack.host,
                port=stack.web_port,
            ).start()
            stops.append(web.stop)
        except (OSError, SystemExit) as exc:  # Werkzeug exits on a port taken since the check
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "port in use"
            print(
                f"nudge local: {PORT_PARTS[part]} cannot listen on {stack.host}:"
                f"{getattr(stack, part)}: {reason}. Stop whatever uses the port or choose "
                f"another with {PORT_VARIABLES[part][0]}.",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        for name, port, url, cloud_event in (
            ("chat_app", stack.app_port, stack.app_url, False),
            ("reminders_tick", stack.tick_port, f"http://{stack.host}:{stack.tick_port}/", True),
            ("workspace_events", stack.events_port, stack.events_url, True),
        ):
            functions[name] = serve(name, port, env, cloud_event=cloud_event)
            if not wait_until_up(url, functions[name]):
                print(
                    f"nudge local: {name} did not start on port {port}; see the output above.",
                    file=sys.stderr,
                )
                return EXIT_FAILED
        if pubsub is not None:
            for topic in (JOBS_TOPIC, EVENTS_TOPIC):
                pubsub.push_topic(topic, stack.push_endpoint(topic))
        scheduler = Scheduler(stack.tick_url, stack.tick_seconds)
        scheduler.start()
        stops.append(scheduler.stop)
        print(banner(stack, pubsub, web.url, topics=(JOBS_TOPIC, EVENTS_TOPIC)), flush=True)
        while all(process.poll() is None for process in functions.values()):
            if pubsub is not None and not pubsub.running:
                print("nudge local: the Pub/Sub emulator exited", file=sys.stderr)
                return EXIT_FAILED
            time.sleep(0.5)
        name, process = next((n, p) for n, p in functions.items() if p.poll() is not None)
        print(f"nudge local: {name} exited with status {process.returncode}", file=sys.stderr)
        return EXIT_FAILED
    except PubSubUnavailable as exc:
        print(f"nudge local: cannot set up the Pub/Sub topics: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nStopping Nudge.", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut cleanup
        for process in functions.values():
            stop_process_group(process)
        for stop in reversed(stops):
            stop()
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


if __name__ == "__main__":
    sys.exit(main())
