"""``ChatTransport``, the plumbing under ``ChatClient``: ``shared.google.api.ApiClient``
for the Chat API (v1), with message writes paced (``pacing.Pacer``) and each
error naming its space.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Unpack

from shared.chatapi.names import space_of
from shared.chatapi.pacing import Pacer, paced_call
from shared.config import DEFAULT_CHAT_API_ENDPOINT
from shared.google.api import ApiClient, ClientOptions, Json
from shared.google.retry import Retryable, RetryPolicy

if TYPE_CHECKING:
    import google.auth.credentials

log = logging.getLogger(__name__)

#: The message writes, paced per space and per project (docs/decisions/0006).
PACED_METHODS = frozenset({"messages.create", "messages.patch", "messages.delete"})


@dataclass(frozen=True, slots=True)
class _Api:
    """The googleapiclient resources: spaces, spaces.messages, spaces.members."""

    spaces: Any
    messages: Any
    members: Any


class ChatTransport(ApiClient):
    """Sends Chat API calls as ``credentials``; ``ChatClient`` adds the methods.

    See ``ChatClient`` for the constructor's arguments.
    """

    api = "chat"
    version = "v1"
    default_endpoint = DEFAULT_CHAT_API_ENDPOINT

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials,
        *,
        pacer: Pacer | None = None,
        pacing: bool = True,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(credentials, **options)
        self.pacer = (pacer or Pacer()) if pacing else None

    def _resources(self, service: Any) -> _Api:
        # ``spaces().messages()`` builds a new resource on every call: once here.
        spaces = service.spaces()
        return _Api(spaces, spaces.messages(), spaces.members())

    def _space(self, target: str) -> str | None:
        return space_of(target)

    def _retry(
        self,
        attempt: Callable[[int], Json],
        *,
        method: str,
        target: str,
        policy: RetryPolicy,
        retryable: Retryable,
    ) -> Json:
        """Retries as ``ApiClient``'s, each attempt of a message write first waiting for
        its space's slot; the policy's deadline also bounds that wait."""
        space = self._space(target)

        def logged(n: int) -> Json:
            result = attempt(n)
            if n > 1:
                log.info(
                    "Chat API call succeeded after retries",
                    extra={"fields": {"method": method, "space": space, "attempts": n}},
                )
            return result

        return paced_call(
            logged,
            pacer=self.pacer if method in PACED_METHODS else None,
            space=space,
            method=method,
            target=target,
            policy=policy,
            retryable=retryable,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )
