"""The Firestore resources follow NUDGE_FIRESTORE_PREFIX and the database Terraform creates.
(That they list exactly what shared/store/firestore/indexes.py lists is a contract check in
checks.py; test_mutations.py shows it failing when an index is dropped.)"""

from __future__ import annotations

from tests.terraform.checks import firestore_hcl
from tests.terraform.tfconfig import Terraform


def test_indexes_follow_the_prefix_and_database(tf: Terraform) -> None:
    for kind in ("google_firestore_index", "google_firestore_field"):
        (body,) = tf.of_type(kind).values()
        assert body["collection"] == "${var.firestore_prefix}${each.value.collection}"
        assert body["database"] == "${google_firestore_database.nudge.name}"
    (ttl,) = tf.of_type("google_firestore_field").values()
    assert ttl["ttl_config"] == [{}]
    assert tf.locals["env_settings"]["NUDGE_FIRESTORE_PREFIX"] == "${var.firestore_prefix}"
    assert tf.locals["env_settings"]["NUDGE_FIRESTORE_DATABASE"] == (
        "${google_firestore_database.nudge.name}"
    )


def test_the_hint_is_the_configuration(tf: Terraform) -> None:
    """The HCL a failing comparison prints is what firestore.tf holds (so pasting it works)."""
    text = tf.texts["firestore.tf"]
    for line in firestore_hcl().splitlines():
        assert line.strip() in text or not line.strip(), line
