"""``ChatEmulator`` (background server for tests and ``make run``) and the CLI ``main``."""

from __future__ import annotations

import argparse
import ipaddress
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devkit.emulator.app import EmulatorApp
from devkit.emulator.auth import Kind, TokenRegistry
from devkit.emulator.core import Core
from devkit.emulator.faults import FaultConfig, Faults
from devkit.emulator.inspection import seed_space, space_messages, space_transcript
from devkit.emulator.quotas import Quotas
from devkit.emulator.state import DEFAULT_SPACE
from devkit.emulator.workspace_inspection import join_as, post_as, react_as
from devkit.loopback import LoopbackServer, wait_for_stop

DEFAULT_PORT = 8090


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No per-request access log (``/_emulator/requests`` has it)."""


def _space(space: str) -> str:
    return space if space.startswith("spaces/") else f"spaces/{space}"


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the emulator only listens on loopback (127.0.0.1), not {host!r}")


def _fault_config(faults: FaultConfig | Mapping[str, Any] | None) -> FaultConfig:
    if faults is None:
        return FaultConfig()
    if isinstance(faults, FaultConfig):
        return faults
    return FaultConfig.from_json(dict(faults))


class ChatEmulator(LoopbackServer):
    """A local Chat REST API (v1) on loopback, seeded with ``spaces/AAAA`` and ``spaces/DM1``.

    Use as a context manager or call ``start()``/``stop()``. ``url`` is the
    value for ``client_options={"api_endpoint": emu.url}``.

    ``clock`` times the quota windows (default ``time.monotonic``); ``sleep``
    waits out latency and timeout faults (default: a wall-clock wait that
    ``stop()`` ends early). Tests pass a virtual clock and its sleep, so that
    no result depends on how fast the machine is.

    It also serves the Workspace Events API's subscriptions (same ``url``).
    Their events are kept in memory (``published()``) and, with
    ``pubsub_host`` (a Pub/Sub emulator's ``host:port``, as in
    ``PUBSUB_EMULATOR_HOST``), published there to each subscription's topic, or
    to ``events_topic`` for all of them when given (``set_event_sink`` changes
    both later, as does ``POST /_emulator/workspace/sink``).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        quotas: bool = False,
        faults: FaultConfig | Mapping[str, Any] | None = None,
        tokeninfo_url: str | None = None,
        verbose: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        pubsub_host: str | None = None,
        events_topic: str | None = None,
    ) -> None:
        _check_loopback(host)
        super().__init__(host, port)
        self.host = host
        self.verbose = verbose
        self.core = Core(
            tokens=TokenRegistry(tokeninfo_url),
            quotas=Quotas(quotas, clock=clock),
            faults=Faults(_fault_config(faults)),
            sleep=sleep,
        )
        self.core.state.seed_defaults()
        self.core.workspace.publisher.configure(pubsub_host, events_topic)
        self.app = EmulatorApp(self.core)

    # --- lifecycle -------------------------------------------------------------------

    thread_name = "chat-emulator"

    def _make_server(self) -> BaseWSGIServer:
        handler = WSGIRequestHandler if self.verbose else _QuietHandler
        return make_server(self._host, self._port, self.app, threaded=True, request_handler=handler)

    def start(self) -> ChatEmulator:
        """Listen and serve on a daemon thread; returns ``self``."""
        self.core.stop.clear()
        super().start()
        if self._httpd is not None:
            self._port = self._httpd.server_port
        return self

    def stop(self) -> None:
        """Stop serving; requests hanging on a fault end at once."""
        self.core.stop.set()
        super().stop()
        self.core.workspace.publisher.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``: the Chat API root (paths are ``v1/spaces/…``)."""
        return f"http://{self.host}:{self._port}/"

    def webhook_url(self, space: str = DEFAULT_SPACE) -> str:
        """The incoming-webhook URL of ``space`` (it holds the secret key and token)."""
        with self.core.state.lock:
            found = self.core.state.require_space(_space(space))
            key, token = found.webhook_key, found.webhook_token
        if not key:
            raise ValueError(f"{space} has no webhook")
        return f"{self.url}v1/{found.name}/messages?key={key}&token={token}"

    # --- inspection and control ------------------------------------------------------

    def messages(self, space: str = DEFAULT_SPACE) -> list[dict[str, Any]]:
        """Every message in ``space`` (``"AAAA"`` or ``"spaces/AAAA"``), with ``deleted``."""
        return space_messages(self.core.state, _space(space))

    def transcript(self, space: str = DEFAULT_SPACE) -> str:
        return space_transcript(self.core.state, _space(space))

    def stats(self) -> dict[str, Any]:
        return self.core.journal.stats()

    def requests(self) -> list[dict[str, Any]]:
        return self.core.journal.requests()

    def reset(self) -> None:
        """Back to the seeded defaults (tokens and the quota switch survive)."""
        self.core.reset()

    def set_faults(
        self, config: FaultConfig | Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        """Replace the fault settings, e.g. ``set_faults(error_rate=1, statuses=[503])``.

        Without arguments, all faults are cleared.
        """
        merged = dict(_fault_config(config).to_json()) if config is not None else {}
        merged.update(kwargs)
        self.core.faults.configure(FaultConfig.from_json(merged))

    def set_quotas(self, enabled: bool = True) -> None:
        self.core.quotas.enabled = enabled
        self.core.quotas.reset()

    def add_space(
        self,
        name: str,
        *,
        display_name: str = "",
        space_type: str = "SPACE",
        members: Iterable[Any] = (),
        webhook_key: str | None = None,
        webhook_token: str | None = None,
        app_member: bool = True,
    ) -> dict[str, Any]:
        """Seed a space; ``members`` are ``users/{id}``, emails, or dicts
        ``{name|email, displayName, autoAccept, state, role}``."""
        return seed_space(
            self.core.state,
            {
                "name": name,
                "displayName": display_name,
                "spaceType": space_type,
                "members": list(members),
                "webhook": {"key": webhook_key, "token": webhook_token},
                "appMember": app_member,
            },
        )

    def add_user(
        self,
        name: str,
        *,
        email: str | None = None,
        display_name: str = "",
        auto_accept: bool = True,
    ) -> None:
        """Add a user to the directory (``auto_accept=False``: new memberships are INVITED)."""
        self.core.state.add_user(name, email, display_name, auto_accept)

    def register_token(
        self,
        token: str,
        *,
        kind: Kind = "user",
        user: str | None = None,
        scopes: Sequence[str] = (),
        display_name: str | None = None,
        email: str | None = None,
    ) -> None:
        """Map a bearer token to the app or a user, with OAuth scopes (short or full)."""
        principal = self.core.tokens.register(
            token, kind=kind, user=user, scopes=scopes, display_name=display_name, email=email
        )
        if principal.kind == "user":
            with self.core.state.lock:
                if principal.user not in self.core.state.users:
                    self.core.state.add_user(principal.user, email, display_name or "")

    # --- Workspace Events ------------------------------------------------------------

    def set_event_sink(self, pubsub_host: str | None, topic: str | None = None) -> None:
        """Publish subscriptions' events to this Pub/Sub emulator (``None``: memory only)."""
        self.core.workspace.publisher.configure(pubsub_host, topic)

    def published(self, *, clear: bool = False) -> list[dict[str, Any]]:
        """Every event subscriptions published, oldest first: ``{subscription, topic,
        message: {attributes, data, orderingKey}, payload, delivery}``."""
        return self.core.workspace.publisher.events(clear=clear)

    def flush_events(self, timeout: float = 10.0) -> bool:
        """Wait until queued events reached the Pub/Sub emulator."""
        return self.core.workspace.publisher.flush(timeout)

    def subscriptions(self) -> list[dict[str, Any]]:
        return self.core.workspace.all_subscriptions()

    def suspend_subscription(self, name: str, reason: str = "USER_SCOPE_REVOKED") -> None:
        """Suspend ``subscriptions/ID`` now; a ``suspended`` lifecycle event is published."""
        self.core.workspace.suspend(name, reason)

    def expire_subscription(self, name: str) -> None:
        """Expire ``subscriptions/ID`` now: deleted, and ``expired`` published."""
        self.core.workspace.expire(name)

    def advance_time(self, seconds: float) -> None:
        """Move the subscriptions' clock ahead: reminders and expiry happen as they would."""
        self.core.workspace.advance(seconds)

    def set_pending_polls(self, polls: int) -> None:
        """Make each new operation answer ``done: false`` until polled ``polls`` times."""
        self.core.workspace.pending_polls = polls

    def publish_meet_event(self, space: str, event_type: str, data: dict[str, Any]) -> int:
        """Google Meet reports ``event_type`` in its space ``spaces/M`` (``data``: names only):
        published to the subscriptions on that Meet space; how many received it."""
        return self.core.workspace.publish_meet_event(space, event_type, data)

    def post_as(self, user: str, text: str, space: str = DEFAULT_SPACE) -> dict[str, Any]:
        """``user`` posts ``text`` as in the Chat UI (subscriptions are told)."""
        return post_as(self.core, _space(space), user, text)

    def join_as(self, user: str, space: str = DEFAULT_SPACE) -> dict[str, Any]:
        """``user`` joins ``space`` (subscriptions are told)."""
        return join_as(self.core, _space(space), user)

    def react_as(self, user: str, message: str, emoji: str) -> dict[str, Any]:
        """``user`` reacts to ``message`` (``spaces/S/messages/M``) with ``emoji``."""
        return react_as(self.core, message, user, emoji)


# --- command line --------------------------------------------------------------------------


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    quotas: bool = False,
    faults: FaultConfig | Mapping[str, Any] | None = None,
    tokeninfo_url: str | None = None,
    verbose: bool = False,
    pubsub_host: str | None = None,
    events_topic: str | None = None,
) -> int:
    """Run the emulator in the foreground until Ctrl-C or SIGTERM."""
    emulator = ChatEmulator(
        host,
        port,
        quotas=quotas,
        faults=faults,
        tokeninfo_url=tokeninfo_url,
        verbose=verbose,
        pubsub_host=pubsub_host,
        events_topic=events_topic,
    )
    emulator.start()
    print(
        f"Chat API emulator listening on {emulator.url}  (quotas {'on' if quotas else 'off'})\n"
        f"  client_options={{'api_endpoint': '{emulator.url}'}}\n"
        f"  transcript: {emulator.url}_emulator/spaces/AAAA/transcript\n"
        f"  webhook:    {emulator.url}v1/spaces/AAAA/messages?key=…&token=…\n"
        "Ctrl-C stops it.",
        flush=True,
    )
    try:
        wait_for_stop()
    finally:
        emulator.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m devkit.emulator [--host H] [--port P] [--quotas] [--latency-ms N] …``."""
    parser = argparse.ArgumentParser(prog="python -m devkit.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--quotas", action="store_true", help="enforce 1 write/s per space")
    parser.add_argument("--latency-ms", type=int, default=0, help="added latency per request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests failed")
    parser.add_argument(
        "--statuses", default="503", help="comma-separated codes for --error-rate (default 503)"
    )
    parser.add_argument("--seed", type=int, default=None, help="fault RNG seed")
    parser.add_argument("--tokeninfo-url", default=None, help="introspect unknown tokens here")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--pubsub-host",
        default=None,
        help="publish Workspace events to this Pub/Sub emulator (host:port)",
    )
    parser.add_argument(
        "--events-topic",
        default=None,
        help="publish every Workspace event to this topic (projects/P/topics/T) "
        "instead of each subscription's own",
    )
    args = parser.parse_args(argv)
    try:
        faults = FaultConfig(
            error_rate=args.error_rate,
            statuses=[int(s) for s in args.statuses.split(",") if s.strip()],
            latency_ms=args.latency_ms,
            seed=args.seed,
        )
        faults.check()
        return serve(
            args.host,
            args.port,
            quotas=args.quotas,
            faults=faults,
            tokeninfo_url=args.tokeninfo_url,
            verbose=args.verbose,
            pubsub_host=args.pubsub_host,
            events_topic=args.events_topic,
        )
    except (ValueError, OSError) as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 2
