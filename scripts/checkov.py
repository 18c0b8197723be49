"""Run checkov over terraform/ from its own virtual environment, creating it on first use.

    .venv/bin/python scripts/checkov.py                  # scan terraform/ (.checkov.yaml)
    .venv/bin/python scripts/checkov.py -d DIR -o json   # any checkov arguments
    .venv/bin/python scripts/checkov.py --ensure         # only create .venv-checkov

checkov lives in ``.venv-checkov`` (git-ignored), never in ``.venv``: its dependency
bc-python-hcl2 installs a top-level ``hcl2`` package that would shadow python-hcl2 v8, which
the structural tests use. The first run creates it with ``python -m venv`` and installs the
pinned version from PyPI (about 300 MB, a minute or two); later runs reuse it. It runs fully
offline: ``BC_SKIP_MAPPING=TRUE`` and ``skip-download`` (in .checkov.yaml) stop it from
fetching anything, and no API key is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "3.3.30"
VENV = ROOT / ".venv-checkov"
STAMP = VENV / f".installed-checkov-{VERSION}"
CHECKOV = VENV / "bin" / "checkov"
CONFIG = ROOT / ".checkov.yaml"


class CheckovUnavailable(RuntimeError):
    """The virtual environment could not be created or checkov could not be installed."""


def ensure(python: str = sys.executable) -> Path:
    """The checkov executable, installing it into .venv-checkov first if needed."""
    if STAMP.is_file() and CHECKOV.is_file():
        return CHECKOV
    if VENV.exists():  # a half-made or older environment: start again
        shutil.rmtree(VENV)
    steps = [
        [python, "-m", "venv", str(VENV)],
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", f"checkov=={VERSION}"],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise CheckovUnavailable(
                f"`{' '.join(step)}` failed (exit {result.returncode}); checkov {VERSION} comes "
                f"from PyPI into {VENV.name}.\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
    if not CHECKOV.is_file():
        raise CheckovUnavailable(f"checkov {VERSION} installed, but {CHECKOV} is missing")
    STAMP.write_text(f"checkov=={VERSION}\n", encoding="utf-8")
    return CHECKOV


def environment() -> dict[str, str]:
    """The environment checkov runs in: offline, no Prisma Cloud mapping download."""
    return {**os.environ, "BC_SKIP_MAPPING": "TRUE", "PYTHONDONTWRITEBYTECODE": "1"}


def command(*args: str) -> list[str]:
    return [str(ensure()), "--config-file", str(CONFIG), *args]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args == ["--ensure"]:
            print(ensure())
            return 0
        return subprocess.run(command(*args), cwd=ROOT, env=environment(), check=False).returncode
    except CheckovUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
