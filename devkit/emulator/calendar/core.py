"""``CalendarCore``: the emulator's parts, plus user tokens and Calendar-shaped faults.

Tokens: the Chat emulator's ``TokenRegistry`` (with its optional tokeninfo
introspection) holds the principals, but Calendar is user-only: a token
nobody registered is a 401 ``authError`` here rather than "the app", and a
principal needs an email, which names the user's primary calendar.

Faults: the shared ``Faults`` decides latency, errors, timeouts, 429 bursts and
after-commit failures; ``CalendarFaults`` turns its error into one of
Google's Calendar bodies (§6), chosen by name through ``errors``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.emulator.auth import Principal, TokenRegistry
from devkit.emulator.calendar.errors import (
    NAMED_ERRORS,
    CalendarError,
    as_calendar_error,
    auth_error,
)
from devkit.emulator.calendar.meet import MeetService
from devkit.emulator.calendar.push import Notifier
from devkit.emulator.calendar.store import Store, user_name_for
from devkit.emulator.errors import ApiError
from devkit.emulator.faults import Decision, FaultConfig, Faults
from devkit.emulator.journal import Journal

Json = dict[str, Any]
DEFAULT_TOKEN = "local-calendar-token"  # noqa: S105 - a well-known local token (dev, full scope)


class UserTokens:
    """Bearer tokens -> users (emails) with scopes; unknown tokens are 401 (unless tokeninfo)."""

    def __init__(self, tokeninfo_url: str | None = None) -> None:
        self.registry = TokenRegistry(tokeninfo_url)
        self._lock = threading.Lock()
        self._known: dict[str, Principal] = {}

    def register(
        self,
        token: str,
        email: str,
        scopes: Iterable[str],
        *,
        user: str | None = None,
        display_name: str | None = None,
    ) -> Principal:
        email = email.strip().lower()
        principal = self.registry.register(
            token,
            kind="user",
            user=user or user_name_for(email),
            scopes=scopes,
            display_name=display_name,
            email=email,
        )
        with self._lock:
            self._known[token] = principal
        return principal

    def resolve(self, token: str) -> Principal:
        with self._lock:
            known = self._known.get(token)
        if known is not None:
            return known
        if not self.registry.tokeninfo_url:
            raise auth_error()
        try:
            principal = self.registry.resolve(token)
        except ApiError as error:
            raise as_calendar_error(error) from None
        if principal.kind != "user" or not principal.email:
            raise auth_error()
        return principal


class CalendarFaults:
    """The shared ``Faults`` with Calendar's error bodies.

    ``configure`` takes a ``FaultConfig`` as JSON plus ``errors``: names from
    ``NAMED_ERRORS`` (``rateLimitExceeded``, ``rateLimitExceeded429``,
    ``quotaExceeded``, ``userRateLimitExceeded``, ``authError``, ``backendError``,
    ``backendError503``). With ``errors`` set, ``statuses`` follows from them.
    """

    def __init__(self) -> None:
        self.shared = Faults()
        self._lock = threading.Lock()
        self.configure({})

    def configure(self, data: Mapping[str, Any]) -> None:
        settings = dict(data)
        names = list(settings.pop("errors", None) or [])
        unknown = [n for n in names if n not in NAMED_ERRORS]
        if unknown:
            raise ValueError(
                f"unknown errors: {', '.join(unknown)} (known: {', '.join(NAMED_ERRORS)})"
            )
        by_code: dict[int, list[str]] = {}
        for name in names:
            by_code.setdefault(NAMED_ERRORS[name]().code, []).append(name)
        if by_code:
            settings["statuses"] = sorted(by_code)
        config = FaultConfig.from_json(settings)
        with self._lock:
            self.shared.configure(config)
            self.names, self._by_code = names, by_code
            self._rng = random.Random(config.seed)

    def to_json(self) -> Json:
        return {**self.shared.config.to_json(), "errors": list(self.names)}

    @property
    def latency_s(self) -> float:
        return self.shared.config.latency_ms / 1000.0

    @property
    def timeout_s(self) -> float:
        return self.shared.timeout_s

    def before(self, *, is_write: bool) -> Decision:
        return self._convert(self.shared.before(is_write=is_write))

    def after_commit(self) -> Decision:
        return self._convert(self.shared.after_commit())

    def _convert(self, decision: Decision) -> Decision:
        if decision.error is None:
            return decision
        return Decision(decision.latency_s, self._error(decision.error), decision.timeout)

    def _error(self, error: ApiError) -> CalendarError:
        with self._lock:
            choices = self._by_code.get(error.code)
            name = self._rng.choice(choices) if choices else None
        if name is not None:
            out = NAMED_ERRORS[name]()
        elif error.code == 429:
            out = NAMED_ERRORS["rateLimitExceeded429"]()
        elif error.code in (500, 503):
            out = NAMED_ERRORS["backendError" if error.code == 500 else "backendError503"]()
        else:
            out = as_calendar_error(error)
        out.headers.update(error.headers)
        return out


@dataclass
class CalendarCore:
    """Everything a request may touch. ``clock`` is wall-clock epoch seconds (injectable).

    ``sleep`` waits out latency and timeout faults and push retry backoff;
    ``None`` waits on ``stop`` (so ``stop()`` ends the wait early).
    """

    clock: Callable[[], float]
    sleep: Callable[[float], object] | None = None
    tokens: UserTokens = field(default_factory=UserTokens)
    faults: CalendarFaults = field(default_factory=CalendarFaults)
    journal: Journal = field(default_factory=Journal)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.store = Store(self.clock)
        self.notifier = Notifier(self.clock, self.sleep)
        self.meet = MeetService(self.store)
        self.store.listeners.append(self.notifier.calendars_changed)
        self.store.seed_defaults()
        self.tokens.register(DEFAULT_TOKEN, "dev@example.com", ["calendar"])

    def hang(self, seconds: float) -> None:
        if self.sleep is None:
            self.stop.wait(seconds)
        else:
            self.sleep(seconds)

    def reset(self) -> None:
        """Back to the seeded users with no events, channels, faults or knobs (tokens stay)."""
        with self.store.lock:
            self.store.clear()
            self.store.seed_defaults()
        self.notifier.reset()
        self.meet.reset()
        self.faults.configure({})
        self.journal.reset()
