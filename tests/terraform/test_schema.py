"""Attribute names, nested blocks, required arguments and enum literals in terraform/ are
checked against the Google provider's own schema (6.50.0), the nearest thing to
``terraform validate`` that works without downloading the provider.

The schema comes from the jsii assembly in PyPI's cdktf-cdktf-provider-google 16.12.1;
scripts/provider_schema.py extracts the types terraform/ uses into
google_provider_schema.json. Rules that only provider 7.x enforces are not covered, and
values computed by expressions are not checked (only literals are)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.tfconfig import Terraform, is_expression, parse_hcl

SCHEMA_FILE = Path(__file__).with_name("google_provider_schema.json")
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner"}


def validate(
    body: dict[str, Any], schema: dict[str, Any], where: str, *, top: bool = False
) -> list[str]:
    """Problems of one block against its schema, recursively (``dynamic`` blocks included)."""
    problems: list[str] = []
    attributes: dict[str, Any] = schema["attributes"]
    nested: dict[str, Any] = schema["blocks"]
    dynamic: dict[str, dict[str, Any]] = {}
    for item in body.get("dynamic", []):
        for name, spec in item.items():
            dynamic[name] = (spec.get("content") or [{}])[0]
    for key, value in body.items():
        if key == "dynamic" or (top and key in META_ARGUMENTS):
            continue
        if key in attributes:
            allowed = attributes[key].get("enum")
            literal = isinstance(value, str) and not is_expression(value)
            if allowed and literal and value not in allowed:
                problems.append(f"{where}.{key} = {value!r}: not one of {allowed}")
        elif key in nested:
            if not isinstance(value, list):
                problems.append(f"{where}.{key} is a block: write `{key} {{ ... }}`")
                continue
            if nested[key]["single"] and len(value) > 1:
                problems.append(f"{where}.{key}: at most one block")
            for item in value:
                problems += validate(item, nested[key], f"{where}.{key}")
        else:
            near = difflib.get_close_matches(key, [*attributes, *nested], n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"{where}: unknown argument {key!r}{hint}")
    for name, content in dynamic.items():
        if name not in nested:
            problems.append(f"{where}: dynamic {name!r} is not a block of this type")
        else:
            problems += validate(content, nested[name], f"{where}.{name}")
    for name, spec in attributes.items():
        if spec["required"] and name not in body:
            problems.append(f"{where}: required argument {name!r} is missing")
    for name, spec in nested.items():
        if spec["required"] and name not in body and name not in dynamic:
            problems.append(f"{where}: required block {name!r} is missing")
    return problems


def validate_module(tf: Terraform) -> list[str]:
    problems: list[str] = []
    for section, declared in (("resource", tf.resources), ("data", tf.data)):
        for kind, named in sorted(declared.items()):
            schema = SCHEMA[section].get(kind)
            if schema is None:
                problems.append(
                    f"{section} {kind} is not in {SCHEMA_FILE.name}: run "
                    "`python scripts/provider_schema.py` to add it"
                )
                continue
            for name, body in sorted(named.items()):
                problems += validate(body, schema, f"{kind}.{name}", top=True)
    return problems


def test_terraform_matches_the_provider_schema(tf: Terraform) -> None:
    problems = validate_module(tf)
    assert not problems, "\n".join(problems)


def test_the_schema_is_the_pinned_provider() -> None:
    assert SCHEMA["provider_version"] == "6.50.0"
    assert "cdktf-cdktf-provider-google 16.12.1" in SCHEMA["source"]
    function = SCHEMA["resource"]["google_cloudfunctions2_function"]
    assert function["attributes"]["name"]["required"] is True
    ingress = function["blocks"]["service_config"]["attributes"]["ingress_settings"]
    assert ingress["enum"] == ["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"]


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            'resource "google_pubsub_subscription" "s" {\n  name = "s"\n  topic = "t"\n'
            "  ack_deadline_second = 10\n}\n",
            "unknown argument 'ack_deadline_second' (did you mean 'ack_deadline_seconds'?)",
        ),
        (
            'resource "google_firestore_database" "d" {\n  name = "(default)"\n'
            '  type = "FIRESTORE_NATIVE"\n}\n',
            "required argument 'location_id' is missing",
        ),
        (
            'resource "google_firestore_database" "d" {\n  name = "(default)"\n'
            '  location_id = "nam5"\n  type = "NATIVE"\n}\n',
            "type = 'NATIVE': not one of",
        ),
        (
            'resource "google_secret_manager_secret" "s" {\n  secret_id = "s"\n'
            "  replication {\n    automatic = true\n  }\n}\n",
            "unknown argument 'automatic'",
        ),
        (
            'resource "google_cloudfunctions2_function" "f" {\n  name = "f"\n'
            '  location = "r"\n  service_config {\n'
            '    dynamic "secret_environment_variable" {\n      for_each = {}\n'
            "      content {}\n    }\n  }\n}\n",
            "dynamic 'secret_environment_variable' is not a block",
        ),
    ],
    ids=["misspelt", "missing required", "bad enum", "provider 5 removal", "bad dynamic"],
)
def test_the_schema_check_catches(snippet: str, expected: str, tmp_path: Path) -> None:
    parsed = parse_hcl(snippet)
    tf = Terraform(tmp_path)
    for item in parsed["resource"]:
        for kind, named in item.items():
            tf.resources.setdefault(kind, {}).update(named)
    problems = validate_module(tf)
    assert any(expected in p for p in problems), problems
