"""``ChatClient``: the Chat REST API (v1) with retries, pacing and typed errors.

Built on ``transport.ChatTransport`` (``shared.google.api.ApiClient``):
google-api-python-client with the *bundled* discovery document, one service
per client shared by every thread, each thread sending on its own
``AuthorizedHttp``. Everything goes in and comes out as the REST API's
camelCase JSON dicts.

Safe retries: reads, PATCH and DELETE are retried on 429/5xx/timeouts. A
``messages.create`` always carries an idempotency key: your ``message_id``
(a 409 ALREADY_EXISTS then returns the existing message) or ``request_id``,
and if you give neither, a random ``requestId`` generated once per call so
that its retries cannot post twice. Membership creation is retried only on
429, which Chat answers before doing anything.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from shared.chatapi.ids import is_client_message_id
from shared.chatapi.names import given, mask, require_space, user_name
from shared.chatapi.threads import threaded
from shared.chatapi.transport import ChatTransport
from shared.google.api import Json
from shared.google.errors import AlreadyExists
from shared.google.retry import throttled

log = logging.getLogger(__name__)


class ChatClient(ChatTransport):
    """The Chat API as the given credentials (app or user).

    ``timeout`` bounds each HTTP attempt; ``retry`` bounds attempts and the
    overall time per call; ``pacer`` spaces message writes (share one per
    process, as the composition root does: quotas are per space and per
    project; ``pacing=False`` turns it off). ``clock``, ``sleep``, ``rng``
    and ``http_factory`` (one authorized httplib2-like object per thread) are
    injectable for tests.
    """

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
        return self._pages(
            "messages.list",
            lambda s, query: s.messages.list(**query),
            params,
            target=space,
            key="messages",
        )

    # --- spaces -------------------------------------------------------------------

    def get_space(self, name: str) -> Json:
        """``spaces.get``."""
        return self._call("spaces.get", lambda s: s.spaces.get(name=name), target=name)

    def list_spaces(
        self, *, page_size: int | None = None, filter: str | None = None
    ) -> Iterator[Json]:
        """``spaces.list``: the spaces the caller is a member of, all pages."""
        params = given(pageSize=page_size, filter=filter)
        return self._pages(
            "spaces.list",
            lambda s, query: s.spaces.list(**query),
            params,
            target="spaces",
            key="spaces",
        )

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
        return self._pages(
            "members.list",
            lambda s, query: s.members.list(**query),
            params,
            target=space,
            key="memberships",
        )

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
            retryable=throttled,
        )

    def add_app(self, space: str) -> Json:
        """Add the calling app to ``space``: user auth with ``chat.memberships.app`` only."""
        return self.create_membership(space, "users/app", as_app=True)
