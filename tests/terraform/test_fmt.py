"""``terraform fmt -check -recursive`` is clean (it works offline: no providers needed).

Terraform is installed in CI; a laptop without it sees a skip with the install hint, but
with NUDGE_CI=1 a missing terraform fails the run, as for the other tool-backed tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terraform.tfconfig import ROOT

FORMATTED = ("terraform", "tests/terraform/fixtures")


def terraform() -> str:
    found = shutil.which("terraform")
    if found is None:
        message = "terraform is not on PATH: install Terraform >= 1.5 (docs/DEPLOY.md)"
        if os.environ.get("NUDGE_CI") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def fmt_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [terraform(), "fmt", "-check", "-recursive", "-diff", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        # No CLI configuration is needed to format; don't warn about a missing one.
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
    )


@pytest.mark.parametrize("directory", FORMATTED)
def test_terraform_fmt_is_clean(directory: str) -> None:
    result = fmt_check(ROOT / directory)
    assert result.returncode == 0, (
        f"run `terraform fmt -recursive {directory}`:\n{result.stdout}{result.stderr}"
    )


def test_fmt_check_catches_bad_formatting(tmp_path: Path) -> None:
    shutil.copy(ROOT / "terraform" / "scheduler.tf", tmp_path / "scheduler.tf")
    text = (tmp_path / "scheduler.tf").read_text()
    (tmp_path / "scheduler.tf").write_text(text.replace("  schedule    =", "  schedule =    "))
    result = fmt_check(tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "scheduler.tf" in result.stdout
