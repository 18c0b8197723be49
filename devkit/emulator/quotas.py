"""Chat API write quotas (off by default): 1 message write/s per space, per-project caps.

A message write (create, patch/update, delete, webhook post) in a space is
admitted if at least 1 s has passed on the monotonic clock since the previous
*admitted* write in that space, minus a 1 ms tolerance for timer jitter
(so a client that paces at exactly 1.000 s is never rejected). Rejected
writes don't move the window. This is deliberately strict: Chat's exact
algorithm is undocumented, so there is no burst allowance (a token bucket
deeper than one write would admit pairs under a second apart). A client that
never sees a 429 here keeps its writes arriving a second apart; the margin
for network jitter is the client's to keep (``shared.chatapi.pacing``).
Project-wide: 3000 message writes and 300 membership writes per sliding
60 s. Every admitted write counts, even one that then fails validation of
its target (as Google's quota does).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from devkit.emulator.errors import ApiError

PER_SPACE_INTERVAL_S = 1.0
TOLERANCE_S = 0.001
WINDOW_S = 60.0
PROJECT_MESSAGE_WRITES = 3000
PROJECT_MEMBERSHIP_WRITES = 300

_SPACE_MESSAGE = (
    "Quota exceeded for quota metric 'Write requests per space' and limit 'Write requests "
    "per space per second' of service 'chat.googleapis.com' for consumer 'project_number:0'."
)
_PROJECT_MESSAGE = (
    "Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per project' "
    "of service 'chat.googleapis.com' for consumer 'project_number:0'."
)


def _exhausted(message: str) -> ApiError:
    return ApiError(429, message, "RESOURCE_EXHAUSTED")


class Quotas:
    """Thread-safe quota windows; ``enabled`` switches enforcement on and off."""

    def __init__(
        self, enabled: bool = False, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.enabled = enabled
        self._clock = clock
        self._lock = threading.Lock()
        self._last_write: dict[str, float] = {}
        self._message_writes: deque[float] = deque()
        self._membership_writes: deque[float] = deque()

    def reset(self) -> None:
        with self._lock:
            self._last_write.clear()
            self._message_writes.clear()
            self._membership_writes.clear()

    def _trim(self, window: deque[float], now: float) -> None:
        while window and now - window[0] >= WINDOW_S:
            window.popleft()

    def admit_message_write(self, space: str) -> None:
        """Record a message write in ``space`` or raise 429 RESOURCE_EXHAUSTED."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            self._trim(self._message_writes, now)
            if len(self._message_writes) >= PROJECT_MESSAGE_WRITES:
                raise _exhausted(_PROJECT_MESSAGE.format(metric="Message write requests"))
            last = self._last_write.get(space)
            if last is not None and now - last < PER_SPACE_INTERVAL_S - TOLERANCE_S:
                raise _exhausted(_SPACE_MESSAGE)
            self._last_write[space] = now
            self._message_writes.append(now)

    def admit_membership_write(self) -> None:
        """Record a membership write or raise 429 RESOURCE_EXHAUSTED."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            self._trim(self._membership_writes, now)
            if len(self._membership_writes) >= PROJECT_MEMBERSHIP_WRITES:
                raise _exhausted(_PROJECT_MESSAGE.format(metric="Membership write requests"))
            self._membership_writes.append(now)
