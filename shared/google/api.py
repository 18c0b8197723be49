"""``ApiClient``: what every googleapiclient-based client here shares.

google-api-python-client on the *bundled* discovery document (no network when
building), one service per client shared by every thread, each thread
sending on its own authorized httplib2 transport (httplib2 is not
thread-safe), and each call retried under a ``RetryPolicy`` whose deadline a
caller may shorten. A subclass names its API (``api``, ``version``,
``default_endpoint``), picks its resources once (``_resources``) and adds its
methods; the Calendar, People, Meet, Workspace Events and Chat clients do.
googleapiclient is imported only when the first request is made.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from shared.google.discovery import ThreadHttp, authorized_http, build_service, execute
from shared.google.errors import ApiError, NotFound
from shared.google.paging import all_items
from shared.google.retry import Retryable, RetryPolicy, call_with_retry

if TYPE_CHECKING:
    import google.auth.credentials

Json = dict[str, Any]


class ClientOptions(TypedDict, total=False):
    """``ApiClient``'s keyword arguments, for a subclass that adds its own."""

    endpoint: str | None
    timeout: float
    retry: RetryPolicy | None
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    rng: random.Random | None
    http_factory: Callable[[], Any] | None


class ApiClient:
    """One Google API (``api``/``version``) as the given credentials.

    ``endpoint`` defaults to ``default_endpoint``; ``timeout`` bounds each HTTP
    attempt, ``retry`` each call's attempts and time. ``clock``, ``sleep``,
    ``rng`` and ``http_factory`` (one authorized httplib2-like object per
    thread, instead of ``credentials``) are injectable for tests.
    """

    api: ClassVar[str] = ""
    version: ClassVar[str] = ""
    #: Where the API lives unless ``endpoint`` says otherwise (a subclass sets it).
    default_endpoint: ClassVar[str] = ""

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials | None,
        *,
        endpoint: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        http_factory: Callable[[], Any] | None = None,
    ) -> None:
        if credentials is None and http_factory is None:
            raise ValueError("credentials (or an http_factory) are needed")
        self._credentials = credentials
        self._http_factory = http_factory
        self.endpoint = self.default_endpoint if endpoint is None else endpoint
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._service_obj: Any = None
        self._service_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r})"

    # --- what a subclass may replace ----------------------------------------------------

    def _resources(self, service: Any) -> Any:
        """What ``make_request`` receives; resources are stateless, so build them once here."""
        return service

    def _execute(self, request: Any, *, method: str, target: str, space: str | None) -> Json:
        """One HTTP attempt; every failure becomes a typed ``ApiError``."""
        return execute(request, method=method, space=space, target=target)

    def _retryable(self, error: ApiError, attempt: int) -> bool:
        """Whether a call retries ``error`` unless it says otherwise: 429, 5xx, timeouts."""
        return error.retryable

    def _space(self, target: str) -> str | None:
        """The Chat space a call on ``target`` concerns, for its errors (``None``: none)."""
        return None

    def _retry(
        self,
        attempt: Callable[[int], Json],
        *,
        method: str,
        target: str,
        policy: RetryPolicy,
        retryable: Retryable,
    ) -> Json:
        """Run ``attempt(n)`` under ``policy`` until it succeeds or may not be retried."""
        return call_with_retry(
            attempt,
            policy=policy,
            retryable=retryable,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )

    # --- plumbing -----------------------------------------------------------------------

    def _service(self) -> Any:
        """``_resources`` of the service, built once and shared by every thread."""
        service = self._service_obj
        if service is None:
            with self._service_lock:
                service = self._service_obj
                if service is None:
                    built = build_service(
                        self.api, self.version, endpoint=self.endpoint, http=ThreadHttp(self._http)
                    )
                    service = self._service_obj = self._resources(built)
        return service

    def _http(self) -> Any:
        """One thread's authorized httplib2 transport (or the injected one)."""
        if self._http_factory is not None:
            return self._http_factory()
        assert self._credentials is not None
        return authorized_http(self._credentials, self.timeout)

    def _policy(self, deadline: float | None) -> RetryPolicy:
        """The retry policy, its deadline shortened to ``deadline`` seconds if that is sooner."""
        policy = self.retry
        if deadline is not None and deadline < policy.deadline:
            policy = dataclasses.replace(policy, deadline=max(deadline, 0.001))
        return policy

    def _call(
        self,
        method: str,
        make_request: Callable[[Any], Any],
        *,
        target: str = "",
        retryable: Retryable | None = None,
        deadline: float | None = None,
        gone_ok_on_retry: bool = False,
    ) -> Json:
        """One API method with retries; ``deadline`` (seconds) shortens the policy's.

        ``make_request(resources)`` builds the request; ``retryable`` narrows
        which errors are retried (``shared.google.retry.throttled`` for a write
        that must not run twice). ``gone_ok_on_retry``: a 404 on a retried
        attempt means an earlier one did it (a delete whose answer was lost),
        so it counts as done (``{}``).
        """
        # Built now, before any wait (a pacing slot): never between a slot and its send.
        resources = self._service()
        space = self._space(target)

        def attempt(n: int) -> Json:
            try:
                return self._execute(
                    make_request(resources), method=method, target=target, space=space
                )
            except NotFound:
                if gone_ok_on_retry and n > 1:
                    return {}
                raise

        return self._retry(
            attempt,
            method=method,
            target=target,
            policy=self._policy(deadline),
            retryable=retryable or self._retryable,
        )

    def _pages(
        self,
        method: str,
        make_request: Callable[[Any, Json], Any],
        params: Json,
        *,
        target: str,
        key: str,
    ) -> Iterator[Json]:
        """Yield the ``key`` items of every page of a list method, each page with retries.

        ``make_request(resources, query)`` builds one page's request from
        ``params`` plus that page's ``pageToken``.
        """

        def fetch(token: str | None) -> Json:
            query = dict(params)
            if token:
                query["pageToken"] = token
            return self._call(
                method, lambda resources: make_request(resources, query), target=target
            )

        return all_items(fetch, key)
