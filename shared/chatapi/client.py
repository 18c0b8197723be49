"""``ChatClient``: the Chat REST API (v1) with retries, pacing and typed errors.

Built on google-api-python-client with the *bundled* discovery document (no
network at build time). The service is built once per client and shared;
httplib2 is not thread-safe, so every thread sends on its own
``AuthorizedHttp``, made on its first request and reused after.
Everything goes in and comes out as the REST API's camelCase JSON dicts.

Safe retries: reads, PATCH and DELETE are retried on 429/5xx/timeouts. A
``messages.create`` always carries an idempotency key: your ``message_id``
(a 409 ALREADY_EXISTS then returns the existing message) or ``request_id``,
and if you give neither, a random ``requestId`` generated once per call so
that its retries cannot post twice. Membership creation is retried only on
429, which Chat answers before doing anything.
"""

from __future__ import annotations

import functools
import http.client
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.chatapi.errors import (
    AlreadyExists,
    ChatApiError,
    NotFound,
    RateLimited,
    Unauthenticated,
    error_for_status,
    transport_error,
)
from shared.chatapi.ids import is_client_message_id
from shared.chatapi.pacing import Pacer, PacingTimeout, default_pacer
from shared.chatapi.retry import RetryPolicy, call_with_retry, parse_retry_after
from shared.config import DEFAULT_CHAT_API_ENDPOINT

if TYPE_CHECKING:
    import google.auth.credentials

log = logging.getLogger(__name__)

Json = dict[str, Any]

FALLBACK_TO_NEW_THREAD = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
#: Pages fetched by one ``list_*`` call at most (a guard against server loops).
MAX_PAGES = 10_000


@dataclass(frozen=True, slots=True)
class _Api:
    """One thread's googleapiclient resources: spaces, spaces.messages, spaces.members."""

    spaces: Any
    messages: Any
    members: Any


class _ThreadHttp:
    """An httplib2-like transport that sends each request on the calling thread's own one.

    ``factory`` makes a thread's transport on its first request; it is kept
    for that thread's later requests (connections are reused).
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._local = threading.local()

    def _http(self) -> Any:
        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = self._factory()
        return http

    def request(self, *args: Any, **kwargs: Any) -> Any:
        return self._http().request(*args, **kwargs)

    def close(self) -> None:
        """Close the calling thread's transport (others close when their thread ends)."""
        http = getattr(self._local, "http", None)
        if http is not None and hasattr(http, "close"):
            http.close()


def _given(**params: Any) -> dict[str, Any]:
    """The query parameters that were actually given (``None`` means leave it out)."""
    return {key: value for key, value in params.items() if value is not None}


def _space_of(name: str) -> str | None:
    """``spaces/AAA`` from ``spaces/AAA/messages/x`` (``None`` for ``users/…``)."""
    parts = name.split("/")
    if len(parts) >= 2 and parts[0] == "spaces" and parts[1]:
        return f"spaces/{parts[1]}"
    return None


def _require_space(space: str) -> str:
    if _space_of(space) != space:
        raise ValueError(f"expected a space name like spaces/AAA, not {space!r}")
    return space


def _user_name(user: str) -> str:
    """``users/123`` or ``users/someone@example.com``; a bare ID or email gets the prefix."""
    if not user or user == "users/":
        raise ValueError("a user ID or email is required")
    return user if user.startswith("users/") else f"users/{user}"


def _page(make_request: Callable[[Any, str | None], Any], token: str | None, service: Any) -> Any:
    return make_request(service, token)


def _mask(update_mask: str | Sequence[str]) -> str:
    mask = update_mask if isinstance(update_mask, str) else ",".join(update_mask)
    if not mask:
        raise ValueError("update_mask is required (e.g. 'text' or 'cards_v2')")
    return mask


class ChatClient:
    """The Chat API as the given credentials (app or user).

    ``timeout`` bounds each HTTP attempt; ``retry`` bounds attempts and the
    overall time per call; ``pacer`` spaces message writes (the process-wide
    one by default; ``pacing=False`` turns it off). ``clock``, ``sleep``,
    ``rng`` and ``http_factory`` (one authorized httplib2-like object per
    thread) are injectable for tests.
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
        self.pacer = (pacer or default_pacer()) if pacing else None
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._api: _Api | None = None
        self._api_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ChatClient(endpoint={self.endpoint!r})"

    # --- plumbing -----------------------------------------------------------------

    def _service(self) -> _Api:
        """The API resources, built once per client and shared by every thread.

        Building turns the discovery document into resource classes (~50-100 ms
        of CPU, mostly generated docstrings); once per thread that was seconds
        of CPU for 100 threads on a small box. Resources are stateless request
        builders, so they are shared; only the transport is per thread
        (``_ThreadHttp``), because httplib2 is not thread-safe.
        """
        api = self._api
        if api is None:
            with self._api_lock:
                api = self._api
                if api is None:
                    api = self._api = self._build()
        return api

    def _build(self) -> _Api:
        from googleapiclient.discovery import build

        service = build(
            "chat",
            "v1",
            http=_ThreadHttp(self._new_http),
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": self.endpoint},
        )
        # ``spaces().messages()`` builds a new resource on every call: build them once.
        spaces = service.spaces()
        return _Api(spaces=spaces, messages=spaces.messages(), members=spaces.members())

    def _new_http(self) -> Any:
        """One thread's authorized httplib2 transport (or the injected one)."""
        if self._http_factory is not None:
            return self._http_factory()
        import google_auth_httplib2
        import httplib2

        return google_auth_httplib2.AuthorizedHttp(
            self._credentials, http=httplib2.Http(timeout=self.timeout)
        )

    def _execute(self, request: Any, *, method: str, space: str | None, target: str) -> Json:
        """One HTTP attempt, with every failure turned into a ``ChatApiError``."""
        import google.auth.exceptions
        import httplib2
        from googleapiclient.errors import HttpError

        error: ChatApiError
        try:
            result = request.execute(num_retries=0)
        except HttpError as exc:
            retry_after = parse_retry_after(exc.resp.get("retry-after"))
            error = error_for_status(
                int(exc.resp.status),
                exc.content,
                method=method,
                space=space,
                target=target,
                retry_after=retry_after,
            )
        except google.auth.exceptions.RefreshError as exc:
            error = Unauthenticated(
                f"credentials could not be refreshed ({type(exc).__name__})",
                reason="UNAUTHENTICATED",
                method=method,
                space=space,
                target=target,
            )
        except (
            OSError,
            http.client.HTTPException,
            httplib2.HttpLib2Error,
            google.auth.exceptions.TransportError,
        ) as exc:
            error = transport_error(exc, method=method, space=space, target=target)
        else:
            return dict(result or {})
        raise error  # outside the except blocks: no chained library exception

    def _call(
        self,
        method: str,
        make_request: Callable[[Any], Any],
        *,
        target: str,
        write: bool = False,
        idempotent: bool = True,
        gone_ok_on_retry: bool = False,
    ) -> Json:
        """Run one API method with pacing (message writes) and retries."""
        space = _space_of(target)
        started = self._clock()

        def attempt(n: int) -> Json:
            # Build first: the first call in a thread builds its service (tens of ms),
            # which must not sit between the pacer's slot and the request going out.
            request = make_request(self._service())
            if write and self.pacer is not None and space is not None:
                left = self.retry.deadline - (self._clock() - started)
                try:
                    self.pacer.acquire(space, max_wait=max(0.0, left))
                except PacingTimeout as exc:
                    raise RateLimited(
                        str(exc), reason="CLIENT_PACING", method=method, space=space, target=target
                    ) from None
            try:
                result = self._execute(request, method=method, space=space, target=target)
            except RateLimited as exc:
                if write and self.pacer is not None and space is not None:
                    self.pacer.penalize(space, exc.retry_after)
                raise
            except NotFound:
                if gone_ok_on_retry and n > 1:
                    # An earlier attempt did it; only its answer was lost.
                    return {}
                raise
            if n > 1:
                log.info(
                    "Chat API call succeeded after retries",
                    extra={"fields": {"method": method, "space": space, "attempts": n}},
                )
            return result

        def retryable(error: ChatApiError, n: int) -> bool:
            if error.reason == "CLIENT_PACING":
                return False
            if idempotent:
                return error.retryable
            return error.status == 429

        return call_with_retry(
            attempt,
            policy=self.retry,
            retryable=retryable,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )

    def _pages(
        self,
        method: str,
        make_request: Callable[[Any, str | None], Any],
        *,
        target: str,
        key: str,
    ) -> Iterator[Json]:
        """Yield ``key`` items from every page; each page is fetched with retries."""
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self._call(method, functools.partial(_page, make_request, token), target=target)
            yield from page.get(key, [])
            token = page.get("nextPageToken") or None
            if token is None or token in seen:
                return
            seen.add(token)
        log.warning("stopped listing after MAX_PAGES", extra={"fields": {"method": method}})

    # --- messages -----------------------------------------------------------------

    def create_message(
        self,
        space: str,
        message: Mapping[str, Any],
        *,
        thread_key: str | None = None,
        thread_name: str | None = None,
        reply_option: str | None = None,
        message_id: str | None = None,
        request_id: str | None = None,
        notification_type: str | None = None,
    ) -> Json:
        """``spaces.messages.create``: post ``message`` (``text``, ``cardsV2``…) to ``space``.

        ``thread_key``/``thread_name`` reply in a thread; ``reply_option`` then
        defaults to ``REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD``. With
        ``message_id`` (see ``ids.client_message_id``) an existing message of
        that ID is fetched and returned; with ``request_id`` Chat returns the
        existing message itself. Without either, a random request ID keeps
        this call's own retries from posting twice.
        """
        _require_space(space)
        body = dict(message)
        if thread_key or thread_name:
            thread = dict(body.get("thread") or {})
            if thread_key:
                thread["threadKey"] = thread_key
            if thread_name:
                thread["name"] = thread_name
            body["thread"] = thread
        if reply_option is None and body.get("thread"):
            reply_option = FALLBACK_TO_NEW_THREAD
        if message_id is not None and not is_client_message_id(message_id):
            raise ValueError(
                f"message_id {message_id!r} must be 'client-' plus [a-z0-9-], at most 63 chars"
            )
        if message_id is None and request_id is None:
            request_id = str(uuid.uuid4())
        params: dict[str, Any] = {"parent": space, "body": body}
        if reply_option:
            params["messageReplyOption"] = reply_option
        if message_id:
            params["messageId"] = message_id
        if request_id:
            params["requestId"] = request_id
        if notification_type:
            params["createMessageNotificationOptions_notificationType"] = notification_type
        try:
            return self._call(
                "messages.create",
                lambda s: s.messages.create(**params),
                target=space,
                write=True,
            )
        except AlreadyExists:
            if not message_id:
                raise
            name = f"{space}/messages/{message_id}"
            log.info(
                "message already exists; returning it",
                extra={"fields": {"space": space, "message": name}},
            )
            return self.get_message(name)

    def get_message(self, name: str) -> Json:
        """``spaces.messages.get`` (``spaces/S/messages/M``, also ``…/client-…``)."""
        return self._call("messages.get", lambda s: s.messages.get(name=name), target=name)

    def update_message(
        self,
        name: str,
        message: Mapping[str, Any],
        *,
        update_mask: str | Sequence[str],
        allow_missing: bool = False,
    ) -> Json:
        """``spaces.messages.patch``: change the ``update_mask`` fields (``text``, ``cards_v2``…).

        ``allow_missing=True`` creates the message if it is missing (the name
        must then be client-assigned): an idempotent upsert.
        """
        params: dict[str, Any] = {
            "name": name,
            "body": dict(message),
            "updateMask": _mask(update_mask),
        }
        if allow_missing:
            params["allowMissing"] = True
        return self._call(
            "messages.patch",
            lambda s: s.messages.patch(**params),
            target=name,
            write=True,
        )

    def delete_message(self, name: str, *, force: bool = False) -> None:
        """``spaces.messages.delete``; a 404 after a retried attempt counts as done."""
        params: dict[str, Any] = {"name": name}
        if force:
            params["force"] = True
        self._call(
            "messages.delete",
            lambda s: s.messages.delete(**params),
            target=name,
            write=True,
            gone_ok_on_retry=True,
        )

    def list_messages(
        self,
        space: str,
        *,
        page_size: int | None = None,
        filter: str | None = None,
        order_by: str | None = None,
        show_deleted: bool | None = None,
    ) -> Iterator[Json]:
        """``spaces.messages.list``, all pages (user auth or ``chat.app.messages.readonly``)."""
        _require_space(space)
        params = _given(
            parent=space,
            pageSize=page_size,
            filter=filter,
            orderBy=order_by,
            showDeleted=show_deleted,
        )

        def make(s: Any, token: str | None) -> Any:
            return s.messages.list(**params, **({"pageToken": token} if token else {}))

        return self._pages("messages.list", make, target=space, key="messages")

    # --- spaces -------------------------------------------------------------------

    def get_space(self, name: str) -> Json:
        """``spaces.get``."""
        return self._call("spaces.get", lambda s: s.spaces.get(name=name), target=name)

    def list_spaces(
        self, *, page_size: int | None = None, filter: str | None = None
    ) -> Iterator[Json]:
        """``spaces.list``: the spaces the caller is a member of, all pages."""
        params = _given(pageSize=page_size, filter=filter)

        def make(s: Any, token: str | None) -> Any:
            return s.spaces.list(**params, **({"pageToken": token} if token else {}))

        return self._pages("spaces.list", make, target="spaces", key="spaces")

    def find_direct_message(self, user: str) -> Json:
        """``spaces.findDirectMessage``: the DM between the caller and ``users/{id}``.

        Raises ``NotFound`` when there is none.
        """
        name = _user_name(user)
        return self._call(
            "spaces.findDirectMessage",
            lambda s: s.spaces.findDirectMessage(name=name),
            target=name,
        )

    # --- members ------------------------------------------------------------------

    def list_members(
        self,
        space: str,
        *,
        page_size: int | None = None,
        filter: str | None = None,
        show_invited: bool | None = None,
        show_groups: bool | None = None,
    ) -> Iterator[Json]:
        """``spaces.members.list``, all pages. With ``chat.bot`` app members are left out."""
        _require_space(space)
        params = _given(
            parent=space,
            pageSize=page_size,
            filter=filter,
            showInvited=show_invited,
            showGroups=show_groups,
        )

        def make(s: Any, token: str | None) -> Any:
            return s.members.list(**params, **({"pageToken": token} if token else {}))

        return self._pages("members.list", make, target=space, key="memberships")

    def create_membership(
        self,
        space: str,
        user: str,
        *,
        as_app: bool = False,
        use_admin_access: bool = False,
    ) -> Json:
        """``spaces.members.create`` for a human (``users/{id}`` or ``users/{email}``).

        Returns the membership as Chat does: ``member.name`` is the canonical
        ``users/{id}`` even for an email, and ``state`` is ``INVITED`` or
        ``JOINED``. Needs user auth (``chat.memberships``) or app auth with
        ``chat.app.memberships`` (admin-approved). ``as_app=True`` adds the
        calling app instead (``user`` must be ``users/app``; see ``add_app``).
        """
        _require_space(space)
        name = _user_name(user)
        if as_app and name != "users/app":
            raise ValueError("as_app=True adds the calling app: user must be 'users/app'")
        member_type = "BOT" if as_app else "HUMAN"
        params: dict[str, Any] = {
            "parent": space,
            "body": {"member": {"name": name, "type": member_type}},
        }
        if use_admin_access:
            params["useAdminAccess"] = True
        return self._call(
            "members.create",
            lambda s: s.members.create(**params),
            target=space,
            idempotent=False,
        )

    def add_app(self, space: str) -> Json:
        """Add the calling app to ``space``: user auth with ``chat.memberships.app`` only."""
        return self.create_membership(space, "users/app", as_app=True)
