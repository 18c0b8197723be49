"""Threading a posted message: the ``thread`` field and the reply option that goes with it.

Chat ignores a thread unless the request also names a reply option, so both
the API client and the webhook client build the pair here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FALLBACK_TO_NEW_THREAD = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"


def threaded(
    message: Mapping[str, Any],
    *,
    thread_key: str | None = None,
    thread_name: str | None = None,
    reply_option: str | None = None,
) -> tuple[dict[str, Any], str | None]:
    """``(body, reply_option)``: the message with its thread set, and the option to send.

    When the message has a thread and no option is given, the option is
    ``REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD``.
    """
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
    return body, reply_option
