# Four topics, four subscriptions. Every consumer is a push subscription owned here (not an
# Eventarc trigger, whose subscription Terraform cannot configure): see
# docs/decisions/0017-terraform.md. Push endpoints end in /projects/P/topics/T so that the
# CloudEvent functions-framework builds from a raw push body names its topic as `source`.
# The names are the local stack's (devkit/local.py: nudge-events, nudge-jobs, nudge-tick,
# each pushed by TOPIC-push) with the default prefix; tests/terraform checks it.

# --- Workspace events ----------------------------------------------------------------------

resource "google_pubsub_topic" "events" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption. CMEK would need a KMS key that Chat's and Meet's push accounts may use; not worth it for event notifications that Nudge deletes after handling.
  name = "${var.name_prefix}-events"

  # No message_storage_policy, on purpose: Workspace publishes with ordering keys, and Google
  # warns that events published to topics with such a policy are likely to fail.

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "events" {
  name  = "${var.name_prefix}-events-push"
  topic = google_pubsub_topic.events.id

  # For push this is also the HTTP timeout: equal to workspace_events' timeout_seconds.
  ack_deadline_seconds       = 300
  message_retention_duration = "604800s" # 7 days to catch up after an outage
  retain_acked_messages      = false
  # All events of one Workspace subscription share an ordering key (its name).
  enable_message_ordering = true

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.workspace_events.service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.events.name}"

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = google_cloudfunctions2_function.workspace_events.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.dead_letter_max_delivery_attempts
  }

  # Never delete the subscription for inactivity (the default is after 31 quiet days).
  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.workspace_events_invoker]
}

# --- Deferred jobs (published by chat_app, run by workspace_events) ------------------------

resource "google_pubsub_topic" "jobs" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption; jobs carry names and IDs, never secrets or tokens (docs/decisions/0015-deferred-work.md).
  name = "${var.name_prefix}-jobs"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "jobs" {
  name  = "${var.name_prefix}-jobs-push"
  topic = google_pubsub_topic.jobs.id

  ack_deadline_seconds       = 300 # = workspace_events' timeout_seconds
  message_retention_duration = "604800s"
  retain_acked_messages      = false
  enable_message_ordering    = false # jobs are independent

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.workspace_events.service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.jobs.name}"

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = google_cloudfunctions2_function.workspace_events.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.dead_letter_max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.workspace_events_invoker]
}

# --- Dead letters: what kept failing, kept for a month ------------------------------------

resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption, as for the topics it collects from.
  name = "${var.name_prefix}-dead-letter"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "dead_letter" {
  # A pull subscription: without one, dead-lettered messages would be dropped. Inspect with
  #   gcloud pubsub subscriptions pull SUBSCRIPTION --limit=10   (docs/DEPLOY.md)
  name  = "${var.name_prefix}-dead-letter"
  topic = google_pubsub_topic.dead_letter.id

  ack_deadline_seconds       = 60
  message_retention_duration = "2678400s" # 31 days, Pub/Sub's maximum
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

# --- The tick (Cloud Scheduler publishes, reminders_tick consumes) -------------------------

resource "google_pubsub_topic" "tick" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption; a tick carries no data.
  name = "${var.name_prefix}-tick"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "tick" {
  #checkov:skip=CKV2_NUDGE_3:No dead-letter topic on purpose: a tick that cannot be delivered is worthless once the next one is published, and every tick delivers whatever is due by the wall clock.
  name  = "${var.name_prefix}-tick-push"
  topic = google_pubsub_topic.tick.id

  ack_deadline_seconds = 120 # = reminders_tick's timeout_seconds
  # Stale ticks are dropped, not replayed for hours: a tick is kept for 10 minutes (Pub/Sub's
  # minimum) and retried at most every 30-120 s meanwhile, so at most ten are ever pending.
  message_retention_duration = "600s"
  retain_acked_messages      = false
  enable_message_ordering    = false

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.reminders_tick.service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.tick.name}"

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = google_cloudfunctions2_function.reminders_tick.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "30s"
    maximum_backoff = "120s"
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.reminders_tick_invoker]
}
