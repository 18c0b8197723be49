"""The suite's skip rule (tests/conftest.py), run on small sample suites in a subprocess.

Each case copies the real conftest into a temporary directory, adds a few test
files, and runs pytest there with a PATH that holds (fake) tools or not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parent / "conftest.py"

NEEDS_GCLOUD_SKIPS = """
import pytest

@pytest.mark.needs("gcloud")
def test_publishes_to_pubsub():
    pytest.skip("could not start the Pub/Sub emulator")
"""

MODULE_SKIP_IN_FOLDER = """
import pytest

pytest.skip("google-cloud-firestore is not installed", allow_module_level=True)

def test_never_collected():
    pass
"""

UNRELATED_SKIP = """
import pytest

@pytest.mark.skip(reason="not relevant on this platform")
def test_unrelated():
    pass

@pytest.mark.needs("gcloud")
def test_needs_gcloud_and_runs():
    pass

def test_plain():
    pass
"""

NEEDS_CHROMIUM_SKIPS = """
import pytest

@pytest.mark.needs("chromium")
def test_card_renders_in_a_browser():
    pytest.skip("no browser")
"""

TYPO_IN_TOOL = """
import pytest

@pytest.mark.needs("gcluod")
def test_typo():
    pass
"""


def run_suite(
    tmp_path: Path, files: dict[str, str], *, tools: tuple[str, ...] = (), ci: bool = False
) -> subprocess.CompletedProcess[str]:
    """pytest on ``files`` beside a copy of the conftest; only ``tools`` are on PATH."""
    suite = tmp_path / "suite"
    suite.mkdir(parents=True)
    (suite / "pytest.ini").write_text("[pytest]\n")
    (suite / "conftest.py").write_text(CONFTEST.read_text())
    for name, text in files.items():
        path = suite / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        exe = bin_dir / tool
        exe.write_text("#!/bin/sh\nexit 0\n")
        exe.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("NUDGE_CI", "PYTEST_ADDOPTS")}
    env["PATH"] = str(bin_dir)
    if ci:
        env["NUDGE_CI"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--strict-markers", "-rs"],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_skipped_needs_gcloud_test_fails_the_run_where_gcloud_is_installed(
    tmp_path: Path,
) -> None:
    result = run_suite(tmp_path, {"test_pubsub.py": NEEDS_GCLOUD_SKIPS}, tools=("gcloud",))
    assert result.returncode == 1, result.stdout
    assert "FAILED: 1 skipped test(s) needed a tool" in result.stdout
    assert (
        "SKIPPED BUT REQUIRED test_pubsub.py::test_publishes_to_pubsub "
        "(needs gcloud; gcloud on PATH): could not start the Pub/Sub emulator"
    ) in result.stdout


def test_a_module_level_skip_in_the_google_emulators_folder_fails_it_too(tmp_path: Path) -> None:
    result = run_suite(
        tmp_path, {"google_emulators/test_firestore.py": MODULE_SKIP_IN_FOLDER}, tools=("gcloud",)
    )
    assert result.returncode == 1, result.stdout
    assert (
        "SKIPPED BUT REQUIRED google_emulators/test_firestore.py (needs gcloud; gcloud on PATH)"
    ) in result.stdout


def test_a_skip_in_an_unrelated_test_does_not(tmp_path: Path) -> None:
    result = run_suite(tmp_path, {"test_misc.py": UNRELATED_SKIP}, tools=("gcloud",))
    assert result.returncode == 0, result.stdout
    assert "2 passed, 1 skipped" in result.stdout
    assert "SKIPPED BUT REQUIRED" not in result.stdout


def test_without_the_tool_the_skip_stands_unless_nudge_ci_is_set(tmp_path: Path) -> None:
    files = {
        "test_pubsub.py": NEEDS_GCLOUD_SKIPS,
        "google_emulators/test_fs.py": MODULE_SKIP_IN_FOLDER,
    }
    local = run_suite(tmp_path / "local", files)
    assert local.returncode == 0, local.stdout
    assert "SKIPPED BUT REQUIRED" not in local.stdout
    ci = run_suite(tmp_path / "ci", files, ci=True)
    assert ci.returncode == 1, ci.stdout
    assert "FAILED: 2 skipped test(s) needed a tool" in ci.stdout
    assert "(needs gcloud; NUDGE_CI=1)" in ci.stdout


def test_needs_chromium_follows_the_same_rule(tmp_path: Path) -> None:
    files = {"test_browser.py": NEEDS_CHROMIUM_SKIPS}
    assert run_suite(tmp_path / "with", files, tools=("chromium",)).returncode == 1
    assert run_suite(tmp_path / "without", files, tools=("gcloud",)).returncode == 0


def test_an_unknown_tool_name_is_a_usage_error(tmp_path: Path) -> None:
    result = run_suite(tmp_path, {"test_typo.py": TYPO_IN_TOOL})
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "unknown tool(s) ['gcluod']" in result.stdout + result.stderr
