"""``WorkspaceEventsClient``: the Workspace Events API (v1) with retries, typed errors and LROs.

Built like ``shared.chatapi.client.ChatClient``: google-api-python-client on
the *bundled* ``workspaceevents.v1.json`` (static discovery, no network when
building), one service per client shared by every thread, each thread sending
on its own authorized httplib2 transport. googleapiclient is imported only
when the first request is made, never when this module is.

Mutations (create, patch, reactivate, delete) return a long-running
``Operation``. ``wait`` turns one into its result: an operation that is already
``done`` gives its ``response`` (or raises its ``error`` as a typed
``ApiError``) at once; otherwise ``operations.get`` is polled with growing
pauses until it is done or the deadline passes (``OperationPending``,
retryable, carrying the operation's name).

Retries: reads, ``patch`` (renewing twice is harmless) and ``delete`` (a 404
on a retried attempt counts as done) are retried on 429/5xx/timeouts.
``create`` and ``reactivate`` are retried only on 429, which the server
answers before doing anything; a lost answer to ``create`` surfaces as
``ALREADY_EXISTS`` on the next attempt, which the subscription manager
resolves with ``list``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.config import DEFAULT_WORKSPACE_EVENTS_ENDPOINT
from shared.google.discovery import ThreadHttp, authorized_http, build_service, execute
from shared.google.errors import ApiError, NotFound, Unavailable, error_for_status
from shared.google.paging import all_items
from shared.google.retry import RetryPolicy, call_with_retry

if TYPE_CHECKING:
    import google.auth.credentials

log = logging.getLogger(__name__)

Json = dict[str, Any]

#: ``google.rpc.Code`` (an operation's ``error.code``) -> the HTTP status Google maps it to.
RPC_TO_HTTP: Mapping[int, int] = {
    1: 499,  # CANCELLED
    2: 500,  # UNKNOWN
    3: 400,  # INVALID_ARGUMENT
    4: 504,  # DEADLINE_EXCEEDED
    5: 404,  # NOT_FOUND
    6: 409,  # ALREADY_EXISTS
    7: 403,  # PERMISSION_DENIED
    8: 429,  # RESOURCE_EXHAUSTED
    9: 400,  # FAILED_PRECONDITION
    10: 409,  # ABORTED
    11: 400,  # OUT_OF_RANGE
    12: 501,  # UNIMPLEMENTED
    13: 500,  # INTERNAL
    14: 503,  # UNAVAILABLE
    15: 500,  # DATA_LOSS
    16: 401,  # UNAUTHENTICATED
}
RPC_NAMES: Mapping[int, str] = {
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}


class OperationPending(Unavailable):
    """An operation was not done by the deadline; ``operation`` names it for a later look."""

    def __init__(self, detail: str, *, operation: str, method: str, target: str) -> None:
        super().__init__(
            detail, status=None, reason="OPERATION_PENDING", method=method, target=target
        )
        self.operation = operation


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How ``wait`` polls an operation: pauses growing from ``initial`` by ``multiplier``
    up to ``max_delay``, for at most ``deadline`` seconds in all."""

    initial: float = 0.25
    multiplier: float = 2.0
    max_delay: float = 5.0
    deadline: float = 60.0


def operation_error(operation: Mapping[str, Any], *, method: str, target: str) -> ApiError:
    """The typed error for a finished operation's ``error`` (a ``google.rpc.Status``)."""
    error = operation.get("error")
    status = error if isinstance(error, Mapping) else {}
    raw_code = status.get("code", 2)
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 2
    message = status.get("message")
    body = json.dumps(
        {
            "error": {
                "code": RPC_TO_HTTP.get(code, 500),
                "message": message if isinstance(message, str) and message else "failed",
                "status": RPC_NAMES.get(code, "UNKNOWN"),
            }
        }
    )
    return error_for_status(RPC_TO_HTTP.get(code, 500), body, method=method, target=target)


def result_of(operation: Mapping[str, Any], *, method: str, target: str) -> Json:
    """A finished operation's ``response`` without its ``@type``; raises its ``error``."""
    if operation.get("error"):
        raise operation_error(operation, method=method, target=target)
    response = operation.get("response")
    out = dict(response) if isinstance(response, Mapping) else {}
    out.pop("@type", None)
    return out


class WorkspaceEventsClient:
    """The Workspace Events API as the given credentials (a user's or the app's).

    ``timeout`` bounds each HTTP attempt, ``retry`` each call's attempts and
    time, ``poll`` how operations are waited on. ``clock``, ``sleep``, ``rng``
    and ``http_factory`` (one authorized httplib2-like object per thread) are
    injectable for tests.
    """

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials | None,
        *,
        endpoint: str = DEFAULT_WORKSPACE_EVENTS_ENDPOINT,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
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
        self.poll = poll or PollPolicy()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._api: tuple[Any, Any] | None = None
        self._api_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WorkspaceEventsClient(endpoint={self.endpoint!r})"

    # --- plumbing -----------------------------------------------------------------

    def _service(self) -> tuple[Any, Any]:
        """``(subscriptions, operations)`` resources, built once and shared by every thread."""
        api = self._api
        if api is None:
            with self._api_lock:
                api = self._api
                if api is None:
                    service = build_service(
                        "workspaceevents",
                        "v1",
                        endpoint=self.endpoint,
                        http=ThreadHttp(self._new_http),
                    )
                    api = self._api = (service.subscriptions(), service.operations())
        return api

    def _new_http(self) -> Any:
        if self._http_factory is not None:
            return self._http_factory()
        assert self._credentials is not None
        return authorized_http(self._credentials, self.timeout)

    def _call(
        self,
        method: str,
        make_request: Callable[[Any, Any], Any],
        *,
        target: str,
        idempotent: bool = True,
        gone_ok_on_retry: bool = False,
        deadline: float | None = None,
    ) -> Json:
        """One API method with retries; ``deadline`` (seconds) shortens the policy's."""
        subscriptions, operations = self._service()

        def attempt(n: int) -> Json:
            try:
                return execute(
                    make_request(subscriptions, operations), method=method, target=target
                )
            except NotFound:
                if gone_ok_on_retry and n > 1:
                    return {}  # an earlier attempt did it; only its answer was lost
                raise

        def retryable(error: ApiError, n: int) -> bool:
            return error.retryable if idempotent else error.status == 429

        policy = self.retry
        if deadline is not None and deadline < policy.deadline:
            policy = dataclasses.replace(policy, deadline=max(deadline, 0.001))
        return call_with_retry(
            attempt,
            policy=policy,
            retryable=retryable,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )

    # --- subscriptions --------------------------------------------------------------

    def create(
        self,
        subscription: Mapping[str, Any],
        *,
        validate_only: bool = False,
        deadline: float | None = None,
    ) -> Json:
        """``subscriptions.create``: the Operation (``wait`` it for the Subscription)."""
        params: Json = {"body": dict(subscription)}
        if validate_only:
            params["validateOnly"] = True
        target = str(subscription.get("targetResource", "subscriptions"))
        return self._call(
            "subscriptions.create",
            lambda s, o: s.create(**params),
            target=target,
            idempotent=False,
            deadline=deadline,
        )

    def get(self, name: str, *, deadline: float | None = None) -> Json:
        """``subscriptions.get``: the Subscription."""
        return self._call(
            "subscriptions.get", lambda s, o: s.get(name=name), target=name, deadline=deadline
        )

    def list(self, filter: str, *, page_size: int | None = None) -> Iterator[Json]:
        """``subscriptions.list``, every page. ``filter`` is required by the API."""
        if not filter.strip():
            raise ValueError('list needs a filter with at least one event_types:"…"')

        def fetch(token: str | None) -> Json:
            params: Json = {"filter": filter}
            if page_size is not None:
                params["pageSize"] = page_size
            if token:
                params["pageToken"] = token
            return self._call(
                "subscriptions.list", lambda s, o: s.list(**params), target="subscriptions"
            )

        return all_items(fetch, "subscriptions")

    def patch(
        self,
        name: str,
        subscription: Mapping[str, Any],
        *,
        update_mask: str,
        validate_only: bool = False,
        deadline: float | None = None,
    ) -> Json:
        """``subscriptions.patch`` of the ``update_mask`` fields: the Operation."""
        if not update_mask:
            raise ValueError("update_mask is required (ttl, expire_time or event_types)")
        params: Json = {"name": name, "body": dict(subscription), "updateMask": update_mask}
        if validate_only:
            params["validateOnly"] = True
        return self._call(
            "subscriptions.patch", lambda s, o: s.patch(**params), target=name, deadline=deadline
        )

    def reactivate(self, name: str, *, deadline: float | None = None) -> Json:
        """``subscriptions.reactivate`` (SUSPENDED -> ACTIVE): the Operation."""
        return self._call(
            "subscriptions.reactivate",
            lambda s, o: s.reactivate(name=name, body={}),
            target=name,
            idempotent=False,
            deadline=deadline,
        )

    def delete(
        self,
        name: str,
        *,
        etag: str | None = None,
        allow_missing: bool = False,
        validate_only: bool = False,
        deadline: float | None = None,
    ) -> Json:
        """``subscriptions.delete``: the Operation (a retried attempt's 404 counts as done)."""
        params: Json = {"name": name}
        if etag:
            params["etag"] = etag
        if allow_missing:
            params["allowMissing"] = True
        if validate_only:
            params["validateOnly"] = True
        return self._call(
            "subscriptions.delete",
            lambda s, o: s.delete(**params),
            target=name,
            gone_ok_on_retry=True,
            deadline=deadline,
        )

    # --- operations ---------------------------------------------------------------------

    def get_operation(self, name: str, *, deadline: float | None = None) -> Json:
        """``operations.get``."""
        return self._call(
            "operations.get", lambda s, o: o.get(name=name), target=name, deadline=deadline
        )

    def wait(
        self,
        operation: Mapping[str, Any],
        *,
        method: str,
        target: str,
        deadline: float | None = None,
    ) -> Json:
        """The result of ``operation``, polling ``operations.get`` until it is done.

        ``deadline`` (seconds from now) shortens the poll policy's. Raises the
        operation's error as a typed ``ApiError``, or ``OperationPending``.
        """
        limit = self.poll.deadline if deadline is None else min(deadline, self.poll.deadline)
        started = self._clock()
        delay = self.poll.initial
        current: Mapping[str, Any] = operation
        polls = 0
        while not current.get("done"):
            name = str(current.get("name") or "")
            if not name:
                raise ApiError(
                    "the server returned an unfinished operation without a name",
                    reason="UNKNOWN",
                    method=method,
                    target=target,
                )
            left = limit - (self._clock() - started)
            if left <= 0:
                raise OperationPending(
                    f"operation {name} was not done after {polls} polls",
                    operation=name,
                    method=method,
                    target=target,
                )
            self._sleep(min(delay, left))
            delay = min(delay * self.poll.multiplier, self.poll.max_delay)
            current = self.get_operation(name, deadline=max(limit - (self._clock() - started), 1))
            polls += 1
        if polls:
            log.info(
                "operation finished after polling",
                extra={"fields": {"method": method, "target": target, "polls": polls}},
            )
        return result_of(current, method=method, target=target)
