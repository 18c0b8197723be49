"""Incoming webhooks: post to one space through its secret URL (no API client needed).

The URL's ``key`` and ``token`` are the secret. ``redact_url`` hides them,
and everything this module logs, raises or reprs uses the redacted form;
the transport never puts a URL into an exception.

Retries follow the same ``RetryPolicy`` as ``ChatClient``. Each ``send``
adds a ``requestId`` (yours, or a random one generated once per call), so a
retry after a lost response returns the message instead of posting twice.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from shared.chatapi.pacing import Pacer, paced_call
from shared.chatapi.threads import threaded
from shared.google.errors import error_for_status, transport_error
from shared.google.retry import RetryPolicy, parse_retry_after
from shared.google.transport import TransportError, send
from shared.google.urls import UnsafeUrl, check_outbound

log = logging.getLogger(__name__)

_SECRET_PARAMS = frozenset({"key", "token"})
_METHOD = "webhook.send"


def redact_url(url: str) -> str:
    """``url`` with the values of its ``key`` and ``token`` query parameters replaced."""
    try:
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "<unparseable URL>"
    redacted = [(k, "REDACTED" if k.lower() in _SECRET_PARAMS else v) for k, v in query]
    netloc = parts.netloc.rpartition("@")[2]  # drop any user:password@
    return urllib.parse.urlunsplit(
        (parts.scheme, netloc, parts.path, urllib.parse.urlencode(redacted), "")
    )


def _space_from_path(path: str) -> str | None:
    # /v1/spaces/AAAA/messages -> spaces/AAAA
    pieces = [p for p in path.split("/") if p]
    if "spaces" in pieces:
        i = pieces.index("spaces")
        if i + 1 < len(pieces):
            return f"spaces/{pieces[i + 1]}"
    return None


def _card_entry(card: Mapping[str, Any]) -> dict[str, Any]:
    """A ``cardsV2`` entry: accepts ``{"cardId":…, "card":…}`` or a bare card."""
    return dict(card) if "card" in card else {"cardId": "card", "card": dict(card)}


class WebhookClient:
    """Sends messages to one space's incoming webhook."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        pacing: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        try:
            check_outbound(url, "the webhook URL")
        except UnsafeUrl as exc:
            raise ValueError(f"{exc}: {redact_url(url)}") from None
        parts = urllib.parse.urlsplit(url)
        self._url = url
        self.redacted_url = redact_url(url)
        self.space = _space_from_path(parts.path)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.pacer = (pacer or Pacer()) if pacing else None
        self._clock = clock
        self._sleep = sleep
        self._rng = rng

    def __repr__(self) -> str:
        return f"WebhookClient({self.redacted_url!r})"

    def send(
        self,
        text: str | None = None,
        card: Mapping[str, Any] | None = None,
        *,
        thread_key: str | None = None,
        reply_option: str | None = None,
        request_id: str | None = None,
        message: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Post ``text`` and/or ``card`` (or a full ``message``); returns the created message.

        ``thread_key`` replies in (or starts) that thread; ``reply_option`` then
        defaults to ``REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD``.
        """
        content: dict[str, Any] = dict(message or {})
        if text is not None:
            content["text"] = text
        if card is not None:
            content["cardsV2"] = [*content.get("cardsV2", []), _card_entry(card)]
        if not content:
            raise ValueError("a webhook message needs text, a card or a message body")
        body, option = threaded(content, thread_key=thread_key, reply_option=reply_option)
        extra: dict[str, str] = {"requestId": request_id or str(uuid.uuid4())}
        if option:
            extra["messageReplyOption"] = option
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        url = self._with_params(extra)
        result = paced_call(
            lambda n: self._post(url, data),
            pacer=self.pacer,
            space=self.space,
            method=_METHOD,
            target=self.redacted_url,
            policy=self.retry,
            clock=self._clock,
            sleep=self._sleep,
            rng=self._rng,
        )
        log.info(
            "webhook message sent",
            extra={"fields": {"webhook": self.redacted_url, "message": result.get("name")}},
        )
        return result

    def _with_params(self, extra: Mapping[str, str]) -> str:
        parts = urllib.parse.urlsplit(self._url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        query = [(k, v) for k, v in query if k not in extra] + list(extra.items())
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))

    def _scrub(self, text: str) -> str:
        """``text`` without the URL or its secret values."""
        text = text.replace(self._url, self.redacted_url)
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(self._url).query)
        for name, value in query:
            if name.lower() in _SECRET_PARAMS and value:
                text = text.replace(value, "REDACTED")
        return text

    def _post(self, url: str, data: bytes) -> dict[str, Any]:
        """One attempt; every failure becomes an ``ApiError`` with no URL in it."""
        try:
            result = send(
                "POST",
                url,
                body=data,
                headers={"Content-Type": "application/json; charset=UTF-8"},
                timeout=self.timeout,
            )
        except TransportError as exc:
            raise transport_error(
                exc, method=_METHOD, space=self.space, target=self.redacted_url
            ) from None
        if result.status >= 400:
            raise error_for_status(
                result.status,
                self._scrub(result.body.decode("utf-8", "replace")),
                method=_METHOD,
                space=self.space,
                target=self.redacted_url,
                retry_after=parse_retry_after(result.headers.get("retry-after")),
            )
        parsed = result.json()
        return dict(parsed) if isinstance(parsed, dict) else {}


def send_webhook(
    url: str,
    text: str | None = None,
    card: Mapping[str, Any] | None = None,
    *,
    thread_key: str | None = None,
    reply_option: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """One-shot ``WebhookClient(url).send(...)``."""
    return WebhookClient(url).send(
        text, card, thread_key=thread_key, reply_option=reply_option, request_id=request_id
    )
