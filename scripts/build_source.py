"""Build the one source archive that all three Cloud Functions deploy from.

    .venv/bin/python scripts/build_source.py                  # -> dist/nudge-source.zip
    .venv/bin/python scripts/build_source.py --out PATH
    .venv/bin/python scripts/build_source.py --print-requirements

The archive holds ``main.py``, ``functions/`` and ``shared/`` (Python sources and any data
files beside them, no caches) and, at its root, a ``requirements.txt`` generated here: the
runtime dependencies from ``pyproject.toml`` (not the ``dev`` extra) and everything they need,
each pinned to the version installed in the virtual environment that runs this script, so a
deploy installs what the tests ran against. Tests, the devkit, benchmarks and ``.venv`` are
never included.

The output is byte-identical for identical input: entries are sorted, every timestamp is
1980-01-01 00:00:00, every file is mode 0644, and entries are stored uncompressed (deflate's
output varies with the zlib build, e.g. zlib-ng). Terraform names the uploaded object after
the archive's SHA-256, so an unchanged tree never redeploys and any change always does.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import re
import sys
import tomllib
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "dist" / "nudge-source.zip"

#: Top-level files and folders the functions need; nothing else enters the archive.
INCLUDE_FILES = ("main.py",)
INCLUDE_DIRS = ("functions", "shared")
#: Never packaged, wherever they appear under an included folder.
EXCLUDE_DIR_NAMES = frozenset(
    {
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".import_linter_cache",
        "tests",
        "devkit",
        "bench",
        ".venv",
        ".git",
    }
)
EXCLUDE_SUFFIXES = (".pyc", ".pyo", ".egg-info", ".swp", "~")
EXCLUDE_FILE_NAMES = frozenset({".DS_Store", "Thumbs.db"})

#: Every entry's timestamp: the earliest a zip can record.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--

#: The environment dependency markers are evaluated for: the Cloud Functions python311
#: runtime (Linux, x86_64, CPython 3.11), whatever machine builds the archive.
TARGET_MARKERS: Mapping[str, str] = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.0",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": "3.11.0",
    "python_version": "3.11",
    "sys_platform": "linux",
}

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def normalize(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def source_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every file to package, sorted by archive name."""
    found: list[tuple[str, Path]] = []
    for name in INCLUDE_FILES:
        path = root / name
        if not path.is_file():
            raise SystemExit(f"{path} is missing")
        found.append((name, path))
    for top in INCLUDE_DIRS:
        base = root / top
        if not base.is_dir():
            raise SystemExit(f"{base} is missing")
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(
                d for d in dirnames if d not in EXCLUDE_DIR_NAMES and not d.endswith(".egg-info")
            )
            for filename in filenames:
                if filename in EXCLUDE_FILE_NAMES or filename.endswith(EXCLUDE_SUFFIXES):
                    continue
                path = Path(dirpath) / filename
                if path.is_symlink() or not path.is_file():
                    continue
                found.append((path.relative_to(root).as_posix(), path))
    names = [name for name, _ in found]
    if "requirements.txt" in names:
        raise SystemExit("requirements.txt is generated; remove it from the packaged folders")
    return sorted(found)


def runtime_requirements(pyproject: Path) -> list[str]:
    """``[project] dependencies`` from pyproject.toml (the dev extra is not runtime)."""
    with pyproject.open("rb") as handle:
        project = tomllib.load(handle)["project"]
    requirements: list[str] = project.get("dependencies", [])
    return requirements


def _parse(requirement: str) -> tuple[str, frozenset[str], str]:
    """(name, extras, marker) of one requirement string."""
    match = _NAME.match(requirement)
    if match is None:
        raise SystemExit(f"cannot read requirement {requirement!r}")
    extras = frozenset(normalize(e) for e in (match.group(2) or "").split(",") if e.strip())
    marker = requirement.split(";", 1)[1].strip() if ";" in requirement else ""
    return match.group(1), extras, marker


def _marker_applies(marker: str, extras: frozenset[str]) -> bool:
    if not marker:
        return True
    try:  # a runtime dependency itself (through deprecation), so present wherever Nudge is
        from packaging.markers import Marker
    except ImportError:  # pragma: no cover - only outside the project's environment
        raise SystemExit("run this script with the project's python (.venv/bin/python)") from None

    parsed = Marker(marker)
    environments = [{**TARGET_MARKERS, "extra": e} for e in sorted(extras)] or [
        {**TARGET_MARKERS, "extra": ""}
    ]
    return any(parsed.evaluate(dict(env)) for env in environments)


def pinned_closure(
    requirements: Iterable[str], distributions: Mapping[str, importlib.metadata.Distribution]
) -> dict[str, str]:
    """Every distribution the requirements need on the target, with its installed version."""
    pins: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: list[tuple[str, frozenset[str]]] = []
    for requirement in requirements:
        name, extras, marker = _parse(requirement)
        if _marker_applies(marker, frozenset()):
            queue.append((name, extras))
    while queue:
        name, extras = queue.pop()
        key = normalize(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        dist = distributions.get(key)
        if dist is None:
            raise SystemExit(
                f"{name} is required but not installed in {sys.prefix}; run `make test` (or "
                "pip install -e .) first, and run this script with that environment's python"
            )
        pins[key] = dist.version
        for requirement in dist.requires or []:
            dep, dep_extras, marker = _parse(requirement)
            if _marker_applies(marker, extras):
                queue.append((dep, dep_extras))
    return pins


def installed_distributions() -> dict[str, importlib.metadata.Distribution]:
    found: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(normalize(name), dist)
    return found


def requirements_txt(root: Path) -> str:
    pins = pinned_closure(runtime_requirements(root / "pyproject.toml"), installed_distributions())
    if "functions-framework" not in pins:
        raise SystemExit("functions-framework must be a runtime dependency")
    lines = [
        "# Generated by scripts/build_source.py from pyproject.toml's runtime dependencies,",
        "# pinned (with everything they need) to the versions installed where it ran.",
        *(f"{name}=={version}" for name, version in sorted(pins.items())),
    ]
    return "\n".join(lines) + "\n"


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3  # Unix, so the mode below is honoured everywhere
    info.external_attr = FILE_MODE << 16
    return info


def entries(root: Path) -> Iterator[tuple[str, bytes]]:
    """(archive name, content) of every entry, sorted by name."""
    files = [(name, path.read_bytes()) for name, path in source_files(root)]
    files.append(("requirements.txt", requirements_txt(root).encode()))
    yield from sorted(files)


def build(root: Path, out: Path) -> str:
    """Write the archive to ``out`` (atomically) and return its SHA-256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, content in entries(root):
            archive.writestr(_entry(name), content)
    partial.replace(out)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to package")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--print-requirements", action="store_true", help="print requirements.txt and exit"
    )
    args = parser.parse_args(argv)
    if args.print_requirements:
        sys.stdout.write(requirements_txt(args.root))
        return 0
    digest = build(args.root, args.out)
    print(f"{args.out} sha256={digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
