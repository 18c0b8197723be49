"""Suite-wide rules: emulator-backed tests must run wherever gcloud is installed."""

from __future__ import annotations

import shutil

import pytest

_skipped_emulator_tests: list[str] = []


def gcloud_available() -> bool:
    return shutil.which("gcloud") is not None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "emulator" in report.keywords:
        _skipped_emulator_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped emulator test is a failure on a machine that has gcloud."""
    if _skipped_emulator_tests and gcloud_available():
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_emulator_tests and gcloud_available():
        lines = "\n  ".join(_skipped_emulator_tests)
        terminalreporter.write_line(
            f"FAILED: gcloud is installed, yet {len(_skipped_emulator_tests)} emulator-backed "
            f"test(s) were skipped:\n  {lines}",
            red=True,
        )
