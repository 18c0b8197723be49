"""scripts/build_source.py: one deterministic archive for the three functions.

Byte-identical for identical input (whatever the files' timestamps or modes), with main.py,
functions/, shared/ and a pinned requirements.txt at the root, and nothing else."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import stat
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.terraform.tfconfig import ROOT, Terraform


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_source", ROOT / "scripts" / "build_source.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    return _builder()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the archive is built from, plus things it must leave out."""
    root = tmp_path_factory.mktemp("tree")
    for name in ("functions", "shared"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("main.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, root / name)
    for junk in (
        "shared/__pycache__/x.cpython-311.pyc",
        "shared/.mypy_cache/x.json",
        "functions/tests/test_x.py",
        "tests/test_y.py",
        "devkit/cli.py",
        "bench/run.py",
        ".venv/lib/site.py",
    ):
        (root / junk).parent.mkdir(parents=True, exist_ok=True)
        (root / junk).write_text("not packaged\n")
    return root


def test_byte_identical_whatever_the_timestamps_and_modes(
    builder: ModuleType, tree: Path, tmp_path: Path
) -> None:
    first = builder.build(tree, tmp_path / "a.zip")
    for index, path in enumerate(sorted(tree.rglob("*.py"))):
        os.utime(path, (1_000_000 + index, 2_000_000_000 - index))
        path.chmod(0o600 if index % 2 else 0o755)
    assert builder.build(tree, tmp_path / "b.zip") == first
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_contents(builder: ModuleType, tree: Path, tmp_path: Path) -> None:
    builder.build(tree, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        requirements = archive.read("requirements.txt").decode()
    assert names == sorted(names)
    assert {"main.py", "requirements.txt", "functions/chat_app.py", "shared/config.py"} <= set(
        names
    )
    assert {name.split("/")[0] for name in names} == {
        "main.py",
        "requirements.txt",
        "functions",
        "shared",
    }
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/tests/" in n]
    assert not [n for n in names if ".mypy_cache" in n]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert stat.S_IMODE(info.external_attr >> 16) == 0o644
        assert info.compress_type == zipfile.ZIP_STORED
    pins = dict(
        line.split("==") for line in requirements.splitlines() if line and not line.startswith("#")
    )
    assert pins["functions-framework"] == importlib.metadata.version("functions-framework")
    assert pins["google-cloud-firestore"] == importlib.metadata.version("google-cloud-firestore")
    assert "gunicorn" in pins, "functions-framework's server must be pinned too"
    for dev_only in ("pytest", "ruff", "mypy", "import-linter", "python-hcl2"):
        assert dev_only not in pins, f"{dev_only} is a dev dependency"


def test_a_change_changes_the_archive(builder: ModuleType, tree: Path, tmp_path: Path) -> None:
    before = builder.build(tree, tmp_path / "a.zip")
    main = tree / "main.py"
    original = main.read_text()
    try:
        main.write_text(original + "\n# changed\n")
        assert builder.build(tree, tmp_path / "b.zip") != before
    finally:
        main.write_text(original)


def test_terraform_deploys_the_archive_by_its_hash(tf: Terraform) -> None:
    archive = tf.resource("google_storage_bucket_object", "source")
    assert archive["name"] == "nudge-source-${filesha256(local.source_archive)}.zip"
    assert archive["source"] == "${local.source_archive}"
    assert "../dist/nudge-source.zip" in tf.locals["source_archive"]
    assert str(_builder().DEFAULT_OUT).endswith("dist/nudge-source.zip")
