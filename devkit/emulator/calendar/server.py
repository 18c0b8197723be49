"""``CalendarEmulator`` (a background server for tests and the local stack) and the CLI ``main``."""

from __future__ import annotations

import argparse
import ipaddress
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from devkit.emulator.calendar.app import CalendarApp
from devkit.emulator.calendar.channels import PushConfig
from devkit.emulator.calendar.control import UNCHANGED, Control
from devkit.emulator.calendar.core import DEFAULT_TOKEN, CalendarCore, UserTokens
from devkit.loopback import LoopbackServer, wait_for_stop

DEFAULT_PORT = 8094
Json = dict[str, Any]


def _check_loopback(host: str) -> None:
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the emulator only listens on loopback (127.0.0.1), not {host!r}")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log (``/_emulator/requests`` has it)."""


class CalendarEmulator(LoopbackServer):
    """Google Calendar v3 (and the Meet v2 reads issue 10 needs) on loopback.

    Seeded with ``dev@example.com`` (America/New_York) and ``alex@example.com``
    (Europe/Berlin); ``local-calendar-token`` is dev with scope ``calendar``.
    ``calendar_url`` is the value for ``build("calendar", "v3",
    client_options={"api_endpoint": …})``; ``meet_url`` for ``build("meet", "v2", …)``.

    ``clock`` is wall-clock time in epoch seconds (event timestamps, channel
    expiry, how far open series expand); ``sleep`` waits out latency and
    timeout faults and push retry backoff. Tests inject a fake clock and its
    sleep, so nothing depends on how fast the machine is.
    """

    thread_name = "calendar-emulator"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        faults: Mapping[str, Any] | None = None,
        tokeninfo_url: str | None = None,
        verbose: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        _check_loopback(host)
        super().__init__(host, port)
        self.host = host
        self.verbose = verbose
        self.core = CalendarCore(clock=clock, sleep=sleep, tokens=UserTokens(tokeninfo_url))
        if faults:
            self.core.faults.configure(faults)
        self.app = CalendarApp(self.core)
        self.control = Control(self.core, self.app.routes.events)

    # --- lifecycle -----------------------------------------------------------------------------

    def _make_server(self) -> BaseWSGIServer:
        handler = WSGIRequestHandler if self.verbose else _QuietHandler
        return make_server(self._host, self._port, self.app, threaded=True, request_handler=handler)

    def start(self) -> CalendarEmulator:
        """Listen, serve and deliver pushes on daemon threads; returns ``self``."""
        self.core.stop.clear()
        self.core.notifier.start()
        super().start()
        if self._httpd is not None:
            self._port = self._httpd.server_port
        return self

    def stop(self) -> None:
        """Stop serving and delivering; requests hanging on a fault end at once."""
        self.core.stop.set()
        self.core.notifier.stop()
        super().stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``: the root (Meet's paths are ``v2/…``)."""
        return f"http://{self.host}:{self._port}/"

    @property
    def calendar_url(self) -> str:
        """``http://127.0.0.1:PORT/calendar/v3/``: ``api_endpoint`` for the Calendar client."""
        return self.url + "calendar/v3/"

    meet_url = url

    # --- users and tokens ----------------------------------------------------------------------

    def add_user(
        self,
        email: str,
        *,
        display_name: str = "",
        time_zone: str = "UTC",
        timezone_setting: str | None = "",
    ) -> Json:
        """A user with a primary calendar in ``time_zone``; ``timezone_setting=None``: unset."""
        return self.control.add_user(
            email, display_name=display_name, time_zone=time_zone, timezone_setting=timezone_setting
        )

    def register_token(
        self, token: str, email: str, scopes: Sequence[str] = ("calendar",), **kwargs: Any
    ) -> Json:
        """Map a bearer token to a user (created if new) with OAuth scopes (short or full)."""
        return self.control.register_token(token, email, scopes, **kwargs)

    def set_time_zone(
        self, email: str, *, calendar: str | None = None, setting: Any = UNCHANGED
    ) -> Json:
        return self.control.set_time_zone(email, calendar=calendar, setting=setting)

    # --- acting as a user ------------------------------------------------------------------------

    def create_event(self, as_user: str, event: Mapping[str, Any], **kwargs: Any) -> Json:
        """Insert into ``as_user``'s primary calendar, as organizer; ``conference=True``: Meet."""
        return self.control.create_event(as_user, event, **kwargs)

    def patch_event(self, as_user: str, event_id: str, changes: Mapping[str, Any]) -> Json:
        return self.control.patch_event(as_user, event_id, changes)

    def move_event(self, as_user: str, event_id: str, start: Any, end: Any = None) -> Json:
        """Move an event or instance (without ``end``, it keeps its length)."""
        return self.control.move_event(as_user, event_id, start, end)

    def respond(self, as_user: str, event_id: str, status: str) -> Json:
        return self.control.respond(as_user, event_id, status)

    def decline(self, as_user: str, event_id: str) -> Json:
        return self.control.respond(as_user, event_id, "declined")

    def cancel_event(self, as_user: str, event_id: str) -> None:
        self.control.cancel_event(as_user, event_id)

    def add_exception(
        self, as_user: str, series_id: str, original_start: Any, **kwargs: Any
    ) -> str:
        """Move (``start``/``end``), change (``changes``) or cancel one instance; returns its id."""
        return self.control.add_exception(as_user, series_id, original_start, **kwargs)

    # --- knobs and inspection --------------------------------------------------------------------

    def expire_sync_tokens(self, email: str) -> int:
        return self.control.expire_sync_tokens(email)

    def set_knobs(self, **values: Any) -> Json:
        """``short_pages``, ``conference_status`` (success|pending|failure), ``horizon_days``."""
        return self.control.set_knobs(**values)

    def resolve_conferences(self) -> int:
        return self.control.resolve_conferences()

    def set_push(self, config: PushConfig | Mapping[str, Any] | None = None, **values: Any) -> Json:
        """e.g. ``set_push(drop_next=1)``, ``set_push(duplicate_next=2)``; no arguments clears."""
        return self.control.set_push(config, **values)

    def set_faults(self, config: Mapping[str, Any] | None = None, **values: Any) -> Json:
        """e.g. ``set_faults(error_rate=1, errors=["quotaExceeded"])``; no arguments clears."""
        return self.control.set_faults(config, **values)

    def expire_channels(self, channel_id: str | None = None) -> int:
        return self.core.notifier.expire(channel_id)

    def channels(self) -> list[Json]:
        return self.core.notifier.snapshot()[0]

    def deliveries(self) -> list[Json]:
        return self.core.notifier.snapshot()[1]

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued push has been delivered (or dropped)."""
        return self.core.notifier.flush(timeout)

    def events(self, email: str) -> list[Json]:
        return self.control.events_of(email)

    def end_conference(self, meeting_code: str, **kwargs: Any) -> Json:
        """End a Meet conference: a record, a transcript (and a recording), Meet events logged."""
        return self.core.meet.end_conference(meeting_code, **kwargs)

    def meet_events(self) -> list[Json]:
        return list(self.core.meet.events)

    def on_meet_event(self, callback: Callable[[str, Json, str], None]) -> None:
        """Call ``callback(event_type, data, space)`` for each Meet event (``space``: the
        Meet space, ``spaces/M``); ``devkit.emulator.meet_bridge`` forwards them."""
        self.core.meet.listeners.append(callback)

    def requests(self) -> list[Json]:
        return self.core.journal.requests()

    def stats(self) -> Json:
        return self.core.journal.stats()

    def reset(self) -> None:
        """Seeded users only: no events, channels, faults or knobs (tokens survive)."""
        self.core.reset()


# --- command line ------------------------------------------------------------------------------


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, **kwargs: Any) -> int:
    """Run the emulator in the foreground until Ctrl-C or SIGTERM."""
    emulator = CalendarEmulator(host, port, **kwargs)
    emulator.start()
    print(
        f"Calendar API emulator listening on {emulator.url}\n"
        f"  build('calendar', 'v3', client_options={{'api_endpoint': '{emulator.calendar_url}'}})\n"
        f"  build('meet', 'v2', client_options={{'api_endpoint': '{emulator.meet_url}'}})\n"
        f"  token for dev@example.com (scope calendar): {DEFAULT_TOKEN}\n"
        f"  control: {emulator.url}_emulator/  (see devkit/emulator/calendar/inspection.py)\n"
        "Ctrl-C stops it.",
        flush=True,
    )
    try:
        wait_for_stop()
    finally:
        emulator.stop()
    return 0


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m devkit.emulator.calendar [--host H] [--port P] [--latency-ms N] …``."""
    parser = argparse.ArgumentParser(
        prog="python -m devkit.emulator.calendar", description=CalendarEmulator.__doc__
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--latency-ms", type=int, default=0, help="added latency per request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests failed")
    parser.add_argument(
        "--errors", default="backendError", help="comma-separated error names for --error-rate"
    )
    parser.add_argument("--seed", type=int, default=None, help="fault RNG seed")
    parser.add_argument("--tokeninfo-url", default=None, help="introspect unknown tokens here")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(None if argv is None else list(argv))
    faults = {
        "latency_ms": args.latency_ms,
        "error_rate": args.error_rate,
        "errors": [e.strip() for e in args.errors.split(",") if e.strip()],
        "seed": args.seed,
    }
    try:
        return serve(
            args.host,
            args.port,
            faults=faults,
            tokeninfo_url=args.tokeninfo_url,
            verbose=args.verbose,
        )
    except (ValueError, OSError) as exc:
        print(f"calendar emulator: {exc}", file=sys.stderr)
        return 2
