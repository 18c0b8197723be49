"""The structural contract between terraform/ and the code, as functions that list problems.

Each check takes the parsed configuration and the repository's paths and returns a list of
human-readable problems (empty when all is well). test_structure.py runs them on the real
tree; test_mutations.py runs them on altered copies to show that each one catches what it
is for. Keep the messages actionable: they are what a developer sees in CI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from shared.store.firestore import indexes
from tests.terraform.tfconfig import (
    Paths,
    Terraform,
    block,
    blocks,
    dynamic_blocks,
    entry_points,
    env_mentions,
    inline_keys,
    inline_value,
    inner,
    is_expression,
    local_name,
    local_topics,
    readme_configuration,
    referenced_names,
    references,
    seconds,
    settings_env,
    strings,
)

FUNCTION = "google_cloudfunctions2_function"
SUBSCRIPTION = "google_pubsub_subscription"
TOPIC = "google_pubsub_topic"
SERVICE_ACCOUNT = "google_service_account"
RUN_MEMBER = "google_cloud_run_v2_service_iam_member"
PRIMITIVE_ROLES = re.compile(r"roles/(owner|editor|viewer)\b")
PUBSUB_AGENT = "gcp-sa-pubsub.iam.gserviceaccount.com"
CHAT_INVOKER = "serviceAccount:chat@system.gserviceaccount.com"
EVENT_PUBLISHERS = (
    "serviceAccount:chat-api-push@system.gserviceaccount.com",
    "serviceAccount:meet-api-event-push@system.gserviceaccount.com",
)
REQUIRED_APIS = {
    f"{name}.googleapis.com"
    for name in [
        "chat",
        "workspaceevents",
        "calendar-json",
        "meet",
        "people",
        "pubsub",
        "cloudfunctions",
        "run",
        "eventarc",
        "cloudbuild",
        "artifactregistry",
        "cloudscheduler",
        "secretmanager",
        "firestore",
        "iam",
        "logging",
        "storage",
    ]
}
REQUIRED_OUTPUTS = {
    "chat_app_url",
    "chat_endpoint_url",
    "events_topic",
    "service_accounts",
    "dead_letter_subscription",
}

Check = Callable[[Terraform, Paths], list[str]]


def _service(tf: Terraform, name: str) -> dict[str, Any]:
    return block(tf.resource(FUNCTION, name), "service_config") or {}


def _build(tf: Terraform, name: str) -> dict[str, Any]:
    return block(tf.resource(FUNCTION, name), "build_config") or {}


def _push_target(subscription: dict[str, Any]) -> str | None:
    """The function a push subscription delivers to (by resource name)."""
    push = block(subscription, "push_config")
    if push is None:
        return None
    names = referenced_names(push.get("push_endpoint"), FUNCTION)
    return next(iter(names)) if len(names) == 1 else None


def _subscriptions_of(tf: Terraform, topic: str) -> dict[str, dict[str, Any]]:
    return {
        name: body
        for name, body in tf.of_type(SUBSCRIPTION).items()
        if referenced_names(body.get("topic"), TOPIC) == {topic}
    }


def _functions_by_entry_point(tf: Terraform) -> dict[str, str]:
    return {str(_build(tf, name).get("entry_point")): name for name in tf.of_type(FUNCTION)}


# --- Entry points --------------------------------------------------------------------------


def check_entry_points(tf: Terraform, paths: Paths) -> list[str]:
    """Every function's entry_point is an entry point main.py exports, of the right kind, and
    every entry point main.py exports is deployed exactly once."""
    problems: list[str] = []
    exported = entry_points(paths.root)
    deployed: dict[str, list[str]] = {}
    pushed_to = {_push_target(s) for s in tf.of_type(SUBSCRIPTION).values()} - {None}
    for name in tf.of_type(FUNCTION):
        entry = _build(tf, name).get("entry_point")
        if not isinstance(entry, str) or is_expression(entry):
            problems.append(f"{FUNCTION}.{name}: entry_point must be a literal name")
            continue
        deployed.setdefault(entry, []).append(name)
        point = exported.get(entry)
        if point is None:
            problems.append(
                f"{FUNCTION}.{name}: entry_point {entry!r} is not exported by main.py "
                f"(it exports {sorted(exported)})"
            )
            continue
        if point.signature is None:
            problems.append(
                f"main.py's {entry} ({point.module}.{point.attribute}) has no "
                "@functions_framework.http or .cloud_event decorator"
            )
        if name in pushed_to and point.signature != "cloudevent":
            problems.append(
                f"{FUNCTION}.{name} is fed by a Pub/Sub push subscription, so {entry} must be "
                f"a @functions_framework.cloud_event function (it is {point.signature})"
            )
        if name not in pushed_to and point.signature != "http":
            problems.append(
                f"{FUNCTION}.{name} is called over plain HTTP, so {entry} must be a "
                f"@functions_framework.http function (it is {point.signature})"
            )
    for entry in exported:
        if entry not in deployed:
            problems.append(f"main.py exports {entry!r}, but no {FUNCTION} deploys it")
    for entry, names in deployed.items():
        if len(names) > 1:
            problems.append(f"entry point {entry!r} is deployed by several functions: {names}")
    return problems


# --- Environment ---------------------------------------------------------------------------


def terraform_env(tf: Terraform) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """(names in local.env_settings, secret env names, per-function extra names)."""
    settings = tf.locals.get("env_settings")
    if not isinstance(settings, dict):
        raise AssertionError("terraform/env.tf must define local.env_settings as a map literal")
    secrets = {  # mounted into at least one function (user-auth ones once enabled)
        str(spec.get("env"))
        for spec in tf.locals.get("secrets", {}).values()
        if isinstance(spec, dict) and spec.get("functions")
    }
    extra = {
        name: inline_keys(_service(tf, name).get("environment_variables"))
        for name in tf.of_type(FUNCTION)
    }
    return set(settings), secrets, extra


def check_env(tf: Terraform, paths: Paths) -> list[str]:
    """Every variable Settings.from_env reads is set by Terraform or listed in env_defaults,
    and Terraform sets no NUDGE_ variable the code does not read."""
    problems: list[str] = []
    read = settings_env(paths.config_py)
    settings, secret_env, extra = terraform_env(tf)
    defaults = tf.locals.get("env_defaults", {})
    pending = tf.locals.get("env_pending", {})
    if not isinstance(defaults, dict) or not isinstance(pending, dict):
        return ["terraform/env.tf must define local.env_defaults and local.env_pending as maps"]
    set_by_terraform = settings | secret_env | set().union(*extra.values())
    for name, kind in sorted(read.items()):
        if name not in set_by_terraform and name not in defaults:
            problems.append(
                f"{name} is read by shared/config.py (Settings.from_env) but terraform/ neither "
                "sets it (env_settings in env.tf, or a secret in secrets.tf) nor lists it in "
                "env_defaults (env.tf) with why the default is right"
            )
        if kind == "secret" and name in settings:
            problems.append(
                f"{name} is a secret (read_secret): mount it from Secret Manager (secrets.tf), "
                "not as a plain environment variable in env_settings"
            )
    for name in sorted(set_by_terraform & set(defaults)):
        problems.append(f"{name} is both set by Terraform and listed in env_defaults")
    for name in sorted(set_by_terraform):
        if name.startswith("NUDGE_") and name not in read and name not in pending:
            problems.append(
                f"terraform/ sets {name}, which Settings.from_env never reads: a typo, a removed "
                "setting, or one the code has not landed yet (list it in env_pending)"
            )
    for name in sorted(pending):
        if name in read:
            problems.append(f"{name} is read by the code now: remove it from env_pending")
        elif name not in set_by_terraform:
            problems.append(f"{name} is in env_pending but Terraform does not set it")
    for name, reason in sorted(defaults.items()):
        if name not in read:
            problems.append(f"env_defaults lists {name}, which Settings.from_env no longer reads")
        if not str(reason).strip():
            problems.append(f"env_defaults: {name} needs a reason")
    for name in tf.of_type(FUNCTION):
        expression = str(_service(tf, name).get("environment_variables", ""))
        if not re.search(r"\blocal\.env\b", expression):
            problems.append(f"{FUNCTION}.{name}: environment_variables must include local.env")
    return problems


def check_env_defaults_documented(tf: Terraform, paths: Paths) -> list[str]:
    """A default Terraform relies on must be a documented one: in the README's Configuration
    table (platform-set names such as K_SERVICE aside)."""
    documented = readme_configuration(paths.readme)
    return [
        f"env_defaults relies on the default of {name}, which README.md's Configuration table "
        "does not document (add its row there)"
        for name in sorted(tf.locals.get("env_defaults", {}))
        if name.startswith("NUDGE_") and name not in documented
    ]


def check_env_read_only_through_settings(tf: Terraform, paths: Paths) -> list[str]:
    """The code names no NUDGE_ variable that Settings.from_env does not read: a setting read
    any other way would escape the check above."""
    read = settings_env(paths.config_py)
    allowed = set(read) | {name + "_FILE" for name, kind in read.items() if kind == "secret"}
    return [
        f"{name} appears in {', '.join(where[:3])} but Settings.from_env does not read it: read "
        "settings through shared/config.py so terraform/ can be checked against them"
        for name, where in sorted(env_mentions(paths.root).items())
        if name not in allowed
    ]


# --- Identities and IAM --------------------------------------------------------------------


def check_dedicated_service_accounts(tf: Terraform, paths: Paths) -> list[str]:
    """Each function runs as its own service account, used by nothing else as an identity."""
    problems: list[str] = []
    runtime: dict[str, str] = {}
    for name in tf.of_type(FUNCTION):
        accounts = referenced_names(
            _service(tf, name).get("service_account_email"), SERVICE_ACCOUNT
        )
        if len(accounts) != 1:
            problems.append(f"{FUNCTION}.{name}: service_account_email must name one account")
            continue
        runtime[name] = accounts.pop()
        build = referenced_names(_build(tf, name).get("service_account"), SERVICE_ACCOUNT)
        if not build or build & set(runtime.values()):
            problems.append(f"{FUNCTION}.{name}: build_config.service_account must be the build SA")
    seen: dict[str, str] = {}
    for function, account in runtime.items():
        if account in seen:
            problems.append(
                f"{FUNCTION}.{function} and {seen[account]} share the service account {account}"
            )
        seen[account] = function
    identities = set()
    for body in tf.of_type(SUBSCRIPTION).values():
        push = block(body, "push_config") or {}
        identities |= referenced_names(block(push, "oidc_token") or {}, SERVICE_ACCOUNT)
    for name in tf.of_type(FUNCTION):
        identities |= referenced_names(_build(tf, name).get("service_account"), SERVICE_ACCOUNT)
    for account in sorted(identities & set(runtime.values())):
        problems.append(f"{seen[account]}'s runtime account {account} doubles as another identity")
    return problems


def check_no_primitive_roles(tf: Terraform, paths: Paths) -> list[str]:
    """No owner/editor/viewer anywhere, and only additive (_iam_member) IAM resources."""
    problems = [
        f"{filename}: primitive role {match.group(0)}"
        for filename, text in tf.texts.items()
        for match in PRIMITIVE_ROLES.finditer(text)
    ]
    for kind, name, _ in tf.all_resources():
        if kind.endswith(("_iam_binding", "_iam_policy")):
            problems.append(f"{kind}.{name}: use *_iam_member (authoritative IAM replaces grants)")
    return problems


def check_chat_invokers(tf: Terraform, paths: Paths) -> list[str]:
    """chat_app: Chat's account may invoke it; allUsers only behind the opt-in switch."""
    problems: list[str] = []
    chat_function = _functions_by_entry_point(tf).get("chat_app")
    members = tf.of_type(RUN_MEMBER)
    on_chat = {
        name: body
        for name, body in members.items()
        if referenced_names(body.get("name"), FUNCTION) == {chat_function}
    }
    if not any(b.get("member") == CHAT_INVOKER and not b.get("count") for b in on_chat.values()):
        problems.append(f"chat_app needs roles/run.invoker for {CHAT_INVOKER}, unconditionally")
    for name, body in members.items():
        if body.get("member") in ("allUsers", "allAuthenticatedUsers"):
            if name not in on_chat:
                problems.append(f"{RUN_MEMBER}.{name}: only chat_app may ever be public")
            if "local.chat_app_public" not in str(body.get("count", "")):
                problems.append(f"{RUN_MEMBER}.{name}: allUsers only when local.chat_app_public")
        if body.get("role") != "roles/run.invoker":
            problems.append(f"{RUN_MEMBER}.{name}: role must be roles/run.invoker")
    return problems


# --- Pub/Sub -------------------------------------------------------------------------------


def check_push_subscriptions(tf: Terraform, paths: Paths) -> list[str]:
    """Push subscriptions: OIDC as the invoker (who may invoke the target), an endpoint that
    names the topic, an ack deadline at least the function's timeout, and never expiring."""
    problems: list[str] = []
    invokers = tf.of_type(RUN_MEMBER)
    for name, body in tf.of_type(SUBSCRIPTION).items():
        where = f"{SUBSCRIPTION}.{name}"
        expiration = block(body, "expiration_policy")
        if expiration is None or expiration.get("ttl") != "":
            problems.append(f'{where}: expiration_policy {{ ttl = "" }} (never expire) is missing')
        push = block(body, "push_config")
        if push is None:
            continue
        target = _push_target(body)
        if target is None:
            problems.append(f"{where}: push_endpoint must be one function's service_config[0].uri")
            continue
        topics = referenced_names(body.get("topic"), TOPIC)
        endpoint = str(push.get("push_endpoint"))
        expected_tail = (
            f"/projects/${{var.project_id}}/topics/${{google_pubsub_topic.{next(iter(topics))}.name}}"
            if len(topics) == 1
            else None
        )
        if expected_tail is None or not endpoint.endswith(expected_tail):
            problems.append(
                f"{where}: push_endpoint must end with {expected_tail}, so the CloudEvent "
                "functions-framework builds names the topic as its source"
            )
        if f"google_cloudfunctions2_function.{target}.service_config[0].uri" not in endpoint:
            problems.append(f"{where}: push to the function's run.app URI (service_config[0].uri)")
        oidc = block(push, "oidc_token")
        if oidc is None:
            problems.append(f"{where}: push without an OIDC token")
            continue
        accounts = referenced_names(oidc.get("service_account_email"), SERVICE_ACCOUNT)
        if f"google_cloudfunctions2_function.{target}.service_config[0].uri" not in str(
            oidc.get("audience")
        ):
            problems.append(f"{where}: oidc_token.audience must be {target}'s URI")
        allowed = any(
            referenced_names(member.get("name"), FUNCTION) == {target}
            and referenced_names(member.get("member"), SERVICE_ACCOUNT) == accounts
            and member.get("role") == "roles/run.invoker"
            for member in invokers.values()
        )
        if not allowed:
            problems.append(
                f"{where}: the push identity {accounts} has no roles/run.invoker on {target}"
            )
        ack = body.get("ack_deadline_seconds")
        timeout = _service(tf, target).get("timeout_seconds")
        if not isinstance(ack, int) or not isinstance(timeout, int) or ack < timeout:
            problems.append(
                f"{where}: ack_deadline_seconds ({ack}) must be at least {target}'s "
                f"timeout_seconds ({timeout}): for push it is the HTTP timeout"
            )
        if isinstance(ack, int) and not 10 <= ack <= 600:
            problems.append(f"{where}: ack_deadline_seconds must be 10-600")
    return problems


def check_dead_letters(tf: Terraform, paths: Paths) -> list[str]:
    """Every subscription to workspace_events dead-letters into a topic that has a pull
    subscription, where the Pub/Sub service agent may publish, and the agent may acknowledge
    on the source subscription."""
    problems: list[str] = []
    agent = str(tf.locals.get("pubsub_service_agent", ""))
    if PUBSUB_AGENT not in agent or "data.google_project" not in agent:
        problems.append(
            "local.pubsub_service_agent must be serviceAccount:service-<project number>@"
            f"{PUBSUB_AGENT} (from data.google_project)"
        )
    events_function = _functions_by_entry_point(tf).get("workspace_events")
    topic_members = tf.of_type("google_pubsub_topic_iam_member")
    subscription_members = tf.of_type("google_pubsub_subscription_iam_member")

    def agent_grant(members: dict[str, dict[str, Any]], kind: str, name: str, role: str) -> bool:
        return any(
            referenced_names(m.get("topic") or m.get("subscription"), kind) == {name}
            and m.get("role") == role
            and "local.pubsub_service_agent" in str(m.get("member"))
            for m in members.values()
        )

    for name, body in tf.of_type(SUBSCRIPTION).items():
        where = f"{SUBSCRIPTION}.{name}"
        policy = block(body, "dead_letter_policy")
        if policy is None:
            if _push_target(body) == events_function:
                problems.append(f"{where} feeds workspace_events but has no dead_letter_policy")
            continue
        dlq = referenced_names(policy.get("dead_letter_topic"), TOPIC)
        if len(dlq) != 1:
            problems.append(f"{where}: dead_letter_topic must be one google_pubsub_topic")
            continue
        topic = dlq.pop()
        if referenced_names(body.get("topic"), TOPIC) == {topic}:
            problems.append(f"{where}: dead-letters into its own topic")
        attempts = policy.get("max_delivery_attempts")
        if attempts != "${var.dead_letter_max_delivery_attempts}" and not (
            isinstance(attempts, int) and 5 <= attempts <= 100
        ):
            problems.append(f"{where}: max_delivery_attempts must be 5-100")
        readers = [
            s for s in _subscriptions_of(tf, topic).values() if block(s, "push_config") is None
        ]
        if not readers:
            problems.append(
                f"{where}: dead-letter topic {topic} has no pull subscription, so dead letters "
                "are dropped"
            )
        if not agent_grant(topic_members, TOPIC, topic, "roles/pubsub.publisher"):
            problems.append(
                f"{where}: the Pub/Sub service agent needs roles/pubsub.publisher on {topic}"
            )
        if not agent_grant(subscription_members, SUBSCRIPTION, name, "roles/pubsub.subscriber"):
            problems.append(
                f"{where}: the Pub/Sub service agent needs roles/pubsub.subscriber on {name}"
            )
    return problems


def check_topics(tf: Terraform, paths: Paths) -> list[str]:
    """The topics the code is given (NUDGE_EVENTS_TOPIC, NUDGE_JOBS_TOPIC) are the ones whose
    subscriptions feed workspace_events, with the right publishers."""
    problems: list[str] = []
    settings = tf.locals.get("env_settings", {})
    events_function = _functions_by_entry_point(tf).get("workspace_events")
    chat_function = _functions_by_entry_point(tf).get("chat_app")

    def topic_of(variable: str) -> str | None:
        names = referenced_names(settings.get(variable), TOPIC)
        value = str(settings.get(variable, ""))
        if len(names) != 1 or not value.endswith(".id}"):
            problems.append(f"{variable} must be a google_pubsub_topic's .id (projects/P/topics/T)")
            return None
        return names.pop()

    events = topic_of("NUDGE_EVENTS_TOPIC")
    jobs = topic_of("NUDGE_JOBS_TOPIC")
    for variable, topic in (("NUDGE_EVENTS_TOPIC", events), ("NUDGE_JOBS_TOPIC", jobs)):
        if topic and not any(
            _push_target(s) == events_function for s in _subscriptions_of(tf, topic).values()
        ):
            problems.append(
                f"{variable} names topic {topic}, which no subscription delivers to "
                "workspace_events"
            )
    if events:
        body = tf.resource(TOPIC, events)
        if "message_storage_policy" in body:
            problems.append(
                f"{TOPIC}.{events}: no message_storage_policy on the events topic (Workspace "
                "publishes with ordering keys; such a policy makes publishing fail)"
            )
        if not any(
            block(s, "push_config") and s.get("enable_message_ordering") is True
            for s in _subscriptions_of(tf, events).values()
        ):
            problems.append(f"the events topic {events}'s push subscription must enable ordering")
        publishers = set(strings(tf.locals.get("event_publishers")))
        for account in EVENT_PUBLISHERS:
            if not any(account in text for text in publishers):
                problems.append(f"local.event_publishers must include {account}")
        if not any("var.addon_service_account" in text for text in publishers):
            problems.append("local.event_publishers must include var.addon_service_account")
        if not any(
            referenced_names(m.get("topic"), TOPIC) == {events}
            and m.get("role") == "roles/pubsub.publisher"
            and "local.event_publishers" in str(m.get("for_each"))
            for m in tf.of_type("google_pubsub_topic_iam_member").values()
        ):
            problems.append(f"roles/pubsub.publisher on {events} for local.event_publishers")
    # The local stack (devkit/local.py) creates the same topics under the default prefix, so
    # logs, docs and both environments use one vocabulary.
    local = local_topics(paths.root)
    prefix = str(tf.variables.get("name_prefix", {}).get("default", "nudge"))
    for constant, topic in (("EVENTS_TOPIC", events), ("JOBS_TOPIC", jobs)):
        if constant not in local or topic is None:
            continue
        name = str(tf.resource(TOPIC, topic).get("name", ""))
        deployed = name.replace("${var.name_prefix}", prefix)
        if deployed != local[constant]:
            problems.append(
                f"{TOPIC}.{topic} is named {deployed!r} with the default prefix, but the local "
                f"stack's {constant} is {local[constant]!r} (devkit/local.py): use one name"
            )
    if jobs and chat_function not in [
        str(v) for v in tf.locals.get("job_publishers", [])
    ]:  # chat_app defers work (ctx.defer)
        problems.append("local.job_publishers must include chat_app, which defers jobs")
    if jobs and not any(
        referenced_names(m.get("topic"), TOPIC) == {jobs}
        and m.get("role") == "roles/pubsub.publisher"
        for m in tf.of_type("google_pubsub_topic_iam_member").values()
    ):
        problems.append(f"nobody may publish to the jobs topic {jobs}")
    return problems


def check_scheduler(tf: Terraform, paths: Paths) -> list[str]:
    """The scheduler publishes to a tick topic consumed by reminders_tick, every minute, and
    stale ticks are dropped rather than piled up."""
    problems: list[str] = []
    tick_function = _functions_by_entry_point(tf).get("reminders_tick")
    jobs = tf.of_type("google_cloud_scheduler_job")
    if not jobs:
        return ["no google_cloud_scheduler_job: nothing ticks"]
    for name, job in jobs.items():
        where = f"google_cloud_scheduler_job.{name}"
        target = block(job, "pubsub_target")
        if target is None:
            problems.append(f"{where}: must publish to the tick topic (pubsub_target)")
            continue
        topics = referenced_names(target.get("topic_name"), TOPIC)
        if len(topics) != 1 or not str(target.get("topic_name")).endswith(".id}"):
            problems.append(f"{where}: topic_name must be a google_pubsub_topic's .id")
            continue
        topic = topics.pop()
        consumers = _subscriptions_of(tf, topic)
        if [_push_target(s) for s in consumers.values()] != [tick_function]:
            problems.append(
                f"{where} publishes to {topic}, which must have exactly one subscription, "
                "pushing to the function whose entry point is reminders_tick"
            )
        if not target.get("data") and not target.get("attributes"):
            problems.append(f"{where}: a Pub/Sub target needs data or attributes")
        for subscription_name, subscription in consumers.items():
            sub = f"{SUBSCRIPTION}.{subscription_name}"
            retention = subscription.get("message_retention_duration")
            if retention is None or seconds(retention) > 600:
                problems.append(
                    f"{sub}: message_retention_duration at most 600s (drop stale ticks)"
                )
            retry = block(subscription, "retry_policy")
            if retry is None or seconds(retry.get("maximum_backoff", "600s")) > 300:
                problems.append(f"{sub}: a short retry_policy (maximum_backoff at most 300s)")
            if block(subscription, "dead_letter_policy") is not None:
                problems.append(f"{sub}: a tick is not worth dead-lettering; drop it instead")
        schedule = job.get("schedule")
        if schedule == "${var.tick_schedule}":
            schedule = tf.variables.get("tick_schedule", {}).get("default")
        if schedule != "* * * * *":
            problems.append(f"{where}: tick every minute (* * * * *), not {schedule!r}")
    deadline = tf.locals.get("env_settings", {}).get("NUDGE_TICK_DEADLINE_SECONDS")
    timeout = _service(tf, tick_function).get("timeout_seconds") if tick_function else None
    if not (str(deadline).isdigit() and isinstance(timeout, int) and int(deadline) < timeout):
        problems.append(
            f"NUDGE_TICK_DEADLINE_SECONDS ({deadline}) must be below reminders_tick's "
            f"timeout_seconds ({timeout})"
        )
    return problems


# --- Functions -----------------------------------------------------------------------------


def check_function_sizing(tf: Terraform, paths: Paths) -> list[str]:
    """Scale to zero, THREADS = max_instance_request_concurrency, concurrency > 1 on a whole
    vCPU, a pinned runtime and a content-addressed source object."""
    problems: list[str] = []
    for name in tf.of_type(FUNCTION):
        where = f"{FUNCTION}.{name}"
        service = _service(tf, name)
        build = _build(tf, name)
        if service.get("min_instance_count") != 0:
            problems.append(f"{where}: min_instance_count = 0 (scale to zero; 1 is always-on cost)")
        concurrency = service.get("max_instance_request_concurrency")
        threads = inline_value(service.get("environment_variables"), "THREADS")
        if not isinstance(concurrency, int) or threads != str(concurrency):
            problems.append(
                f"{where}: THREADS ({threads}) must equal max_instance_request_concurrency "
                f"({concurrency}) (docs/decisions/0007-request-body-limits.md)"
            )
        cpu = service.get("available_cpu")
        if isinstance(concurrency, int) and concurrency > 1:
            try:
                whole = float(str(cpu)) >= 1
            except ValueError:
                whole = False
            if not whole:
                problems.append(f"{where}: concurrency above 1 needs available_cpu of at least 1")
        for setting in ("available_memory", "timeout_seconds", "max_instance_count"):
            if setting not in service:
                problems.append(f"{where}: set service_config.{setting} explicitly")
        if not re.fullmatch(r"python3\d+", str(tf.locals.get("runtime", build.get("runtime")))):
            problems.append(f"{where}: runtime must be a pinned python3NN")
        source = block(block(build, "source") or {}, "storage_source") or {}
        if referenced_names(source.get("object"), "google_storage_bucket_object") != {"source"}:
            problems.append(f"{where}: build from google_storage_bucket_object.source")
        if "event_trigger" in tf.resource(FUNCTION, name):
            problems.append(f"{where}: no event_trigger; push subscriptions deliver (0017)")
    archive = tf.of_type("google_storage_bucket_object").get("source", {})
    if not re.search(r"file(sha256|md5)\(local\.source_archive\)", str(archive.get("name"))):
        problems.append("google_storage_bucket_object.source: name it by the archive's hash")
    bucket = tf.of_type("google_storage_bucket").get("source", {})
    if bucket.get("uniform_bucket_level_access") is not True:
        problems.append("source bucket: uniform_bucket_level_access = true")
    if bucket.get("public_access_prevention") != "enforced":
        problems.append('source bucket: public_access_prevention = "enforced"')
    if (block(bucket, "versioning") or {}).get("enabled") is not True:
        problems.append("source bucket: versioning on")
    rules = [block(rule, "condition") or {} for rule in blocks(bucket, "lifecycle_rule")]
    if not any(r.get("with_state") == "ARCHIVED" and "age" not in r for r in rules):
        problems.append("source bucket: a lifecycle rule for noncurrent (ARCHIVED) objects only")
    return problems


def check_secrets(tf: Terraform, paths: Paths) -> list[str]:
    """Secrets: automatic replication, no versions in Terraform, and each function mounts and
    may access only the secrets listed for it."""
    problems: list[str] = []
    functions = set(tf.of_type(FUNCTION))
    declared = tf.locals.get("secrets", {})
    for key, spec in declared.items():
        for function in spec.get("functions", []):
            if function not in functions:
                problems.append(f"local.secrets.{key}: unknown function {function!r}")
    for name, body in tf.of_type("google_secret_manager_secret").items():
        replication = block(body, "replication") or {}
        if block(replication, "auto") is None:
            problems.append(f"google_secret_manager_secret.{name}: replication {{ auto {{}} }}")
    if tf.of_type("google_secret_manager_secret_version"):
        problems.append("no google_secret_manager_secret_version: values would land in state")
    accessors = tf.of_type("google_secret_manager_secret_iam_member")
    if [local_name(b.get("for_each")) for b in accessors.values()] != ["secret_mounts"]:
        problems.append("secret accessors must be one resource with for_each = local.secret_mounts")
    for body in accessors.values():
        if body.get("role") != "roles/secretmanager.secretAccessor":
            problems.append("secret accessors: role roles/secretmanager.secretAccessor only")
    for kind, name, body in tf.all_resources():
        if kind.startswith("google_project_iam") and "secretmanager" in str(body.get("role")):
            problems.append(f"{kind}.{name}: grant secret access per secret, not project-wide")
    for name in functions:
        mounts = dynamic_blocks(_service(tf, name), "secret_environment_variables")
        expected = f"${{local.function_secret_env.{name}}}"
        if [m.get("for_each") for m in mounts] != [expected]:
            problems.append(
                f"{FUNCTION}.{name}: mount secrets with one dynamic secret_environment_variables "
                f"block over {expected[2:-1]}"
            )
        if block(_service(tf, name), "secret_environment_variables") is not None:
            problems.append(f"{FUNCTION}.{name}: mount secrets through local.function_secret_env")
    return problems


def check_apis(tf: Terraform, paths: Paths) -> list[str]:
    problems: list[str] = []
    services = tf.locals.get("services", "")
    listed = set(re.findall(r"[a-z-]+\.googleapis\.com", inner(services)))
    for api in sorted(REQUIRED_APIS - listed):
        problems.append(f"local.services: enable {api}")
    for name, body in tf.of_type("google_project_service").items():
        if body.get("disable_on_destroy") is not False:
            problems.append(f"google_project_service.{name}: disable_on_destroy = false")
    return problems


def check_firestore(tf: Terraform, paths: Paths) -> list[str]:
    problems: list[str] = []
    for name, body in tf.of_type("google_firestore_database").items():
        where = f"google_firestore_database.{name}"
        if body.get("type") != "FIRESTORE_NATIVE":
            problems.append(f'{where}: type = "FIRESTORE_NATIVE"')
        for setting in ("location_id", "deletion_policy"):
            if setting not in body:
                problems.append(f"{where}: set {setting}")
    return problems


def firestore_declared(tf: Terraform, prefix: str) -> dict[str, list[dict[str, Any]]]:
    """firestore.tf's locals, in the shape of ``indexes.terraform()``."""
    composite = [
        {
            "collection": prefix + spec["collection"],
            "query_scope": spec["query_scope"],
            "fields": [
                {"field_path": f["field_path"], "order": f["order"]} for f in spec["fields"]
            ],
        }
        for spec in tf.locals.get("firestore_indexes", {}).values()
    ]
    ttl = [
        {"collection": prefix + spec["collection"], "field": spec["field"]}
        for spec in tf.locals.get("firestore_ttl_policies", {}).values()
    ]
    return {"google_firestore_index": composite, "google_firestore_field": ttl}


def _canonical(items: list[dict[str, Any]], drop: tuple[str, ...]) -> list[str]:
    return sorted(
        json.dumps({k: v for k, v in item.items() if k not in drop}, sort_keys=True)
        for item in items
    )


def firestore_hcl() -> str:
    """firestore.tf's locals as they should read, from shared/store/firestore/indexes.py."""
    lines = ["  firestore_indexes = {"]
    for index in indexes.COMPOSITE_INDEXES:
        key = index.collection + "_" + "_".join(f.field_path for f in index.fields)
        lines += [
            f"    {key} = {{",
            f'      collection  = "{index.collection}"',
            f'      query_scope = "{index.query_scope}"',
            "      fields = [",
            *(
                f'        {{ field_path = "{f.field_path}", order = "{f.order}" }},'
                for f in index.fields
            ),
            "      ]",
            "    }",
        ]
    lines += ["  }", "", "  firestore_ttl_policies = {"]
    for policy in indexes.TTL_POLICIES:
        lines += [
            f"    {policy.collection}_{policy.field} = {{",
            f'      collection = "{policy.collection}"',
            f'      field      = "{policy.field}"',
            "    }",
        ]
    return "\n".join([*lines, "  }"])


def check_firestore_indexes(tf: Terraform, paths: Paths) -> list[str]:
    """Exactly the composite indexes and TTL policies shared/store/firestore/indexes.py lists
    (the emulator enforces neither, so a missing index first fails in production)."""
    prefix = str(tf.variables.get("firestore_prefix", {}).get("default", "nudge_"))
    expected = indexes.terraform(prefix)
    declared = firestore_declared(tf, prefix)
    problems = []
    for kind in ("google_firestore_index", "google_firestore_field"):
        want = _canonical(expected[kind], drop=("database", "ttl_config"))
        have = _canonical(declared[kind], drop=())
        if have != want:
            missing = sorted(set(want) - set(have))
            extra = sorted(set(have) - set(want))
            problems.append(
                f"{kind}: terraform/firestore.tf differs from shared/store/firestore/indexes.py "
                f"(missing {missing}, not in the code {extra}). Its locals should read:\n"
                + firestore_hcl()
            )
    return problems


def check_module_shape(tf: Terraform, paths: Paths) -> list[str]:
    """Versions pinned as agreed, variables typed, described and validated, outputs present."""
    problems: list[str] = []
    settings = tf.settings[0] if tf.settings else {}
    if settings.get("required_version") != ">= 1.5":
        problems.append('terraform { required_version = ">= 1.5" }')
    providers = (settings.get("required_providers") or [{}])[0]
    google = providers.get("google", {})
    if google.get("source") != "hashicorp/google" or google.get("version") != ">= 6.50, < 8":
        problems.append('required_providers: hashicorp/google ">= 6.50, < 8"')
    for name, variable in tf.variables.items():
        if "type" not in variable or not str(variable.get("description", "")).strip():
            problems.append(f"variable {name}: needs a type and a description")
        if inner(variable.get("type")) != "bool" and not blocks(variable, "validation"):
            problems.append(f"variable {name}: needs a validation block")
    for name in sorted(REQUIRED_OUTPUTS - set(tf.outputs)):
        problems.append(f"output {name} is missing")
    for name, output in tf.outputs.items():
        if not str(output.get("description", "")).strip():
            problems.append(f"output {name}: needs a description")
    for filename, text in tf.texts.items():
        for line in text.splitlines():
            skip = re.search(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?", line)
            if skip and len((skip.group(2) or "").strip()) < 20:
                problems.append(f"{filename}: checkov skip {skip.group(1)} needs its reason inline")
    return problems


CHECKS: dict[str, Check] = {
    "entry points exist in main.py and match their triggers": check_entry_points,
    "env vars match Settings.from_env": check_env,
    "defaults relied on are documented": check_env_defaults_documented,
    "settings are read only through Settings": check_env_read_only_through_settings,
    "every function has a dedicated service account": check_dedicated_service_accounts,
    "no primitive roles, no authoritative IAM": check_no_primitive_roles,
    "chat_app invokers": check_chat_invokers,
    "push subscriptions": check_push_subscriptions,
    "dead-letter wiring is complete": check_dead_letters,
    "topics match what the code is given": check_topics,
    "the scheduler ticks reminders_tick": check_scheduler,
    "function sizing and source": check_function_sizing,
    "secrets": check_secrets,
    "APIs": check_apis,
    "Firestore database": check_firestore,
    "Firestore indexes and TTL policies match indexes.py": check_firestore_indexes,
    "versions, variables, outputs, skips": check_module_shape,
}


def all_problems(tf: Terraform, paths: Paths) -> list[str]:
    return [problem for check in CHECKS.values() for problem in check(tf, paths)]


__all__ = ["CHECKS", "Check", "all_problems", "references"]
