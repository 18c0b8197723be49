"""Every ``NUDGE_`` setting, read once from the environment.

``Settings.from_env`` is pure (it takes a mapping), so tests build their own;
the process-wide instance belongs to the runtime (``shared.wiring``).
The README's Configuration table documents each field; keep them in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CHAT_ISSUER = "chat@system.gserviceaccount.com"
DEFAULT_CHAT_CERTS_URL = (
    "https://www.googleapis.com/service_accounts/v1/metadata/x509/chat@system.gserviceaccount.com"
)
DEFAULT_OIDC_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
DEFAULT_CHAT_API_ENDPOINT = "https://chat.googleapis.com/"
DEFAULT_WORKSPACE_EVENTS_ENDPOINT = "https://workspaceevents.googleapis.com/"
#: Calendar's ``api_endpoint`` replaces ``rootUrl + servicePath``, so it ends in ``calendar/v3/``.
DEFAULT_CALENDAR_API_ENDPOINT = "https://www.googleapis.com/calendar/v3/"
DEFAULT_MEET_API_ENDPOINT = "https://meet.googleapis.com/"
DEFAULT_PEOPLE_API_ENDPOINT = "https://people.googleapis.com/"
#: ``projects/{project}/topics/{topic}``: the form of a Pub/Sub topic's full name.
_TOPIC = re.compile(r"projects/[^/\s]+/topics/[^/\s]+")
DEFAULT_OAUTH_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
DEFAULT_OAUTH_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
DEFAULT_OAUTH_REVOKE_URL = "https://oauth2.googleapis.com/revoke"
CHAT_BOT_SCOPE = "https://www.googleapis.com/auth/chat.bot"
#: Where the embedded store lives when nothing else is configured (not on Cloud Functions).
DEFAULT_LOCAL_DATABASE = ".nudge/nudge.db"
#: The storage backends ``NUDGE_STORE`` chooses from.
STORES = ("sqlite", "firestore")
#: How deferred jobs run (``NUDGE_JOBS_MODE``): published to Pub/Sub, or in this process.
JOBS_MODES = ("pubsub", "inline")
#: How logs are written (``NUDGE_LOG_FORMAT``).
LOG_FORMATS = ("json", "text")
DEFAULT_FIRESTORE_DATABASE = "(default)"
DEFAULT_FIRESTORE_PREFIX = "nudge_"
# Collection IDs may not contain "/" or look like "__x__"; keep the prefix plain.
_FIRESTORE_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting is present but cannot be understood."""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first is the default)."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return allowed[0]
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return raw


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive, finite number of seconds."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, not {raw!r}")
    return value


def _firestore_prefix(env: Mapping[str, str]) -> str:
    raw = env.get("NUDGE_FIRESTORE_PREFIX", "").strip()
    if not raw:
        return DEFAULT_FIRESTORE_PREFIX
    if not _FIRESTORE_PREFIX.fullmatch(raw):
        raise ConfigError(
            f"NUDGE_FIRESTORE_PREFIX must be letters, digits, _ and - (up to 64), not {raw!r}"
        )
    return raw


def _topic(env: Mapping[str, str], name: str) -> str | None:
    """A Pub/Sub topic's full name (``projects/P/topics/T``), or ``None`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not _TOPIC.fullmatch(raw):
        raise ConfigError(f"{name} must be projects/PROJECT/topics/TOPIC, not {raw!r}")
    return raw


def _push_url(env: Mapping[str, str]) -> str | None:
    """``NUDGE_CALENDAR_PUSH_URL``: HTTPS (plain HTTP only on loopback, for local runs)."""
    raw = env.get("NUDGE_CALENDAR_PUSH_URL", "").strip()
    if not raw:
        return None
    loopback = re.match(r"http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/", raw)
    if not (raw.startswith("https://") or loopback):
        raise ConfigError(
            "NUDGE_CALENDAR_PUSH_URL must be an https:// URL (Google Calendar delivers only "
            f"to HTTPS with a valid certificate), not {raw!r}"
        )
    return raw


def _minutes(env: Mapping[str, str], name: str) -> int | None:
    """A whole number of minutes from 1 to 1440, or ``None`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    value = _int(env, name, 0)
    if not 1 <= value <= 1440:
        raise ConfigError(f"{name} must be between 1 and 1440 minutes, not {raw!r}")
    return value


def _command_ids(raw: str) -> Mapping[str, int]:
    """Parse ``/help=1,/remind=2`` into ``{"/help": 1, "/remind": 2}``."""
    ids: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        name, sep, number = part.partition("=")
        if not sep or not number.strip().isdigit():
            raise ConfigError(f"NUDGE_COMMAND_IDS entry {part!r} is not NAME=ID")
        name = name.strip()
        ids[name if name.startswith("/") else "/" + name] = int(number)
    return ids


def _scopes(raw: str) -> tuple[str, ...]:
    scopes = []
    for item in raw.replace(",", " ").split():
        if not item.startswith("https://"):
            item = "https://www.googleapis.com/auth/" + item
        scopes.append(item)
    return tuple(scopes)


def read_secret(env: Mapping[str, str], name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``.

    Cloud Functions mount Secret Manager secrets either way, so this one
    function covers production and local runs alike.
    """
    value = env.get(name, "").strip()
    if value:
        return value
    path = env.get(name + "_FILE", "").strip()
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None
    return None


@dataclass(frozen=True, slots=True)
class Settings:
    """Nudge's configuration. Every field maps to one ``NUDGE_`` variable."""

    # Verification of incoming Chat requests.
    chat_audience: str | None = None
    chat_certs_url: str = DEFAULT_CHAT_CERTS_URL
    oidc_certs_url: str = DEFAULT_OIDC_CERTS_URL
    addon_service_account: str | None = None
    verify_requests: bool = True
    certs_min_refetch_seconds: int = 60
    # The public URL of chat_app: add-on button actions and the OAuth redirect use it.
    public_url: str | None = None
    # Whether the Chat app is configured as a Workspace add-on ("addon") or not ("legacy"):
    # messages Nudge posts on its own carry buttons in that format.
    app_format: str = "legacy"
    # Routing.
    command_ids: Mapping[str, int] = field(default_factory=dict)
    app_name: str = "Nudge"
    max_body_bytes: int = 1_000_000
    #: How long reading one request body may take in all (slow senders get 408).
    body_read_timeout_seconds: float = 10.0
    # Logging and tracing.
    project_id: str | None = None
    log_level: str = "INFO"
    #: ``json`` (Cloud Logging's structured lines) or ``text`` (readable lines); ``None``
    #: means JSON on Cloud Functions and text elsewhere (``structured_logs``).
    log_format: str | None = None
    # The Chat API and app auth.
    chat_api_endpoint: str = DEFAULT_CHAT_API_ENDPOINT
    chat_scopes: tuple[str, ...] = (CHAT_BOT_SCOPE,)
    service_account_file: str | None = None
    #: A fixed bearer token for the Chat API; only for the local emulator.
    chat_api_token: str | None = None
    # The Workspace Events API (subscriptions) and the Pub/Sub topic they deliver to.
    workspace_events_endpoint: str = DEFAULT_WORKSPACE_EVENTS_ENDPOINT
    #: ``projects/P/topics/T``; ``None`` means /subscribe is not set up.
    events_topic: str | None = None
    # Google Calendar, Meet and People (the meetings feature).
    calendar_api_endpoint: str = DEFAULT_CALENDAR_API_ENDPOINT
    meet_api_endpoint: str = DEFAULT_MEET_API_ENDPOINT
    people_api_endpoint: str = DEFAULT_PEOPLE_API_ENDPOINT
    #: Where Calendar delivers change notifications (``…/calendar/notifications`` on chat_app,
    #: public HTTPS); ``None`` means no push channels: the tick's sweep alone keeps calendars
    #: in sync.
    calendar_push_url: str | None = None
    #: Minutes between two incremental syncs of a calendar by the tick's sweep; ``None``
    #: means 30 with push (a safety net: Google drops some pushes) and 5 without.
    calendar_sweep_minutes: int | None = None
    # User OAuth.
    oauth_auth_url: str = DEFAULT_OAUTH_AUTH_URL
    oauth_token_url: str = DEFAULT_OAUTH_TOKEN_URL
    oauth_revoke_url: str = DEFAULT_OAUTH_REVOKE_URL
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = None
    token_key: str | None = None
    # Storage: the SQLite file; ``None`` means the local default (refused on Cloud Functions).
    database: str | None = None
    # The storage backend, one of STORES; ``None`` means the default for where Nudge runs
    # (``store_backend``): Firestore on Cloud Functions, SQLite elsewhere.
    store: str | None = None
    # Firestore: the database ID and the prefix of every collection's name (``nudge_reminders``).
    # The project is ``project_id`` (or, when that is unset, the client library's default).
    firestore_database: str = DEFAULT_FIRESTORE_DATABASE
    firestore_prefix: str = DEFAULT_FIRESTORE_PREFIX
    # The tick: jobs stop this many seconds after it starts, leaving the rest to the next one.
    tick_deadline_seconds: int = 50
    # Deferred work (``ctx.defer``): the topic jobs are published to (``projects/P/topics/T``),
    # and how they run (``jobs_backend``): "pubsub", "inline" (a thread here), or the default.
    jobs_topic: str | None = None
    jobs_mode: str | None = None
    # Where Nudge runs: Cloud Functions (gen2) sets ``K_SERVICE`` on every instance.
    on_cloud_functions: bool = False
    # Incoming webhook (a secret URL).
    webhook_url: str | None = None
    #: Outgoing webhooks may target loopback and private addresses (local development only).
    allow_private_webhooks: bool = False

    @property
    def audience_is_project_number(self) -> bool:
        """True when the audience is a project number, so Chat self-signs its JWTs."""
        return bool(self.chat_audience) and str(self.chat_audience).isdigit()

    @property
    def store_backend(self) -> str:
        """The backend in use: ``NUDGE_STORE``, else Firestore on Cloud Functions, else SQLite."""
        if self.store:
            return self.store
        return "firestore" if self.on_cloud_functions else "sqlite"

    @property
    def jobs_backend(self) -> str:
        """How deferred jobs run: ``NUDGE_JOBS_MODE``; else ``pubsub`` when a topic is set,
        ``inline`` locally, and ``off`` on Cloud Functions (``ctx.defer`` then refuses)."""
        if self.jobs_mode:
            return self.jobs_mode
        if self.jobs_topic:
            return "pubsub"
        return "off" if self.on_cloud_functions else "inline"

    @property
    def structured_logs(self) -> bool:
        """Whether logs are JSON lines: ``NUDGE_LOG_FORMAT``, else only on Cloud Functions."""
        if self.log_format:
            return self.log_format == "json"
        return self.on_cloud_functions

    @property
    def calendar_sweep_seconds(self) -> float:
        """Seconds between sweeps of one calendar (``calendar_sweep_minutes`` or its default)."""
        minutes = self.calendar_sweep_minutes
        if minutes is None:
            minutes = 30 if self.calendar_push_url else 5
        return minutes * 60.0

    @property
    def endpoint_url(self) -> str | None:
        """The URL Chat calls: ``NUDGE_PUBLIC_URL``, else a URL-shaped audience."""
        if self.public_url:
            return self.public_url
        if self.chat_audience and not self.audience_is_project_number:
            return self.chat_audience
        return None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from an environment mapping; raises ConfigError on nonsense."""

        def text(name: str, default: str | None = None) -> str | None:
            raw = env.get(name, "").strip()
            return raw or default

        return cls(
            chat_audience=text("NUDGE_CHAT_AUDIENCE"),
            chat_certs_url=text("NUDGE_CHAT_CERTS_URL") or DEFAULT_CHAT_CERTS_URL,
            oidc_certs_url=text("NUDGE_OIDC_CERTS_URL") or DEFAULT_OIDC_CERTS_URL,
            addon_service_account=text("NUDGE_ADDON_SERVICE_ACCOUNT"),
            verify_requests=_bool(env, "NUDGE_VERIFY_REQUESTS", True),
            certs_min_refetch_seconds=_int(env, "NUDGE_CERTS_MIN_REFETCH_SECONDS", 60),
            public_url=text("NUDGE_PUBLIC_URL"),
            app_format=_choice(env, "NUDGE_APP_FORMAT", ("legacy", "addon")),
            command_ids=_command_ids(env.get("NUDGE_COMMAND_IDS", "")),
            app_name=text("NUDGE_APP_NAME") or "Nudge",
            max_body_bytes=_int(env, "NUDGE_MAX_BODY_BYTES", 1_000_000),
            body_read_timeout_seconds=_seconds(env, "NUDGE_BODY_READ_TIMEOUT_SECONDS", 10.0),
            project_id=text("NUDGE_PROJECT_ID")
            or text("GOOGLE_CLOUD_PROJECT")
            or text("GCLOUD_PROJECT"),
            log_level=(text("NUDGE_LOG_LEVEL") or "INFO").upper(),
            log_format=_choice(env, "NUDGE_LOG_FORMAT", LOG_FORMATS)
            if text("NUDGE_LOG_FORMAT")
            else None,
            chat_api_endpoint=text("NUDGE_CHAT_API_ENDPOINT") or DEFAULT_CHAT_API_ENDPOINT,
            chat_scopes=_scopes(env.get("NUDGE_CHAT_SCOPES", "")) or (CHAT_BOT_SCOPE,),
            service_account_file=text("NUDGE_SERVICE_ACCOUNT_FILE"),
            chat_api_token=read_secret(env, "NUDGE_CHAT_API_TOKEN"),
            workspace_events_endpoint=text("NUDGE_WORKSPACE_EVENTS_ENDPOINT")
            or DEFAULT_WORKSPACE_EVENTS_ENDPOINT,
            events_topic=_topic(env, "NUDGE_EVENTS_TOPIC"),
            calendar_api_endpoint=text("NUDGE_CALENDAR_API_ENDPOINT")
            or DEFAULT_CALENDAR_API_ENDPOINT,
            meet_api_endpoint=text("NUDGE_MEET_API_ENDPOINT") or DEFAULT_MEET_API_ENDPOINT,
            people_api_endpoint=text("NUDGE_PEOPLE_API_ENDPOINT") or DEFAULT_PEOPLE_API_ENDPOINT,
            calendar_push_url=_push_url(env),
            calendar_sweep_minutes=_minutes(env, "NUDGE_CALENDAR_SWEEP_MINUTES"),
            oauth_auth_url=text("NUDGE_OAUTH_AUTH_URL") or DEFAULT_OAUTH_AUTH_URL,
            oauth_token_url=text("NUDGE_OAUTH_TOKEN_URL") or DEFAULT_OAUTH_TOKEN_URL,
            oauth_revoke_url=text("NUDGE_OAUTH_REVOKE_URL") or DEFAULT_OAUTH_REVOKE_URL,
            oauth_client_id=read_secret(env, "NUDGE_OAUTH_CLIENT_ID"),
            oauth_client_secret=read_secret(env, "NUDGE_OAUTH_CLIENT_SECRET"),
            token_key=read_secret(env, "NUDGE_TOKEN_KEY"),
            database=text("NUDGE_DATABASE"),
            store=_choice(env, "NUDGE_STORE", STORES) if text("NUDGE_STORE") else None,
            firestore_database=text("NUDGE_FIRESTORE_DATABASE") or DEFAULT_FIRESTORE_DATABASE,
            firestore_prefix=_firestore_prefix(env),
            tick_deadline_seconds=_int(env, "NUDGE_TICK_DEADLINE_SECONDS", 50),
            jobs_topic=_topic(env, "NUDGE_JOBS_TOPIC"),
            jobs_mode=_choice(env, "NUDGE_JOBS_MODE", JOBS_MODES)
            if text("NUDGE_JOBS_MODE")
            else None,
            on_cloud_functions=bool(text("K_SERVICE")),
            webhook_url=read_secret(env, "NUDGE_WEBHOOK_URL"),
            allow_private_webhooks=_bool(env, "NUDGE_ALLOW_PRIVATE_WEBHOOKS", False),
        )
