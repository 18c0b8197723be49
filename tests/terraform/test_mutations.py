"""The structural checks fail when the contract breaks: each case alters one thing in a copy
of the repository (terraform/, main.py, functions/, shared/, README.md) and expects the check
for it to report a new problem that says what is wrong."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.terraform.checks import CHECKS, check_entry_points, check_env
from tests.terraform.tfconfig import ROOT, Paths, load


@dataclass(frozen=True)
class Mutation:
    id: str
    path: str  # relative to the repository
    old: str  # replaced once by new; empty: new is appended
    new: str
    check: str  # a key of CHECKS
    expect: str  # a substring of the new problem


EXCLUDE = shutil.ignore_patterns("__pycache__", "*.pyc")

MUTATIONS = [
    # Entry points.
    Mutation(
        "entry point renamed in main.py",
        "main.py",
        "from functions.chat_app import chat_app\n",
        "from functions.chat_app import chat_app as chat_http\n",
        "entry points exist in main.py and match their triggers",
        "entry_point 'chat_app' is not exported by main.py",
    ),
    Mutation(
        "entry point renamed in terraform",
        "terraform/functions.tf",
        'entry_point       = "reminders_tick"',
        'entry_point       = "reminder_tick"',
        "entry points exist in main.py and match their triggers",
        "'reminder_tick' is not exported",
    ),
    Mutation(
        "a push-fed function that is not a CloudEvent function",
        "functions/reminders.py",
        "@functions_framework.cloud_event",
        "@functions_framework.http",
        "entry points exist in main.py and match their triggers",
        "must be a @functions_framework.cloud_event function",
    ),
    # Environment.
    Mutation(
        "env var dropped from terraform",
        "terraform/env.tf",
        '    NUDGE_STORE                 = "firestore"\n',
        "",
        "env vars match Settings.from_env",
        "NUDGE_STORE is read by shared/config.py",
    ),
    Mutation(
        "new setting in the code",
        "shared/config.py",
        "        return cls(\n",
        '        return cls(\n            brand_new=_choice(env, "NUDGE_BRAND_NEW", ("a", "b")),\n',
        "env vars match Settings.from_env",
        "NUDGE_BRAND_NEW is read by shared/config.py",
    ),
    Mutation(
        "new setting read by a module-level helper",
        "shared/config.py",
        "def _firestore_prefix(env: Mapping[str, str]) -> str:\n",
        'def _firestore_prefix(env: Mapping[str, str]) -> str:\n    env.get("NUDGE_OTHER", "")\n',
        "env vars match Settings.from_env",
        "NUDGE_OTHER is read by shared/config.py",
    ),
    Mutation(
        "misspelt variable in terraform",
        "terraform/env.tf",
        "    NUDGE_FIRESTORE_PREFIX      = var.firestore_prefix",
        "    NUDGE_FIRESTORE_PREFX       = var.firestore_prefix",
        "env vars match Settings.from_env",
        "terraform/ sets NUDGE_FIRESTORE_PREFX, which Settings.from_env never reads",
    ),
    Mutation(
        "secret passed as a plain variable",
        "terraform/env.tf",
        '    NUDGE_STORE                 = "firestore"\n',
        '    NUDGE_STORE                 = "firestore"\n    NUDGE_TOKEN_KEY = "x"\n',
        "env vars match Settings.from_env",
        "NUDGE_TOKEN_KEY is a secret (read_secret)",
    ),
    Mutation(
        "setting read behind Settings' back",
        "functions/chat_app.py",
        "",  # appended
        '\nSNEAKY = os.environ.get("NUDGE_SNEAKY")\n',
        "settings are read only through Settings",
        "NUDGE_SNEAKY appears in functions/chat_app.py",
    ),
    Mutation(
        "default relied on is not in the README",
        "README.md",
        "| `NUDGE_OIDC_CERTS_URL` |",
        "| `NUDGE_OIDC_CERTS_URLS` |",
        "defaults relied on are documented",
        "default of NUDGE_OIDC_CERTS_URL, which README.md",
    ),
    # Identities and IAM.
    Mutation(
        "two functions share a service account",
        "terraform/functions.tf",
        "service_account_email = google_service_account.reminders_tick.email",
        "service_account_email = google_service_account.chat_app.email",
        "every function has a dedicated service account",
        "share the service account chat_app",
    ),
    Mutation(
        "a primitive role",
        "terraform/iam.tf",
        'role    = "roles/datastore.user"',
        'role    = "roles/editor"',
        "no primitive roles, no authoritative IAM",
        "primitive role roles/editor",
    ),
    Mutation(
        "Chat may no longer invoke chat_app",
        "terraform/iam.tf",
        'member   = "serviceAccount:chat@system.gserviceaccount.com"',
        'member   = "serviceAccount:someone@system.gserviceaccount.com"',
        "chat_app invokers",
        "chat_app needs roles/run.invoker",
    ),
    # Pub/Sub.
    Mutation(
        "dead-letter subscriber grant missing",
        "terraform/iam.tf",
        "  subscription = google_pubsub_subscription.events.name\n",
        "  subscription = google_pubsub_subscription.jobs.name\n",
        "dead-letter wiring is complete",
        "needs roles/pubsub.subscriber on events",
    ),
    Mutation(
        "dead-letter publisher grant missing",
        "terraform/iam.tf",
        "  topic   = google_pubsub_topic.dead_letter.name\n",
        "  topic   = google_pubsub_topic.tick.name\n",
        "dead-letter wiring is complete",
        "needs roles/pubsub.publisher on dead_letter",
    ),
    Mutation(
        "dead letters with nowhere to go",
        "terraform/pubsub.tf",
        '  name  = "${var.name_prefix}-dead-letter"\n  topic = google_pubsub_topic.dead_letter.id',
        '  name  = "${var.name_prefix}-dead-letter"\n  topic = google_pubsub_topic.tick.id',
        "dead-letter wiring is complete",
        "has no pull subscription, so dead letters are dropped",
    ),
    Mutation(
        "push without OIDC",
        "terraform/pubsub.tf",
        "    oidc_token {\n      service_account_email = google_service_account.invoker.email\n"
        "      audience              = google_cloudfunctions2_function.reminders_tick."
        "service_config[0].uri\n    }\n",
        "",
        "push subscriptions",
        "tick: push without an OIDC token",
    ),
    Mutation(
        "ack deadline shorter than the function's timeout",
        "terraform/pubsub.tf",
        "  ack_deadline_seconds = 120",
        "  ack_deadline_seconds = 60",
        "push subscriptions",
        "ack_deadline_seconds (60) must be at least reminders_tick's timeout_seconds (120)",
    ),
    Mutation(
        "push endpoint that does not name its topic",
        "terraform/pubsub.tf",
        "uri}/projects/${var.project_id}/topics/${google_pubsub_topic.jobs.name}",
        "uri}",
        "push subscriptions",
        "jobs: push_endpoint must end with",
    ),
    Mutation(
        "a storage policy on the events topic",
        "terraform/pubsub.tf",
        '  name = "${var.name_prefix}-events"\n',
        '  name = "${var.name_prefix}-events"\n'
        '  message_storage_policy {\n    allowed_persistence_regions = ["europe-west1"]\n  }\n',
        "topics match what the code is given",
        "no message_storage_policy on the events topic",
    ),
    Mutation(
        "the code's jobs topic is not consumed",
        "terraform/env.tf",
        "NUDGE_JOBS_TOPIC   = google_pubsub_topic.jobs.id",
        "NUDGE_JOBS_TOPIC   = google_pubsub_topic.tick.id",
        "topics match what the code is given",
        "NUDGE_JOBS_TOPIC names topic tick, which no subscription delivers to workspace_events",
    ),
    Mutation(
        "deployed topic named unlike the local stack's",
        "terraform/pubsub.tf",
        '  name = "${var.name_prefix}-jobs"\n',
        '  name = "${var.name_prefix}-deferred"\n',
        "topics match what the code is given",
        "but the local stack's JOBS_TOPIC is 'nudge-jobs'",
    ),
    Mutation(
        "the scheduler targets the wrong topic",
        "terraform/scheduler.tf",
        "topic_name = google_pubsub_topic.tick.id",
        "topic_name = google_pubsub_topic.events.id",
        "the scheduler ticks reminders_tick",
        "pushing to the function whose entry point is reminders_tick",
    ),
    Mutation(
        "stale ticks replayed for a week",
        "terraform/pubsub.tf",
        'message_retention_duration = "600s"',
        'message_retention_duration = "604800s"',
        "the scheduler ticks reminders_tick",
        "message_retention_duration at most 600s",
    ),
    # Functions.
    Mutation(
        "THREADS out of step with concurrency",
        "terraform/functions.tf",
        'merge(local.env, { THREADS = "1" })',
        'merge(local.env, { THREADS = "4" })',
        "function sizing and source",
        "THREADS (4) must equal max_instance_request_concurrency (1)",
    ),
    Mutation(
        "always-on instance",
        "terraform/functions.tf",
        "    min_instance_count               = 0\n    max_instance_count               = "
        "var.max_instances.chat_app",
        "    min_instance_count               = 1\n    max_instance_count               = "
        "var.max_instances.chat_app",
        "function sizing and source",
        "min_instance_count = 0",
    ),
    # Secrets and Firestore.
    Mutation(
        "a secret version in terraform",
        "terraform/secrets.tf",
        'resource "google_secret_manager_secret" "secrets" {',
        'resource "google_secret_manager_secret_version" "leak" {\n'
        '  secret      = "x"\n  secret_data = "y"\n}\n\n'
        'resource "google_secret_manager_secret" "secrets" {',
        "secrets",
        "no google_secret_manager_secret_version",
    ),
    Mutation(
        "an index dropped from terraform",
        "terraform/firestore.tf",
        '        { field_path = "expire_time", order = "ASCENDING" },\n',
        "",
        "Firestore indexes and TTL policies match indexes.py",
        "google_firestore_index: terraform/firestore.tf differs",
    ),
    Mutation(
        "a checkov skip without its reason",
        "terraform/storage.tf",
        "#checkov:skip=CKV_GCP_62:Holds only",
        "#checkov:skip=CKV_GCP_62:x\n  # Holds only",
        "versions, variables, outputs, skips",
        "checkov skip CKV_GCP_62 needs its reason inline",
    ),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of what the checks read; each case copies it again before altering it."""
    root = tmp_path_factory.mktemp("pristine")
    for name in ("terraform", "functions", "shared"):
        shutil.copytree(ROOT / name, root / name, ignore=EXCLUDE)
    (root / "devkit").mkdir()
    shutil.copy2(ROOT / "devkit" / "local.py", root / "devkit" / "local.py")
    for name in ("main.py", "README.md"):
        shutil.copy2(ROOT / name, root / name)
    return root


def _copy(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(pristine, root, ignore=EXCLUDE)
    return root


def _problems(root: Path, check: str) -> list[str]:
    return CHECKS[check](load(root / "terraform"), Paths(root))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_check_catches(mutation: Mutation, pristine: Path, tmp_path: Path) -> None:
    root = _copy(pristine, tmp_path)
    before = set(_problems(root, mutation.check))
    target = root / mutation.path
    text = target.read_text(encoding="utf-8")
    if mutation.old:
        assert mutation.old in text, f"{mutation.path} no longer contains {mutation.old!r}"
        text = text.replace(mutation.old, mutation.new, 1)
    else:
        text += mutation.new
    target.write_text(text, encoding="utf-8")
    new = [p for p in _problems(root, mutation.check) if p not in before]
    assert any(mutation.expect in p for p in new), (
        f"expected a problem containing {mutation.expect!r}; new problems: {new}"
    )


def test_renamed_entry_point_and_dropped_env_var_fail(pristine: Path, tmp_path: Path) -> None:
    """The two failures the issue names, spelled out: the copy passes, then fails once an
    entry point is renamed in main.py and once an env var is dropped from terraform/."""
    root = _copy(pristine, tmp_path)
    assert check_entry_points(load(root / "terraform"), Paths(root)) == []
    baseline_env = check_env(load(root / "terraform"), Paths(root))
    assert baseline_env == []

    main = root / "main.py"
    main.write_text(
        main.read_text().replace("workspace_events", "on_workspace_event"), encoding="utf-8"
    )
    problems = check_entry_points(load(root / "terraform"), Paths(root))
    assert "'workspace_events' is not exported by main.py" in "\n".join(problems)

    env = root / "terraform" / "env.tf"
    lines = env.read_text().splitlines(keepends=True)
    env.write_text("".join(x for x in lines if "NUDGE_PUBLIC_URL " not in x), encoding="utf-8")
    problems = check_env(load(root / "terraform"), Paths(root))
    assert any(p.startswith("NUDGE_PUBLIC_URL is read by shared/config.py") for p in problems)
