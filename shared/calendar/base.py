"""``ApiClient``: what the Calendar, People and Meet clients share.

google-api-python-client on the *bundled* discovery document (no network when
building), one service per client shared by every thread, each thread
sending on its own authorized httplib2 transport, and each call retried
under a ``RetryPolicy`` whose deadline a caller may shorten. googleapiclient
is imported only when the first request is made, never when this module is.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.google.discovery import ThreadHttp, authorized_http, build_service, execute
from shared.google.errors import ApiError
from shared.google.retry import RetryPolicy, call_with_retry

if TYPE_CHECKING:
    import google.auth.credentials

Json = dict[str, Any]
Executor = Callable[..., Json]
Retryable = Callable[[ApiError, int], bool]


def default_retryable(error: ApiError, attempt: int) -> bool:
    return error.retryable


class ApiClient:
    """One Google API (``api``/``version``) as the given credentials.

    ``timeout`` bounds each HTTP attempt, ``retry`` each call's attempts and
    time. ``clock``, ``sleep``, ``rng`` and ``http_factory`` (one authorized
    httplib2-like object per thread, instead of ``credentials``) are
    injectable for tests.
    """

    api = ""
    version = ""

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials | None,
        *,
        endpoint: str,
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
        self.endpoint = endpoint
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._service_obj: Any = None
        self._service_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r})"

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

    def _resources(self, service: Any) -> Any:
        """What ``make_request`` receives; resources are stateless, so build them once here."""
        return service

    def _http(self) -> Any:
        if self._http_factory is not None:
            return self._http_factory()
        assert self._credentials is not None
        return authorized_http(self._credentials, self.timeout)

    def _policy(self, deadline: float | None) -> RetryPolicy:
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
        retryable: Retryable = default_retryable,
        deadline: float | None = None,
        executor: Executor = execute,
        attempt_hook: Callable[[ApiError, int], Json | None] | None = None,
    ) -> Json:
        """One API method with retries; ``deadline`` (seconds) shortens the policy's.

        ``attempt_hook(error, n)`` may turn an attempt's error into a result
        (return a dict) or let it stand (``None``), before retrying is decided.
        """
        service = self._service()

        def attempt(n: int) -> Json:
            try:
                return executor(make_request(service), method=method, target=target)
            except ApiError as error:
                if attempt_hook is not None:
                    result = attempt_hook(error, n)
                    if result is not None:
                        return result
                raise

        return call_with_retry(
            attempt,
            policy=self._policy(deadline),
            retryable=retryable,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )
