"""Suite-wide rule: a test that needs an external tool may not skip where the tool is.

A test needs a tool if it lives under ``tests/google_emulators/`` (backed by
Google's Pub/Sub and Firestore emulators: needs ``gcloud``) or is marked
``@pytest.mark.needs("gcloud")`` / ``@pytest.mark.needs("chromium")``. If such a
test is skipped (at setup, in its body, or with its whole module or folder at
collection) while its tool is on PATH, or while ``NUDGE_CI=1`` is set, the run
fails and a red summary lists every such skip. Where the tool is missing and
NUDGE_CI is unset the skip stands, so a laptop without gcloud still runs the rest.

A module-level ``pytest.skip(..., allow_module_level=True)`` is only caught under
``tests/google_emulators/``: a module that skips itself before its marks are read
has no marks. tests/test_skip_rule.py runs this file on sample suites.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# Folders whose every test needs a tool.
FOLDER_TOOLS: dict[Path, tuple[str, ...]] = {HERE / "google_emulators": ("gcloud",)}
# Tool name -> the executable that must be on PATH for it.
TOOLS: dict[str, str] = {"gcloud": "gcloud", "chromium": "chromium"}
CI_ENV = "NUDGE_CI"
# The Firestore emulator's fixtures, for the store contract suite and google_emulators/ alike
# (guarded: tests/test_skip_rule.py runs a copy of this file where the plugin is absent).
_FIRESTORE_PLUGIN = HERE / "google_emulators" / "firestore.py"
pytest_plugins = ["tests.google_emulators.firestore"] if _FIRESTORE_PLUGIN.is_file() else []


def tool_available(tool: str) -> bool:
    return shutil.which(TOOLS[tool]) is not None


def in_ci() -> bool:
    return os.environ.get(CI_ENV) == "1"


def folder_tools(path: Path) -> tuple[str, ...]:
    """The tools every test under ``path`` needs, from the folder it sits in."""
    path = path.resolve()
    return tuple(
        tool
        for folder, tools in FOLDER_TOOLS.items()
        if path.is_relative_to(folder)
        for tool in tools
    )


@dataclass(frozen=True)
class Violation:
    nodeid: str
    tools: tuple[str, ...]
    why: str
    reason: str


class NeedsTools:
    """Records which collected tests need which tool, and the skips that break the rule."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.needs: dict[str, tuple[str, ...]] = {}
        self.violations: list[Violation] = []

    @pytest.hookimpl(tryfirst=True)  # before -m selects, so ``-m emulator`` sees our marks
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            tools = list(folder_tools(item.path))
            if tools:
                item.add_marker(pytest.mark.emulator)
            for mark in item.iter_markers("needs"):
                if not mark.args or mark.kwargs:
                    raise pytest.UsageError(f'{item.nodeid}: use @pytest.mark.needs("tool", ...)')
                tools.extend(mark.args)
            unknown = sorted(set(tools) - set(TOOLS))
            if unknown:
                raise pytest.UsageError(
                    f"{item.nodeid}: unknown tool(s) {unknown} in needs(); known: {sorted(TOOLS)}"
                )
            if tools:
                self.needs[item.nodeid] = tuple(dict.fromkeys(tools))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped:
            path = self.config.rootpath / report.nodeid.split("::")[0]
            self._check(report, folder_tools(path))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self._check(report, self.needs.get(report.nodeid, ()))

    def _check(
        self, report: pytest.CollectReport | pytest.TestReport, tools: tuple[str, ...]
    ) -> None:
        if not tools:
            return
        present = [tool for tool in tools if tool_available(tool)]
        if present:
            why = f"{', '.join(present)} on PATH"
        elif in_ci():
            why = f"{CI_ENV}=1"
        else:
            return
        self.violations.append(Violation(report.nodeid, tools, why, _skip_reason(report)))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.violations and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.violations:
            return
        terminalreporter.write_sep(
            "=", f"FAILED: {len(self.violations)} skipped test(s) needed a tool", red=True
        )
        for v in self.violations:
            terminalreporter.write_line(
                f"SKIPPED BUT REQUIRED {v.nodeid} (needs {', '.join(v.tools)}; {v.why}): "
                f"{v.reason}",
                red=True,
            )
        terminalreporter.write_line(
            "Tests under tests/google_emulators/ or marked needs(...) must run wherever their "
            f"tool is installed, and always with {CI_ENV}=1 (see tests/conftest.py).",
            red=True,
        )


def _skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        'needs(tool, ...): needs an external tool on PATH ("gcloud", "chromium"); a skip '
        f"fails the run where the tool is installed or {CI_ENV}=1",
    )
    if not any(line.startswith("emulator:") for line in config.getini("markers")):
        config.addinivalue_line("markers", "emulator: under tests/google_emulators/ (needs gcloud)")
    config.pluginmanager.register(NeedsTools(config), "nudge-needs-tools")
