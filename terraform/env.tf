# The environment every function gets. tests/terraform/checks.py (check_env) reads the names
# that shared/config.py's Settings.from_env reads, and fails unless each is either set here
# (env_settings, or a secret in secrets.tf) or listed in env_defaults with the reason the
# default is right for this deployment. A setting added to the code therefore fails the test
# until it is wired here.

locals {
  # Settings Terraform sets, the same for all three functions (each builds the same runtime).
  env_settings = {
    NUDGE_PROJECT_ID            = var.project_id
    NUDGE_STORE                 = "firestore"
    NUDGE_FIRESTORE_DATABASE    = google_firestore_database.nudge.name
    NUDGE_FIRESTORE_PREFIX      = var.firestore_prefix
    NUDGE_CHAT_AUDIENCE         = local.chat_audience
    NUDGE_PUBLIC_URL            = local.public_url
    NUDGE_ADDON_SERVICE_ACCOUNT = var.addon_service_account
    NUDGE_APP_FORMAT            = var.app_format
    NUDGE_APP_NAME              = var.app_name
    NUDGE_COMMAND_IDS           = join(",", [for name, id in var.command_ids : "${name}=${id}"])
    NUDGE_CHAT_SCOPES           = join(" ", var.chat_scopes)
    NUDGE_LOG_LEVEL             = var.log_level
    # Pinned: false would let anyone who reaches a public chat_app impersonate Google Chat.
    NUDGE_VERIFY_REQUESTS = "true"
    # Below reminders_tick's timeout_seconds (120), so a tick ends before it is killed.
    NUDGE_TICK_DEADLINE_SECONDS = "50"
    # Full topic names (projects/P/topics/T): where Workspace Events subscriptions deliver
    # (subscriptions.create), and where chat_app publishes deferred jobs.
    NUDGE_EVENTS_TOPIC = google_pubsub_topic.events.id
    NUDGE_JOBS_TOPIC   = google_pubsub_topic.jobs.id
    # Explicit, so that a missing topic fails at start-up instead of turning jobs off.
    NUDGE_JOBS_MODE = "pubsub"
    # Where Calendar push channels deliver ("" with push off: the tick's sweep polls alone).
    NUDGE_CALENDAR_PUSH_URL = local.calendar_notifications_url
  }

  # Empty values (an optional setting left unset) are not sent at all.
  env = { for name, value in local.env_settings : name => value if value != "" }

  # Variables set above before the code reads them (a feature still in flight), each with the
  # reason. The test fails once the code reads one, so that its entry is removed from here.
  env_pending = {}

  # Variables the code reads that Terraform leaves unset on purpose: the default (README,
  # Configuration) is right for a Cloud Functions deployment, or the platform sets them.
  env_defaults = {
    NUDGE_CHAT_CERTS_URL            = "Google's published certs for Chat's project-number JWTs"
    NUDGE_OIDC_CERTS_URL            = "Google's published OAuth2 certs"
    NUDGE_CERTS_MIN_REFETCH_SECONDS = "60 s between certs refetches is fine in production"
    NUDGE_MAX_BODY_BYTES            = "1,000,000 bytes: Chat events are far smaller"
    NUDGE_BODY_READ_TIMEOUT_SECONDS = "10 s, well inside chat_app's 60 s timeout"
    NUDGE_CHAT_API_ENDPOINT         = "https://chat.googleapis.com/ (the emulator is for local runs)"
    NUDGE_CHAT_API_TOKEN            = "local Chat API emulator only"
    NUDGE_WORKSPACE_EVENTS_ENDPOINT = "https://workspaceevents.googleapis.com/ (the emulator is for local runs)"
    NUDGE_ALLOW_PRIVATE_WEBHOOKS    = "false: outgoing webhooks may not target private addresses (local development only)"
    NUDGE_SERVICE_ACCOUNT_FILE      = "none: each function authenticates as its own service account (ADC)"
    NUDGE_OAUTH_AUTH_URL            = "Google's OAuth endpoint"
    NUDGE_OAUTH_TOKEN_URL           = "Google's OAuth endpoint"
    NUDGE_OAUTH_REVOKE_URL          = "Google's OAuth endpoint"
    NUDGE_DATABASE                  = "SQLite only; NUDGE_STORE is firestore"
    NUDGE_WEBHOOK_URL               = "used by the nudge webhook CLI only; operators read the secret themselves"
    NUDGE_CALENDAR_API_ENDPOINT     = "https://www.googleapis.com/calendar/v3/ (the emulator is for local runs)"
    NUDGE_MEET_API_ENDPOINT         = "https://meet.googleapis.com/ (the emulator is for local runs)"
    NUDGE_PEOPLE_API_ENDPOINT       = "https://people.googleapis.com/ (the emulator is for local runs)"
    NUDGE_CALENDAR_SWEEP_MINUTES    = "30 with push (a safety net for lost pushes), 5 without"
    NUDGE_LOG_FORMAT                = "JSON, the default on Cloud Functions, is what Cloud Logging reads"
    K_SERVICE                       = "set by Cloud Run on every instance"
    GOOGLE_CLOUD_PROJECT            = "fallback for NUDGE_PROJECT_ID, which is set"
    GCLOUD_PROJECT                  = "fallback for NUDGE_PROJECT_ID, which is set"
  }
}
