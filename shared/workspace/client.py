"""``WorkspaceEventsClient``: the Workspace Events API (v1) with retries, typed errors and LROs.

Built on ``shared.google.api.ApiClient``, like the Chat and Calendar clients:
google-api-python-client on the *bundled* ``workspaceevents.v1.json`` (static
discovery, no network when building), one service per client shared by every
thread, each thread sending on its own authorized httplib2 transport.
googleapiclient is imported only when the first request is made, never when
this module is.

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

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Unpack

from shared.config import DEFAULT_WORKSPACE_EVENTS_ENDPOINT
from shared.google.api import ApiClient, ClientOptions, Json
from shared.google.errors import ApiError, Unavailable, error_for_status
from shared.google.retry import throttled

if TYPE_CHECKING:
    import google.auth.credentials

log = logging.getLogger(__name__)

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


@dataclass(frozen=True, slots=True)
class _Api:
    """The googleapiclient resources: subscriptions and operations."""

    subscriptions: Any
    operations: Any


class WorkspaceEventsClient(ApiClient):
    """The Workspace Events API as the given credentials (a user's or the app's).

    ``poll`` says how operations are waited on; see ``ApiClient`` for the
    other options (``timeout``, ``retry``, ``clock``, ``sleep``, ``rng``,
    ``http_factory``).
    """

    api = "workspaceevents"
    version = "v1"
    default_endpoint = DEFAULT_WORKSPACE_EVENTS_ENDPOINT

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials | None,
        *,
        poll: PollPolicy | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(credentials, **options)
        self.poll = poll or PollPolicy()

    def _resources(self, service: Any) -> _Api:
        return _Api(service.subscriptions(), service.operations())

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
            lambda r: r.subscriptions.create(**params),
            target=target,
            retryable=throttled,
            deadline=deadline,
        )

    def get(self, name: str, *, deadline: float | None = None) -> Json:
        """``subscriptions.get``: the Subscription."""
        return self._call(
            "subscriptions.get",
            lambda r: r.subscriptions.get(name=name),
            target=name,
            deadline=deadline,
        )

    def list(self, filter: str, *, page_size: int | None = None) -> Iterator[Json]:
        """``subscriptions.list``, every page. ``filter`` is required by the API."""
        if not filter.strip():
            raise ValueError('list needs a filter with at least one event_types:"…"')
        params: Json = {"filter": filter}
        if page_size is not None:
            params["pageSize"] = page_size
        return self._pages(
            "subscriptions.list",
            lambda r, query: r.subscriptions.list(**query),
            params,
            target="subscriptions",
            key="subscriptions",
        )

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
            "subscriptions.patch",
            lambda r: r.subscriptions.patch(**params),
            target=name,
            deadline=deadline,
        )

    def reactivate(self, name: str, *, deadline: float | None = None) -> Json:
        """``subscriptions.reactivate`` (SUSPENDED -> ACTIVE): the Operation."""
        return self._call(
            "subscriptions.reactivate",
            lambda r: r.subscriptions.reactivate(name=name, body={}),
            target=name,
            retryable=throttled,
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
            lambda r: r.subscriptions.delete(**params),
            target=name,
            gone_ok_on_retry=True,
            deadline=deadline,
        )

    # --- operations ---------------------------------------------------------------------

    def get_operation(self, name: str, *, deadline: float | None = None) -> Json:
        """``operations.get``."""
        return self._call(
            "operations.get", lambda r: r.operations.get(name=name), target=name, deadline=deadline
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
