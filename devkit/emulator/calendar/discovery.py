"""The discovery documents this emulator validates against, loaded once per process.

``calendar.v3.json``, ``meet.v2.json`` and ``people.v1.json`` ship with google-api-python-client
(``googleapiclient/discovery_cache/documents/``), so validation follows the
exact contract the installed client speaks; the shared ``Discovery`` class of
the Chat emulator does the routing and checking.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

from devkit.emulator.discovery import Discovery


def document(name: str) -> Any:
    """A bundled discovery document as JSON (``calendar.v3.json``)."""
    package = importlib.resources.files("googleapiclient.discovery_cache")
    return json.loads(package.joinpath("documents").joinpath(name).read_text(encoding="utf-8"))


@functools.cache
def calendar_discovery() -> Discovery:
    return Discovery(document("calendar.v3.json"))


@functools.cache
def meet_discovery() -> Discovery:
    return Discovery(document("meet.v2.json"))


@functools.cache
def people_discovery() -> Discovery:
    return Discovery(document("people.v1.json"), proto_package="google.people.v1")
