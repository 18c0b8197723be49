"""terraform/ keeps its contract with the code: python-hcl2 reads the configuration, ``ast``
reads main.py and shared/config.py, and tests/terraform/checks.py compares them.
test_mutations.py shows each check failing on a broken copy."""

from __future__ import annotations

import pytest

from tests.terraform.checks import CHECKS, Check
from tests.terraform.tfconfig import Paths, Terraform, entry_points, parse_hcl, settings_env


@pytest.mark.parametrize("check", CHECKS.values(), ids=list(CHECKS))
def test_contract(check: Check, tf: Terraform, paths: Paths) -> None:
    problems = check(tf, paths)
    assert not problems, "\n".join(problems)


def test_the_readers_see_the_code(paths: Paths) -> None:
    """Guards the checks against passing because a reader found nothing."""
    read = settings_env(paths.config_py)
    assert len(read) >= 30
    assert read["NUDGE_CHAT_AUDIENCE"] == "plain"
    assert read["NUDGE_TOKEN_KEY"] == "secret"
    assert read["NUDGE_FIRESTORE_PREFIX"] == "plain"  # read inside _firestore_prefix(env)
    assert "K_SERVICE" in read
    points = entry_points(paths.root)
    assert {name: p.signature for name, p in points.items()} == {
        "chat_app": "http",
        "workspace_events": "cloudevent",
        "reminders_tick": "cloudevent",
    }


def test_the_configuration_is_complete(tf: Terraform) -> None:
    assert set(tf.of_type("google_cloudfunctions2_function")) == {
        "chat_app",
        "workspace_events",
        "reminders_tick",
    }
    expected = (
        "versions.tf variables.tf outputs.tf apis.tf iam.tf pubsub.tf functions.tf "
        "scheduler.tf firestore.tf secrets.tf storage.tf env.tf"
    )
    for name in expected.split():
        assert name in tf.texts, f"terraform/{name} is missing"
    assert (tf.directory / "example.tfvars").is_file()


def test_example_tfvars_sets_only_declared_variables(tf: Terraform) -> None:
    example = parse_hcl((tf.directory / "example.tfvars").read_text(encoding="utf-8"))
    assert set(example) <= set(tf.variables), set(example) - set(tf.variables)
    assert "project_id" in example
    ids = example["command_ids"]
    assert ids["/help"] == 1, "shared/features/basics.py gives /help the ID 1"
    assert len(set(ids.values())) == len(ids), "command IDs must be unique"
