"""checkov reports zero failures on terraform/, every skip in it is used and carries its
reason, and every custom policy in terraform/policies/ fails on the deliberately insecure
fixture (so a policy that stops matching is noticed).

checkov runs from its own virtual environment, .venv-checkov, which scripts/checkov.py
creates on first use (from PyPI; a minute or two). This test never skips: if the
environment cannot be made, it fails and says why.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.terraform.tfconfig import ROOT, Terraform

FIXTURE = Path(__file__).parent / "fixtures" / "insecure"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nudge_checkov", ROOT / "scripts" / "checkov.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"checkov did not print JSON (exit {result.returncode}):\n{result.stderr[-3000:]}"
        )
    return report[0] if isinstance(report, list) else report


@pytest.fixture(scope="module")
def scans() -> tuple[dict[str, Any], dict[str, Any]]:
    """checkov over terraform/ and over the insecure fixture, run side by side."""
    checkov = _script()
    try:
        checkov.ensure()
    except checkov.CheckovUnavailable as exc:
        pytest.fail(f"checkov is required and could not be set up: {exc}")
    runs = [
        subprocess.Popen(
            checkov.command(*extra, "-o", "json"),
            cwd=ROOT,
            env=checkov.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for extra in ((), ("-d", str(FIXTURE.relative_to(ROOT))))
    ]
    results = []
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr))
    return _report(results[0]), _report(results[1])


def _policy_ids() -> set[str]:
    ids = set()
    for path in sorted((ROOT / "terraform" / "policies").glob("*.yaml")):
        match = re.search(r"^\s*id:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert match, f"{path.name} has no metadata id"
        ids.add(match.group(1))
    return ids


def test_terraform_has_no_failures(scans: tuple[dict[str, Any], dict[str, Any]]) -> None:
    report, _ = scans
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range'][0]}): "
        f"{c['check_name']}"
        for c in report["results"].get("failed_checks", [])
    ]
    assert summary["failed"] == 0, "\n".join(failed)
    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] >= 50, "checkov saw too little of terraform/"
    assert summary["passed"] > 50


def test_every_skip_is_used_and_explained(
    scans: tuple[dict[str, Any], dict[str, Any]], tf: Terraform
) -> None:
    report, _ = scans
    skipped = {
        (c["check_id"], c["resource"]): c["check_result"].get("suppress_comment", "")
        for c in report["results"].get("skipped_checks", [])
    }
    written = [
        (match.group(1), match.group(2))
        for text in tf.texts.values()
        for match in re.finditer(r"#checkov:skip=([A-Z0-9_]+):(.*)", text)
    ]
    assert len(skipped) == len(written), f"skips written {written}, applied {sorted(skipped)}"
    for (check_id, resource), reason in skipped.items():
        assert len(reason.strip()) >= 20, f"{check_id} on {resource} needs its reason"


def test_custom_policies_load_and_bite(scans: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, fixture = scans
    failed = {c["check_id"] for c in fixture["results"].get("failed_checks", [])}
    missing = _policy_ids() - failed
    assert not missing, f"these policies no longer fail on {FIXTURE}: {sorted(missing)}"
    assert {"CKV_GCP_102", "CKV_GCP_117"} <= failed, "checkov's own GCP checks did not run"
