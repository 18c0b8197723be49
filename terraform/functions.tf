# The three functions, built from one source archive (storage.tf) with one entry point each in
# main.py. They have no Eventarc trigger: Pub/Sub push subscriptions (pubsub.tf) deliver to the
# two CloudEvent functions, whose functions-framework decorator accepts a raw push body.
#
# Sizing (docs/decisions/0017-terraform.md): every function scales to zero. A request mostly
# waits on Google APIs and Firestore, so an instance serves several at once: THREADS (gunicorn's
# worker threads, read by functions-framework) must equal max_instance_request_concurrency
# (docs/decisions/0007-request-body-limits.md), and concurrency above 1 needs a whole vCPU.
# tests/terraform checks both.

locals {
  runtime        = "python311"
  source_archive = var.source_archive != "" ? var.source_archive : "${path.module}/../dist/nudge-source.zip"

  function_names = {
    chat_app         = "${var.name_prefix}-chat-app"
    workspace_events = "${var.name_prefix}-workspace-events"
    reminders_tick   = "${var.name_prefix}-reminders-tick"
  }

  # A gen2 function's HTTPS trigger URL is known before it exists, so the env can carry it.
  chat_app_url    = "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.function_names.chat_app}"
  public_url      = var.public_url != "" ? var.public_url : local.chat_app_url
  chat_audience   = var.chat_audience != "" ? var.chat_audience : local.public_url
  chat_app_public = var.chat_app_public || var.user_auth_enabled || var.calendar_push_enabled

  calendar_notifications_url = var.calendar_push_enabled ? "${local.public_url}/calendar/notifications" : ""
}

resource "google_cloudfunctions2_function" "chat_app" {
  #checkov:skip=CKV_GCP_124:Google Chat, browsers (OAuth callback) and Calendar push reach chat_app from the internet, so ingress must allow all; run.invoker (chat@system.gserviceaccount.com) or Nudge's in-app verification decides who gets in.
  name        = local.function_names.chat_app
  location    = var.region
  description = "Nudge: Google Chat interaction events (HTTP), the OAuth callback and Calendar push."

  build_config {
    runtime           = local.runtime
    entry_point       = "chat_app"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }

    automatic_update_policy {}
  }

  service_config {
    service_account_email = google_service_account.chat_app.email
    # Chat waits at most 30 s for a synchronous answer; slow work is deferred to the jobs
    # topic. 60 s bounds a stuck request (body reads stop at 10 s, NUDGE_BODY_READ_TIMEOUT_SECONDS).
    timeout_seconds = 60
    # 8 concurrent I/O-bound requests on one vCPU: one instance absorbs a burst of slash
    # commands, and a slow-body sender holds one thread for at most 10 s, not the instance.
    available_cpu                    = "1"
    available_memory                 = "512Mi"
    max_instance_request_concurrency = 8
    min_instance_count               = 0
    max_instance_count               = var.max_instances.chat_app
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true

    environment_variables = merge(local.env, { THREADS = "8" })

    dynamic "secret_environment_variables" {
      for_each = local.function_secret_env.chat_app
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.secrets[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = local.chat_app_public || can(regex("^https://", local.chat_audience))
      error_message = "chat_audience is a project number, which only works with a public chat_app: run.invoker needs a Google-signed ID token, whose audience is a URL."
    }
  }

  depends_on = [
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_project_iam_member.runtime_datastore,
    google_secret_manager_secret_iam_member.accessors,
    # Deploy the function that runs jobs before the one that defers them, so a new kind of
    # job is never published before it can be handled (docs/decisions/0015-deferred-work.md).
    google_cloudfunctions2_function.workspace_events,
  ]
}

resource "google_cloudfunctions2_function" "workspace_events" {
  name        = local.function_names.workspace_events
  location    = var.region
  description = "Nudge: Workspace events and deferred jobs, pushed by Pub/Sub."

  build_config {
    runtime           = local.runtime
    entry_point       = "workspace_events"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }

    automatic_update_policy {}
  }

  service_config {
    service_account_email = google_service_account.workspace_events.email
    # Jobs (a Calendar sync, a subscription renewal) may take minutes. 300 s equals the
    # dispatcher's lease on an event (LEASE_SECONDS), so a delivery never outlives its lease,
    # and both push subscriptions' ack deadline.
    timeout_seconds                  = 300
    available_cpu                    = "1"
    available_memory                 = "512Mi"
    max_instance_request_concurrency = 8
    min_instance_count               = 0
    max_instance_count               = var.max_instances.workspace_events
    # Only Pub/Sub (same project) calls it: internal traffic, even at the run.app URL.
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true

    environment_variables = merge(local.env, { THREADS = "8" })

    dynamic "secret_environment_variables" {
      for_each = local.function_secret_env.workspace_events
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.secrets[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }
  }

  depends_on = [
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_project_iam_member.runtime_datastore,
    google_secret_manager_secret_iam_member.accessors,
  ]
}

resource "google_cloudfunctions2_function" "reminders_tick" {
  name        = local.function_names.reminders_tick
  location    = var.region
  description = "Nudge: the once-a-minute tick (reminders, meeting reminders, renewals, calendar sweep)."

  build_config {
    runtime           = local.runtime
    entry_point       = "reminders_tick"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }

    automatic_update_policy {}
  }

  service_config {
    service_account_email = google_service_account.reminders_tick.email
    # A tick stops starting work after NUDGE_TICK_DEADLINE_SECONDS (50); 120 s lets posts in
    # flight finish. It equals the tick subscription's ack deadline.
    timeout_seconds = 120
    # One tick per instance (its own pool of 32 threads posts in parallel): concurrency 1, so
    # THREADS 1 (gunicorn's sync worker). An overlapping tick gets its own instance; leases
    # keep overlapping ticks apart (docs/decisions/0012-the-tick.md).
    available_cpu                    = "1"
    available_memory                 = "512Mi"
    max_instance_request_concurrency = 1
    min_instance_count               = 0
    max_instance_count               = var.max_instances.reminders_tick
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision   = true

    environment_variables = merge(local.env, { THREADS = "1" })

    dynamic "secret_environment_variables" {
      for_each = local.function_secret_env.reminders_tick
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.secrets[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }
  }

  depends_on = [
    google_project_iam_member.build,
    google_artifact_registry_repository_iam_member.build_writer,
    google_project_iam_member.runtime_datastore,
    google_secret_manager_secret_iam_member.accessors,
  ]
}

# Warnings, not errors: they show in plan and apply output.
check "chat_app_url" {
  assert {
    condition     = google_cloudfunctions2_function.chat_app.url == local.chat_app_url
    error_message = "chat_app's URL is ${google_cloudfunctions2_function.chat_app.url}, not the ${local.chat_app_url} that NUDGE_PUBLIC_URL and NUDGE_CHAT_AUDIENCE were built from: set public_url (or chat_audience) to the URL configured in the Chat API."
  }
}

check "calendar_push_domain" {
  assert {
    condition     = !var.calendar_push_enabled || var.public_url != ""
    error_message = "calendar_push_enabled without public_url: Google Calendar may refuse a watch on the function's own URL (\"Unauthorized WebHook callback channel\") until a custom domain is verified. See docs/DEPLOY.md, Calendar push."
  }
}
