"""The local stack behind ``make run``: Nudge on loopback with embedded defaults.

It starts, all on 127.0.0.1, the certs server that publishes the development
signing key, the Chat API emulator, a fake Google OAuth server, the three
functions under functions-framework (``chat_app``, ``reminders_tick`` and
``workspace_events``), and a scheduler that pushes a tick to ``reminders_tick``
every minute as Cloud Scheduler and Pub/Sub would; then it waits for Ctrl-C
(or SIGTERM). Verification stays on: local events are signed with the
development key.

Deferred jobs (``ctx.defer``) and Workspace events go through Google's Pub/Sub
emulator when ``gcloud`` is installed: topics ``nudge-jobs`` and
``nudge-events`` in project ``nudge-local``, each with a push subscription to
``workspace_events``, as deployed (``NUDGE_JOBS_MODE=pubsub``); the Chat
emulator publishes its subscriptions' events to ``nudge-events``. Without
gcloud, or with ``NUDGE_JOBS_MODE=inline``, jobs run on a thread inside
``chat_app`` (``NUDGE_JOBS_MODE=inline``) and no Pub/Sub emulator starts.

Ports and the state directory come from the environment, read when asked for
(not at import), so ``make run`` and the ``nudge`` CLI agree as long as they
see the same variables: ``NUDGE_LOCAL_APP_PORT`` (8080),
``NUDGE_LOCAL_EMULATOR_PORT`` (8090), ``NUDGE_LOCAL_CERTS_PORT`` (8091),
``NUDGE_LOCAL_OAUTH_PORT`` (8092), ``NUDGE_LOCAL_TICK_PORT`` (8093),
``NUDGE_LOCAL_EVENTS_PORT`` (8094, ``workspace_events``),
``NUDGE_LOCAL_PUBSUB_PORT`` (8085, the Pub/Sub emulator) and
``NUDGE_LOCAL_DIR`` (``.nudge``); ``NUDGE_LOCAL_TICK_SECONDS`` (60) spaces the ticks.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from devkit.banner import banner
from devkit.devkey import load_or_create
from devkit.processes import serve, stop_process_group, wait_until_up
from devkit.pubsub import LOCAL_PROJECT, PubSubEmulator, PubSubUnavailable, jobs_plan
from devkit.scheduler import Scheduler
from shared.config import ConfigError

#: The repository root (where ``main.py`` lives).
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STATE_DIR = ".nudge"
#: Command IDs as they would be configured in the Chat API console.
LOCAL_COMMAND_IDS = "/help=1,/connect=2,/logout=3,/invite=4,/remind=5,/reminders=6"
#: ``(environment variable, default)`` of each port.
PORT_VARIABLES = {
    "app_port": ("NUDGE_LOCAL_APP_PORT", 8080),
    "emulator_port": ("NUDGE_LOCAL_EMULATOR_PORT", 8090),
    "certs_port": ("NUDGE_LOCAL_CERTS_PORT", 8091),
    "oauth_port": ("NUDGE_LOCAL_OAUTH_PORT", 8092),
    "tick_port": ("NUDGE_LOCAL_TICK_PORT", 8093),
    "events_port": ("NUDGE_LOCAL_EVENTS_PORT", 8094),
    "pubsub_port": ("NUDGE_LOCAL_PUBSUB_PORT", 8085),
    "web_port": ("NUDGE_LOCAL_WEB_PORT", 8095),
}
#: The topics whose push subscriptions deliver to ``workspace_events``.
JOBS_TOPIC, EVENTS_TOPIC = "nudge-jobs", "nudge-events"
EXIT_FAILED, EXIT_CONFIG = 1, 3


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """``NUDGE_LOCAL_DIR`` (default ``.nudge``) as an absolute path."""
    env = os.environ if env is None else env
    return Path(env.get("NUDGE_LOCAL_DIR", "").strip() or DEFAULT_STATE_DIR).resolve()


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0.2 <= value <= 3600:
        raise ConfigError(f"{name} must be a number of seconds between 0.2 and 3600, not {raw!r}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a port number (1-65535), not {raw!r}")
    return int(raw)


@dataclass(frozen=True, slots=True)
class LocalStack:
    """Where each local part listens; the CLI reads the same values (``from_env``)."""

    host: str = "127.0.0.1"
    app_port: int = 8080
    emulator_port: int = 8090
    certs_port: int = 8091
    oauth_port: int = 8092
    tick_port: int = 8093
    events_port: int = 8094
    pubsub_port: int = 8085
    web_port: int = 8095
    #: Seconds between scheduler ticks (Cloud Scheduler's is one minute).
    tick_seconds: float = 60.0
    #: A made-up project number: local events use project-number verification.
    audience: str = "424242424242"
    state_dir: Path = field(default_factory=lambda: Path(DEFAULT_STATE_DIR).resolve())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LocalStack:
        """The stack described by ``NUDGE_LOCAL_*``; raises ``ConfigError`` on a bad port."""
        env = os.environ if env is None else env
        values = env

        def port(attr: str) -> int:
            name, default = PORT_VARIABLES[attr]
            return _port(values, name, default)

        return cls(
            app_port=port("app_port"),
            emulator_port=port("emulator_port"),
            certs_port=port("certs_port"),
            oauth_port=port("oauth_port"),
            tick_port=port("tick_port"),
            events_port=port("events_port"),
            pubsub_port=port("pubsub_port"),
            web_port=port("web_port"),
            tick_seconds=_seconds(env, "NUDGE_LOCAL_TICK_SECONDS", 60.0),
            state_dir=state_dir(env),
        )

    @property
    def app_url(self) -> str:
        return f"http://{self.host}:{self.app_port}/"

    @property
    def emulator_url(self) -> str:
        return f"http://{self.host}:{self.emulator_port}/"

    @property
    def certs_url(self) -> str:
        return f"http://{self.host}:{self.certs_port}/certs"

    @property
    def oauth_url(self) -> str:
        return f"http://{self.host}:{self.oauth_port}"

    @property
    def tick_url(self) -> str:
        """Where the scheduler pushes ticks (a Pub/Sub push path, as Google would)."""
        return f"http://{self.host}:{self.tick_port}/projects/nudge-local/topics/nudge-tick"

    @property
    def events_url(self) -> str:
        return f"http://{self.host}:{self.events_port}/"

    def push_endpoint(self, topic: str) -> str:
        """Where a topic's push subscription delivers: ``workspace_events``, path naming it."""
        return f"{self.events_url}projects/{LOCAL_PROJECT}/topics/{topic}"

    def overrides(self) -> dict[str, str]:
        """The ``NUDGE_LOCAL_*`` variables that differ from the defaults."""
        default = LocalStack()
        found = {
            name: str(getattr(self, attr))
            for attr, (name, _) in PORT_VARIABLES.items()
            if getattr(self, attr) != getattr(default, attr)
        }
        if self.state_dir != default.state_dir:
            found["NUDGE_LOCAL_DIR"] = str(self.state_dir)
        return found


def token_key(directory: Path | None = None) -> str:
    """The local refresh-token encryption key, made on first use (0600)."""
    directory = state_dir() if directory is None else directory
    path = directory / "token.key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip()


def app_environment(
    stack: LocalStack | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment ``chat_app`` runs with locally: every Google endpoint on loopback."""
    env = dict(os.environ if base is None else base)
    stack = LocalStack.from_env(env) if stack is None else stack
    env.update(
        {
            "NUDGE_CHAT_AUDIENCE": stack.audience,
            "NUDGE_CHAT_CERTS_URL": stack.certs_url,
            "NUDGE_VERIFY_REQUESTS": "true",
            "NUDGE_PUBLIC_URL": stack.app_url.rstrip("/"),
            "NUDGE_CHAT_API_ENDPOINT": stack.emulator_url,
            "NUDGE_OAUTH_AUTH_URL": f"{stack.oauth_url}/o/oauth2/v2/auth",
            "NUDGE_OAUTH_TOKEN_URL": f"{stack.oauth_url}/token",
            "NUDGE_OAUTH_REVOKE_URL": f"{stack.oauth_url}/revoke",
            "NUDGE_OAUTH_CLIENT_ID": "local-client.apps.googleusercontent.com",
            "NUDGE_OAUTH_CLIENT_SECRET": "local-client-secret",
            "NUDGE_TOKEN_KEY": token_key(stack.state_dir),
            "NUDGE_DATABASE": str(stack.state_dir / "nudge.db"),
            "NUDGE_CHAT_API_TOKEN": "local-app-token",
            "NUDGE_COMMAND_IDS": LOCAL_COMMAND_IDS,
        }
    )
    # File variants would win over nothing but confuse readers; the values above are final.
    for name in (
        "NUDGE_TOKEN_KEY_FILE",
        "NUDGE_CHAT_API_TOKEN_FILE",
        "NUDGE_OAUTH_CLIENT_ID_FILE",
        "NUDGE_OAUTH_CLIENT_SECRET_FILE",
    ):
        env.pop(name, None)
    return env


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
    from devkit.emulator import ChatEmulator
    from devkit.oauth_server import OAuthServer
    from devkit.web import WebSimulator

    if argv is None:
        argv = sys.argv[1:]
    if argv:
        print(__doc__, file=sys.stderr if argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if argv[0] in ("-h", "--help") else 2
    try:
        stack = LocalStack.from_env()
        env = app_environment(stack)
        plan = jobs_plan(env)
    except ConfigError as exc:
        print(f"nudge local: {exc}", file=sys.stderr)
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
        part = "certs server"
        try:
            certs = CertsServer(key, host=stack.host, port=stack.certs_port).start()
            stops.append(certs.stop)
            part = "OAuth server"
            oauth = OAuthServer(host=stack.host, port=stack.oauth_port).start()
            stops.append(oauth.stop)
            part = "Chat API emulator"
            pubsub_host, events_topic = event_sink(pubsub)
            emulator = ChatEmulator(
                host=stack.host,
                port=stack.emulator_port,
                tokeninfo_url=f"{stack.oauth_url}/tokeninfo",
                pubsub_host=pubsub_host,
                events_topic=events_topic,
            ).start()
            stops.append(emulator.stop)
            part = "web simulator"
            web = WebSimulator(
                app_url=stack.app_url,
                emulator_url=stack.emulator_url,
                key=key,
                audience=stack.audience,
                host=stack.host,
                port=stack.web_port,
            ).start()
            stops.append(web.stop)
        except OSError as exc:
            print(
                f"nudge local: the {part} cannot listen on {stack.host}: {exc.strerror or exc}. "
                "Stop whatever uses the port or choose others with NUDGE_LOCAL_*_PORT.",
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
