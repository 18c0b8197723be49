"""Walk every page of a Google list method (``pageToken`` in, ``nextPageToken`` out)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

#: Pages fetched by one listing at most (a guard against a server that loops).
MAX_PAGES = 10_000

Json = dict[str, Any]


def all_items(fetch_page: Callable[[str | None], Json], key: str) -> Iterator[Json]:
    """Yield the ``key`` items of every page; ``fetch_page(token)`` fetches one page.

    Stops at the last page, at a page token seen before, or after ``MAX_PAGES``.
    """
    token: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page = fetch_page(token)
        yield from page.get(key, [])
        token = page.get("nextPageToken") or None
        if token is None or token in seen:
            return
        seen.add(token)
    log.warning("stopped listing after MAX_PAGES pages", extra={"fields": {"key": key}})
