"""Where each part of the local stack listens, and the environment ``chat_app`` gets there.

Ports and the state directory come from the environment, read when asked for
(not at import), so ``make run`` and the ``nudge`` CLI agree as long as they see
the same variables (``NUDGE_LOCAL_*``; see ``PORT_VARIABLES``).
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devkit.pubsub import LOCAL_PROJECT
from devkit.sample_events import CONFIG_COMPLETE_PATH
from shared.config import ConfigError

DEFAULT_STATE_DIR = ".nudge"
#: Command IDs as they would be configured in the Chat API console.
LOCAL_COMMAND_IDS = (
    "/help=1,/connect=2,/logout=3,/invite=4,/remind=5,/reminders=6,/meetings=7,/meet=8,"
    "/subscribe=9,/unsubscribe=10"
)
#: What listens on each port, as messages name it.
PORT_PARTS = {
    "app_port": "chat_app",
    "emulator_port": "the Chat API emulator",
    "certs_port": "the certs server",
    "oauth_port": "the OAuth server",
    "tick_port": "reminders_tick",
    "events_port": "workspace_events",
    "pubsub_port": "the Pub/Sub emulator",
    "web_port": "the web simulator",
    "calendar_port": "the Calendar API emulator",
}
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
    "calendar_port": ("NUDGE_LOCAL_CALENDAR_PORT", 8096),
}


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
    calendar_port: int = 8096
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
            calendar_port=port("calendar_port"),
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
    def calendar_url(self) -> str:
        """The Calendar emulator's root (Meet and People are served under it too)."""
        return f"http://{self.host}:{self.calendar_port}/"

    @property
    def certs_url(self) -> str:
        return f"http://{self.host}:{self.certs_port}/certs"

    @property
    def oauth_url(self) -> str:
        return f"http://{self.host}:{self.oauth_port}"

    @property
    def config_complete_url(self) -> str:
        """Where local events' ``configCompleteRedirectUrl`` points (the OAuth server's page)."""
        return self.oauth_url + CONFIG_COMPLETE_PATH

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

    def busy(self, *, pubsub: bool) -> list[str]:
        """One line per port that something else already listens on (empty when all free)."""
        from devkit.ports import busy_ports

        wanted = [a for a in PORT_VARIABLES if pubsub or a != "pubsub_port"]
        found = busy_ports(self.host, [(a, getattr(self, a)) for a in wanted])
        return [
            f"{problem} (wanted by {PORT_PARTS[attr]}; {PORT_VARIABLES[attr][0]} picks another)"
            for attr, _, problem in found
        ]

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
            # The Chat emulator serves the Workspace Events API too (/subscribe, after /meet).
            "NUDGE_WORKSPACE_EVENTS_ENDPOINT": stack.emulator_url,
            "NUDGE_OAUTH_AUTH_URL": f"{stack.oauth_url}/o/oauth2/v2/auth",
            "NUDGE_OAUTH_TOKEN_URL": f"{stack.oauth_url}/token",
            "NUDGE_OAUTH_REVOKE_URL": f"{stack.oauth_url}/revoke",
            "NUDGE_OAUTH_CLIENT_ID": "local-client.apps.googleusercontent.com",
            "NUDGE_OAUTH_CLIENT_SECRET": "local-client-secret",
            "NUDGE_TOKEN_KEY": token_key(stack.state_dir),
            "NUDGE_DATABASE": str(stack.state_dir / "nudge.db"),
            "NUDGE_CHAT_API_TOKEN": "local-app-token",
            "NUDGE_COMMAND_IDS": LOCAL_COMMAND_IDS,
            "NUDGE_CALENDAR_API_ENDPOINT": stack.calendar_url + "calendar/v3/",
            "NUDGE_MEET_API_ENDPOINT": stack.calendar_url,
            "NUDGE_PEOPLE_API_ENDPOINT": stack.calendar_url,
            # The emulator pushes to loopback over plain http, as Calendar would over https.
            "NUDGE_CALENDAR_PUSH_URL": stack.app_url + "calendar/notifications",
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
