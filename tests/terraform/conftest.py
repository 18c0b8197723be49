"""Fixtures for the offline checks of terraform/ (see docs/DEPLOY.md, "Checks")."""

from __future__ import annotations

import pytest

from tests.terraform.tfconfig import ROOT, Paths, Terraform, load


@pytest.fixture(scope="session")
def paths() -> Paths:
    return Paths(ROOT)


@pytest.fixture(scope="session")
def tf(paths: Paths) -> Terraform:
    return load(paths.terraform)
