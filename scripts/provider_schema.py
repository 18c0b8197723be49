"""Regenerate tests/terraform/google_provider_schema.json: the argument schema of the Google
provider's resource types that terraform/ uses, for an offline check of the configuration.

Terraform cannot download providers here, so ``terraform validate`` cannot run. The cdktf
prebuilt bindings for ``hashicorp/google`` 6.50.0 (PyPI ``cdktf-cdktf-provider-google``
16.12.1) carry the provider's schema in their jsii assembly: every argument and nested block of
every resource and data source, whether it is required, and the enum values its documentation
lists. This script downloads that wheel with pip into a temporary directory, reads the assembly
and keeps only the types that ``terraform/*.tf`` declares, so the committed file stays small.

    .venv/bin/python scripts/provider_schema.py            # download, extract, write
    .venv/bin/python scripts/provider_schema.py --wheel W  # from a wheel already on disk

The output is deterministic (sorted keys), so a rerun with the same inputs changes nothing.
The bindings were frozen on 2025-12-10: rules that only provider 7.x enforces are not covered.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "cdktf-cdktf-provider-google"
VERSION = "16.12.1"
DEFAULT_OUT = ROOT / "tests" / "terraform" / "google_provider_schema.json"
DEFAULT_TERRAFORM = ROOT / "terraform"

_DECLARED = re.compile(r'^\s*(resource|data)\s+"([a-z0-9_]+)"', re.MULTILINE)
_REPRESENTS = re.compile(
    r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/google/"
    r"(?P<version>[^/]+)/docs/(?P<kind>resources|data-sources)/\S+ (?P<type>google_\w+)\}"
)
_ANCHOR = re.compile(r"\{@link https://registry\.terraform\.io/\S+#(?P<name>\w+) ")
_POSSIBLE = re.compile(r'Possible values: \[((?:"[^"]*"(?:, )?)*)\]')

Schema = dict[str, Any]


def declared_types(terraform_dir: Path) -> dict[str, set[str]]:
    """The resource and data source types that ``terraform_dir/*.tf`` declares."""
    found: dict[str, set[str]] = {"resource": set(), "data": set()}
    for path in sorted(terraform_dir.glob("*.tf")):
        for kind, name in _DECLARED.findall(path.read_text(encoding="utf-8")):
            found[kind].add(name)
    return found


def download_wheel(directory: Path) -> Path:
    """``pip download`` the bindings' wheel (no dependencies) into ``directory``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            f"{PACKAGE}=={VERSION}",
            "--dest",
            str(directory),
        ],
        check=True,
    )
    wheels = sorted(directory.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel in {directory}, found {[w.name for w in wheels]}")
    return wheels[0]


def read_assembly(wheel: Path) -> Mapping[str, Any]:
    """The jsii assembly (``package/.jsii``) inside the wheel's ``.jsii.tgz``."""
    with zipfile.ZipFile(wheel) as archive:
        members = [n for n in archive.namelist() if n.endswith(".jsii.tgz")]
        if len(members) != 1:
            raise SystemExit(f"{wheel.name}: expected one .jsii.tgz, found {members}")
        packed = archive.read(members[0])
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as tar:
        member = tar.extractfile("package/.jsii")
        if member is None:
            raise SystemExit(f"{members[0]}: no package/.jsii")
        assembly: Mapping[str, Any] = json.load(member)
    return assembly


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _docs(prop: Mapping[str, Any]) -> str:
    docs = prop.get("docs", {})
    return f"{docs.get('summary', '')}\n{docs.get('remarks', '')}"


def _struct_of(type_ref: Mapping[str, Any], types: Mapping[str, Any]) -> tuple[str, bool] | None:
    """(struct fqn, single) when a property is a nested block, else None."""
    candidates: Iterable[Mapping[str, Any]] = type_ref.get("union", {}).get("types", [type_ref])
    for candidate in candidates:
        fqn = candidate.get("fqn")
        single = True
        if fqn is None and "collection" in candidate:
            fqn = candidate["collection"]["elementtype"].get("fqn")
            single = False
        if fqn and types.get(fqn, {}).get("datatype"):
            return fqn, single
    return None


def struct_schema(fqn: str, types: Mapping[str, Any]) -> Schema:
    """Arguments and nested blocks of one jsii struct, recursively, by their Terraform names."""
    attributes: dict[str, Any] = {}
    blocks: dict[str, Any] = {}
    for prop in types[fqn].get("properties", []):
        docs = _docs(prop)
        anchor = _ANCHOR.search(docs)
        name = anchor.group("name") if anchor else _snake(prop["name"])
        required = not prop.get("optional", False)
        nested = _struct_of(prop["type"], types)
        if nested is not None:
            block = struct_schema(nested[0], types)
            block.update(required=required, single=nested[1])
            blocks[name] = block
            continue
        attribute: dict[str, Any] = {"required": required}
        possible = _POSSIBLE.search(docs)
        if possible:
            attribute["enum"] = re.findall(r'"([^"]*)"', possible.group(1))
        attributes[name] = attribute
    return {"attributes": attributes, "blocks": blocks}


def extract(assembly: Mapping[str, Any], wanted: Mapping[str, set[str]]) -> Schema:
    types: Mapping[str, Any] = assembly["types"]
    classes: dict[tuple[str, str], str] = {}
    provider_version = ""
    for fqn, spec in types.items():
        match = _REPRESENTS.search(spec.get("docs", {}).get("summary", ""))
        if match and spec.get("kind") == "class":
            kind = "resource" if match.group("kind") == "resources" else "data"
            classes[(kind, match.group("type"))] = fqn
            provider_version = match.group("version")
    out: Schema = {
        "provider": "registry.terraform.io/hashicorp/google",
        "provider_version": provider_version,
        "source": f"PyPI {PACKAGE} {assembly.get('version', VERSION)} (jsii assembly)",
        "regenerate": "python scripts/provider_schema.py",
        "resource": {},
        "data": {},
    }
    missing: list[str] = []
    for kind in ("resource", "data"):
        for name in sorted(wanted[kind]):
            found = classes.get((kind, name))
            if found is None:
                missing.append(f"{kind} {name}")
                continue
            out[kind][name] = struct_schema(found + "Config", types)
    if missing:
        raise SystemExit(f"not in provider {provider_version}: {', '.join(missing)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this wheel instead of downloading it")
    parser.add_argument("--terraform-dir", type=Path, default=DEFAULT_TERRAFORM)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    wanted = declared_types(args.terraform_dir)
    with tempfile.TemporaryDirectory(prefix="provider-schema-") as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        schema = extract(read_assembly(wheel), wanted)
    text = json.dumps(schema, indent=1, sort_keys=True) + "\n"
    args.out.write_text(text, encoding="utf-8")
    count = len(schema["resource"]) + len(schema["data"])
    print(f"wrote {args.out} ({count} types, provider {schema['provider_version']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
