"""The reminder grammar and schedule are pure domain logic: stdlib, python-dateutil, themselves.

The feature's handlers, cards and tick job around them use the rest of Nudge; the
phrase and schedule modules below never do, and the /help path never loads them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "schedules"
OWN = "shared.schedules"
PURE = (
    "__init__.py",
    "cron.py",
    "describe.py",
    "errors.py",
    "grammar.py",
    "lexicon.py",
    "recurrence.py",
    "rules.py",
    "schedule.py",
    "when.py",
)


def test_imports_only_stdlib_dateutil_and_itself() -> None:
    found = []
    for path in sorted(PACKAGE / name for name in PURE):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module == OWN:
                names = [f"{OWN}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                own = name.startswith(OWN) and name.removeprefix(OWN + ".") + ".py" in PURE
                if not (top in sys.stdlib_module_names or top == "dateutil" or own):
                    found.append(f"{path.name}: {name}")
    assert found == []


def test_modules_stay_small() -> None:
    assert {
        p.name: n for p in PACKAGE.glob("*.py") if (n := len(p.read_text().splitlines())) > 400
    } == {}


def test_the_help_path_never_loads_the_grammar() -> None:
    probe = (
        "import json, sys, main\n"
        "from functions.chat_app import chat_application\n"
        "from shared.http import HttpRequest\n"
        "from devkit.sample_events import legacy_message_event\n"
        "app = chat_application()\n"
        "body = json.dumps(legacy_message_event('/help')).encode()\n"
        "assert app.dispatch(HttpRequest('POST', '/', body)).status == 200\n"
        f"print(sorted(m for m in sys.modules if m.startswith('{OWN}.')))\n"
    )
    env = {
        "NUDGE_VERIFY_REQUESTS": "false",
        "NUDGE_DATABASE": ":memory:",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PACKAGE.parents[1],  # the repository root, where main.py is
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = out.stdout.strip().splitlines()[-1]
    for module in ("grammar", "when", "recurrence", "cron", "lexicon"):
        assert f"{OWN}.{module}'" not in loaded, loaded
