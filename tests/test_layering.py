"""Imports flow one way: doors -> shared; devkit -> shared; shared -> nothing of ours above it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_shared_imports_no_door_and_no_devkit() -> None:
    assert offenders("shared", ("functions", "devkit", "main", "tests", "bench")) == []


def test_functions_import_no_devkit() -> None:
    assert offenders("functions", ("devkit", "tests", "bench")) == []


def test_devkit_never_imports_the_doors() -> None:
    assert offenders("devkit", ("functions", "main", "tests")) == []


def test_test_only_protobuf_packages_stay_out_of_runtime_code() -> None:
    for package in ("shared", "functions", "devkit"):
        assert [o for o in offenders(package, ("google",)) if "google.apps" in o] == []


def test_cold_import_of_main_skips_api_clients() -> None:
    """Loading main.py must not import the Chat API client stack or grpc."""
    probe = (
        "import sys, main; "
        "heavy = [m for m in ('googleapiclient', 'google.apps', 'grpc', 'httplib2', "
        "'google.cloud.pubsub', 'requests') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
