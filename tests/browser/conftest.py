"""Fixtures for the browser tests: the real stack, and Debian's Chromium driven by Playwright.

Nothing is installed here. Where ``chromium`` or the ``playwright`` package is missing
the tests skip with how to install them; ``.ci/run`` installs Chromium, ``make``
installs Playwright (a dev dependency), and tests/conftest.py fails a CI run in
which they skip (they are marked ``needs("chromium")``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.stack import Stack, running_stack

CHROMIUM = "/usr/bin/chromium"
#: Headless, offline: no background traffic to Google's hosts (this machine has no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
INSTALL_HINT = (
    "Debian's Chromium is not installed: run `sudo apt-get install -y chromium chromium-driver` "
    "(.ci/run does this in CI), then `make test`"
)


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    return found or (CHROMIUM if Path(CHROMIUM).exists() else None)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(INSTALL_HINT)
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: run `make test` (it installs .[dev])")
    expect.set_options(timeout=15_000)  # a loaded 2-core CI machine is slower than a laptop
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    """A fresh tab on a freshly seeded emulator; page errors fail the test."""
    stack.emulator.reset()
    stack.simulator.reset()
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()
    assert errors == [], f"the page logged errors: {errors}"
