"""Imports flow one way, and every feature is installed.

``lint-imports`` (import-linter, run by ``make lint``) checks the layers and
cycles; these tests show that a deliberate back edge breaks it, keep the
cold-start import probe, and follow the README's "Writing a handler" literally.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


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
        "'google.cloud.pubsub', 'google.cloud.firestore', 'requests') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# --- import-linter ----------------------------------------------------------------


def copy_of_the_code(tmp_path: Path) -> Path:
    """shared/, functions/, main.py and pyproject.toml in a scratch directory."""
    for name in ("shared", "functions"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("main.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(where))
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(where / "pyproject.toml"), "--no-cache"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # The core reaching up into a feature, even only for a type.
        (
            "shared/core/app.py",
            "if TYPE_CHECKING:\n    import shared.features.account\n",
            "Imports point down",
        ),
        # A store importing an auth module (the old store <-> auth cycle).
        ("shared/store/sqlite/tokens.py", "import shared.auth.grants\n", "Imports point down"),
        # One feature importing another.
        ("shared/features/basics.py", "import shared.features.account\n", "Features do not"),
        # A cycle inside one layer: the router importing the context that imports it.
        (
            "shared/core/router.py",
            "if TYPE_CHECKING:\n    import shared.core.context\n",
            "No import cycles",
        ),
    ],
)
def test_a_deliberate_back_edge_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    where = copy_of_the_code(tmp_path)
    target = where / module
    source = target.read_text()
    anchor = "from __future__ import annotations\n"
    prefix = "from typing import TYPE_CHECKING\n" if "TYPE_CHECKING" in line else ""
    target.write_text(source.replace(anchor, anchor + prefix + line, 1))
    result = lint_imports(where)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken, result.stdout


# --- features ---------------------------------------------------------------------


def test_every_feature_module_is_installed() -> None:
    """A feature nobody lists in INSTALLED would be silently dead."""
    from shared.features import INSTALLED

    found = sorted(info.name for info in pkgutil.iter_modules([str(ROOT / "shared" / "features")]))
    assert sorted(INSTALLED) == found
    assert len(set(INSTALLED)) == len(INSTALLED)


def readme_feature() -> tuple[str, str, str]:
    """(path, module source, registration line) from the README's "Writing a handler"."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Writing a handler", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    module = next(b for b in blocks if b.startswith("# shared/features/"))
    path = module.splitlines()[0].removeprefix("# ").strip()
    listing = next(b for b in blocks if b is not module)
    line = next(x for x in listing.splitlines() if "<- the one line" in x)
    return path, module, line.split("#", 1)[0].rstrip()


def test_the_readme_recipe_adds_a_command_to_help(tmp_path: Path) -> None:
    """Follow "Writing a handler" word for word in a copy of the code."""
    where = copy_of_the_code(tmp_path)
    path, module, line = readme_feature()
    (where / path).write_text(module)
    features = where / "shared" / "features" / "__init__.py"
    source = features.read_text()
    assert "INSTALLED: tuple[str, ...] = (\n" in source
    features.write_text(
        source.replace(
            "INSTALLED: tuple[str, ...] = (\n", "INSTALLED: tuple[str, ...] = (\n" + line + "\n", 1
        )
    )
    probe = """
import json
from devkit.sample_events import legacy_message_event
from shared.config import Settings
from shared.http import HttpRequest
from shared.wiring import Runtime

settings = Settings.from_env({"NUDGE_VERIFY_REQUESTS": "false", "NUDGE_DATABASE": ":memory:"})
app = Runtime(settings).app
def say(text):
    body = json.dumps(legacy_message_event(text)).encode()
    return json.loads(app.dispatch(HttpRequest("POST", "/", body)).body)
help_card = json.dumps(say("/help"))
print(json.dumps({"help": "/ping" in help_card and "Check that Nudge is awake" in help_card,
                  "ping": say("/ping").get("text", "")}))
"""
    env = dict(os.environ, PYTHONPATH=f"{where}{os.pathsep}{ROOT}")
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=where, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["help"] is True
    assert answer["ping"].startswith("pong")
