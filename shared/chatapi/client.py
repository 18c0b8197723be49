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

import dataclasses
import functools
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.chatapi.ids import is_client_message_id
from shared.chatapi.names import given, mask, require_space, space_of, user_name
from shared.chatapi.pacing import Pacer, paced_call
from shared.chatapi.threads import threaded
from shared.config import DEFAULT_CHAT_API_ENDPOINT
from shared.google.discovery import ThreadHttp, authorized_http, build_service, execute
from shared.google.errors import AlreadyExists, ApiError, NotFound
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


class ChatClient:
    """The Chat API as the given credentials (app or user).

    ``timeout`` bounds each HTTP attempt; ``retry`` bounds attempts and the
    overall time per call; ``pacer`` spaces message writes (share one per
    process, as the composition root does: quotas are per space and per
    project; ``pacing=False`` turns it off). ``clock``, ``sleep``, ``rng``
    and ``http_factory`` (one authorized httplib2-like object per thread) are
    injectable for tests.
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

    def __repr__(self) -> str:
        return f"ChatClient(endpoint={self.endpoint!r})"

    # --- plumbing -----------------------------------------------------------------

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
        deadline: float | None = None,
    ) -> Json:
        """``spaces.messages.create``: post ``message`` (``text``, ``cardsV2``…) to ``space``.

        ``thread_key``/``thread_name`` reply in a thread; ``reply_option`` then
        defaults to ``REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD``. With
        ``message_id`` (see ``ids.client_message_id``) an existing message of
        that ID is fetched and returned; with ``request_id`` Chat returns the
        existing message itself. Without either, a random request ID keeps
        this call's own retries from posting twice.
        """
        require_space(space)
        body, reply_option = threaded(
            message, thread_key=thread_key, thread_name=thread_name, reply_option=reply_option
        )
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
                deadline=deadline,
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
            "updateMask": mask(update_mask),
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
        require_space(space)
        params = given(
            parent=space,
            pageSize=page_size,
            filter=filter,
            orderBy=order_by,
            showDeleted=show_deleted,
        )

        def make(s: Any, *, token: str | None) -> Any:
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
        params = given(pageSize=page_size, filter=filter)

        def make(s: Any, *, token: str | None) -> Any:
            return s.spaces.list(**params, **({"pageToken": token} if token else {}))

        return self._pages("spaces.list", make, target="spaces", key="spaces")

    def find_direct_message(self, user: str) -> Json:
        """``spaces.findDirectMessage``: the DM between the caller and ``users/{id}``.

        Raises ``NotFound`` when there is none.
        """
        name = user_name(user)
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
        require_space(space)
        params = given(
            parent=space,
            pageSize=page_size,
            filter=filter,
            showInvited=show_invited,
            showGroups=show_groups,
        )

        def make(s: Any, *, token: str | None) -> Any:
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
        require_space(space)
        name = user_name(user)
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
