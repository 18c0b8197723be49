# Identities and every IAM grant, in one place (the matrix is in docs/decisions/0017-terraform.md).
# Only additive *_iam_member resources: nothing here replaces a policy someone else manages.
# No primitive role (owner, editor, viewer) anywhere; tests/terraform checks both rules.

data "google_project" "this" {
  project_id = var.project_id

  depends_on = [google_project_service.apis]
}

locals {
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # One runtime identity per function.
  runtime_members = {
    chat_app         = google_service_account.chat_app.member
    workspace_events = google_service_account.workspace_events.member
    reminders_tick   = google_service_account.reminders_tick.member
  }

  # Who publishes Workspace events into the events topic (REFERENCE 6.5): Chat's and Meet's
  # push accounts, and an add-on app's own service account when there is one.
  event_publishers = concat(
    [
      "serviceAccount:chat-api-push@system.gserviceaccount.com",
      "serviceAccount:meet-api-event-push@system.gserviceaccount.com",
    ],
    var.addon_service_account == "" ? [] : ["serviceAccount:${var.addon_service_account}"],
  )

  # Functions that publish deferred jobs: chat_app answers Chat at once and defers slow work
  # (issue 8), including Calendar syncs started by push notifications (issue 10).
  job_publishers = ["chat_app"]

  all_service_accounts = {
    chat_app         = google_service_account.chat_app.name
    workspace_events = google_service_account.workspace_events.name
    reminders_tick   = google_service_account.reminders_tick.name
    invoker          = google_service_account.invoker.name
    build            = google_service_account.build.name
  }
}

# --- Service accounts ----------------------------------------------------------------------

resource "google_service_account" "chat_app" {
  account_id   = "${var.name_prefix}-chat"
  display_name = "Nudge chat_app (runtime)"
  description  = "Runs chat_app: Chat interaction events, the OAuth callback, Calendar push."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "workspace_events" {
  account_id   = "${var.name_prefix}-events"
  display_name = "Nudge workspace_events (runtime)"
  description  = "Runs workspace_events: Workspace events and deferred jobs from Pub/Sub."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "reminders_tick" {
  account_id   = "${var.name_prefix}-tick"
  display_name = "Nudge reminders_tick (runtime)"
  description  = "Runs reminders_tick: the once-a-minute tick."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "invoker" {
  account_id   = "${var.name_prefix}-invoker"
  display_name = "Nudge push invoker"
  description  = "Identity of the OIDC tokens Pub/Sub push subscriptions send to workspace_events and reminders_tick."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "build" {
  account_id   = "${var.name_prefix}-build"
  display_name = "Nudge function builds"
  description  = "Cloud Build identity that turns the source archive into the functions' images."
  depends_on   = [google_project_service.apis]
}

# --- Runtime: Firestore only (logs go to stdout, which Cloud Run collects without a role) ----

resource "google_project_iam_member" "runtime_datastore" {
  for_each = local.runtime_members

  project = var.project_id
  role    = "roles/datastore.user"
  member  = each.value
}

# --- Build: logs, read the uploaded source, push images to Nudge's repository only ----------

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/logging.logWriter", "roles/storage.objectViewer"])

  project = var.project_id
  role    = each.value
  member  = google_service_account.build.member
}

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

# --- Who may invoke which function (roles/run.invoker on the function's Cloud Run service) --

resource "google_cloud_run_v2_service_iam_member" "chat_app_chat" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.chat_app.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:chat@system.gserviceaccount.com"
}

resource "google_cloud_run_v2_service_iam_member" "chat_app_addon" {
  count = var.addon_service_account == "" ? 0 : 1

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.chat_app.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${var.addon_service_account}"
}

resource "google_cloud_run_v2_service_iam_member" "chat_app_public" {
  #checkov:skip=CKV2_NUDGE_1:Opt-in (chat_app_public, user_auth_enabled or calendar_push_enabled). The OAuth callback is reached by browsers and Calendar push carries no Google identity, so run.invoker cannot gate them; Nudge verifies every request in the app (Chat JWTs against Google's certs, signed single-use OAuth state, per-channel Calendar tokens) and NUDGE_VERIFY_REQUESTS is pinned to true.
  count = local.chat_app_public ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.chat_app.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "workspace_events_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.workspace_events.name
  role     = "roles/run.invoker"
  member   = google_service_account.invoker.member
}

resource "google_cloud_run_v2_service_iam_member" "reminders_tick_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.reminders_tick.name
  role     = "roles/run.invoker"
  member   = google_service_account.invoker.member
}

# --- Pub/Sub -------------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "events_publishers" {
  for_each = toset(local.event_publishers)

  project = var.project_id
  topic   = google_pubsub_topic.events.name
  role    = "roles/pubsub.publisher"
  member  = each.value
}

resource "google_pubsub_topic_iam_member" "jobs_publishers" {
  for_each = toset(local.job_publishers)

  project = var.project_id
  topic   = google_pubsub_topic.jobs.name
  role    = "roles/pubsub.publisher"
  member  = local.runtime_members[each.value]
}

# Dead letters: the Pub/Sub service agent forwards a message to the dead-letter topic
# (publisher there) and acknowledges it on the source subscription (subscriber there).
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "events_dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.events.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent

  lifecycle {
    replace_triggered_by = [google_pubsub_subscription.events]
  }
}

resource "google_pubsub_subscription_iam_member" "jobs_dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.jobs.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent

  lifecycle {
    replace_triggered_by = [google_pubsub_subscription.jobs]
  }
}

# Projects that enabled Pub/Sub on or before 2021-04-08 need this for push OIDC tokens.
resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  count = var.pubsub_agent_token_creator ? 1 : 0

  service_account_id = google_service_account.invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# --- Secrets: each function reads only the secrets it mounts (secrets.tf) ------------------

resource "google_secret_manager_secret_iam_member" "accessors" {
  for_each = local.secret_mounts

  project   = var.project_id
  secret_id = google_secret_manager_secret.secrets[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.runtime_members[each.value.function]
}

# --- Deployers: actAs on Nudge's accounts only (not project-wide) --------------------------

resource "google_service_account_iam_member" "deployers" {
  for_each = {
    for pair in setproduct(keys(local.all_service_accounts), var.deployer_members) :
    "${pair[0]} ${pair[1]}" => { account = local.all_service_accounts[pair[0]], member = pair[1] }
  }

  service_account_id = each.value.account
  role               = "roles/iam.serviceAccountUser"
  member             = each.value.member
}
