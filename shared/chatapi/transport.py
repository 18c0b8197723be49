"""``ChatTransport``, the plumbing under ``ChatClient``: one googleapiclient service per
client built from the *bundled* discovery document (no network at build time), an
``AuthorizedHttp`` per thread (httplib2 is not thread-safe), and every call paced
(message writes) and retried under a ``RetryPolicy``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.chatapi.names import space_of
from shared.chatapi.pacing import Pacer, paced_call
from shared.config import DEFAULT_CHAT_API_ENDPOINT
from shared.google.discovery import ThreadHttp, authorized_http, build_service, execute
from shared.google.errors import ApiError, NotFound
from shared.google.paging import all_items
from shared.google.retry import RetryPolicy

if TYPE_CHECKING:
    import google.auth.credentials

log = logging.getLogger(__name__)

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Api:
    """The googleapiclient resources: spaces, spaces.messages, spaces.members."""

    spaces: Any
    messages: Any
    members: Any


class ChatTransport:
    """Sends Chat API calls as ``credentials``; ``ChatClient`` adds the methods.

    See ``ChatClient`` for the constructor's arguments.
    """

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials,
        *,
        endpoint: str = DEFAULT_CHAT_API_ENDPOINT,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        pacing: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        http_factory: Callable[[], Any] | None = None,
    ) -> None:
        self._credentials = credentials
        self._http_factory = http_factory
        self.endpoint = endpoint
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.pacer = (pacer or Pacer()) if pacing else None
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._api: _Api | None = None
        self._api_lock = threading.Lock()

    def _service(self) -> _Api:
        """The API resources, built once per client and shared by every thread."""
        api = self._api
        if api is None:
            with self._api_lock:
                api = self._api
                if api is None:
                    service = build_service(
                        "chat", "v1", endpoint=self.endpoint, http=ThreadHttp(self._new_http)
                    )
                    # ``spaces().messages()`` builds a new resource on every call: once here.
                    spaces = service.spaces()
                    api = self._api = _Api(spaces, spaces.messages(), spaces.members())
        return api

    def _new_http(self) -> Any:
        """One thread's authorized httplib2 transport (or the injected one)."""
        if self._http_factory is not None:
            return self._http_factory()
        return authorized_http(self._credentials, self.timeout)

    def _call(
        self,
        method: str,
        make_request: Callable[[Any], Any],
        *,
        target: str,
        write: bool = False,
        idempotent: bool = True,
        gone_ok_on_retry: bool = False,
        deadline: float | None = None,
    ) -> Json:
        """Run one API method with pacing (message writes) and retries.

        ``deadline`` (seconds) shortens the retry policy's, for callers that must
        stop in time (the tick); it also bounds the wait for a pacing slot.
        """
        space = space_of(target)
        # Built before the first pacing slot: building must not sit between slot and send.
        api = self._service()

        def attempt(n: int) -> Json:
            try:
                result = execute(make_request(api), method=method, space=space, target=target)
            except NotFound:
                if gone_ok_on_retry and n > 1:
                    return {}  # an earlier attempt did it; only its answer was lost
                raise
            if n > 1:
                log.info(
                    "Chat API call succeeded after retries",
                    extra={"fields": {"method": method, "space": space, "attempts": n}},
                )
            return result

        def retryable(error: ApiError, n: int) -> bool:
            return error.retryable if idempotent else error.status == 429

        policy = self.retry
        if deadline is not None and deadline < policy.deadline:
            policy = dataclasses.replace(policy, deadline=max(deadline, 0.001))
        return paced_call(
            attempt,
            pacer=self.pacer if write else None,
            space=space,
            method=method,
            target=target,
            policy=policy,
            retryable=retryable,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )

    def _pages(
        self,
        method: str,
        make_request: Callable[..., Any],
        *,
        target: str,
        key: str,
    ) -> Iterator[Json]:
        """Yield ``key`` items from every page; each page is fetched with retries."""

        def fetch(token: str | None) -> Json:
            return self._call(method, functools.partial(make_request, token=token), target=target)

        return all_items(fetch, key)
