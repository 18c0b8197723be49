variable "project_id" {
  type        = string
  description = "The Google Cloud project ID that hosts Nudge (its Chat app is configured in the same project)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 lowercase letters, digits and hyphens), not a name or number."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, the Scheduler job, the source bucket and the image repository."
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Cloud region such as us-central1 or europe-west1."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (functions, topics, service accounts, secrets)."
  default     = "nudge"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2-16 lowercase letters, digits or hyphens, starting with a letter (service account IDs are at most 30 characters)."
  }
}

variable "labels" {
  type        = map(string)
  description = "Extra labels for every resource that takes labels (app = nudge is always set)."
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "Label keys must start with a lowercase letter; keys and values may hold lowercase letters, digits, _ and - (up to 63)."
  }
}

variable "source_archive" {
  type        = string
  description = "Path of the source zip that scripts/build_source.py writes; empty means ../dist/nudge-source.zip beside this directory."
  default     = ""

  validation {
    condition     = var.source_archive == "" || can(regex("\\.zip$", var.source_archive))
    error_message = "source_archive must be the path of a .zip file."
  }
}

# --- How Google Chat and browsers reach chat_app -------------------------------------------

variable "chat_app_public" {
  type        = bool
  description = "Let anyone invoke chat_app (allUsers run.invoker) and rely on Nudge's in-app verification of every request, for organisations whose policy rejects chat@system.gserviceaccount.com as a member. user_auth_enabled and calendar_push_enabled imply it."
  default     = false
}

variable "user_auth_enabled" {
  type        = bool
  description = "Mount the OAuth client and token-key secrets (add their versions first, docs/DEPLOY.md step 4): turns on /connect, everything done as a user (/invite, /subscribe, meetings) and outgoing webhooks, whose secrets the token key seals. Implies a public chat_app: Google redirects the user's browser to /oauth/callback, and a browser carries no Google identity for run.invoker; Nudge checks the signed, single-use state itself."
  default     = false
}

variable "calendar_push_enabled" {
  type        = bool
  description = "Let Google Calendar push change notifications to chat_app's /calendar/notifications route. Implies a public chat_app (Calendar sends no Google identity; Nudge checks each channel's token). Without it, meetings are kept in sync by the tick's polling sweep."
  default     = false
}

variable "public_url" {
  type        = string
  description = "The HTTPS origin in front of chat_app when you map a custom domain (needed for Calendar push; see docs/DEPLOY.md), without a trailing slash. Empty means the function's own URL."
  default     = ""

  validation {
    condition     = var.public_url == "" || can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", var.public_url))
    error_message = "public_url must be an https:// origin without a path or trailing slash, e.g. https://nudge.example.com."
  }
}

variable "chat_audience" {
  type        = string
  description = "The Authentication Audience configured in the Chat API: empty means the HTTP endpoint URL (public_url, else the function URL). A project number works only with a public chat_app, because run.invoker needs a Google-signed ID token."
  default     = ""

  validation {
    condition     = var.chat_audience == "" || can(regex("^([0-9]+|https://[^ ]+)$", var.chat_audience))
    error_message = "chat_audience must be empty, a project number or an https:// URL."
  }
}

variable "addon_service_account" {
  type        = string
  description = "When the Chat app is a Workspace add-on: the add-on's service account shown on the Chat API configuration page (service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com). It may invoke chat_app and publish Workspace events."
  default     = ""

  validation {
    condition     = var.addon_service_account == "" || can(regex("^[a-z0-9-]+@[a-z0-9.-]+\\.gserviceaccount\\.com$", var.addon_service_account))
    error_message = "addon_service_account must be a service account email."
  }
}

# --- Settings passed to the code (README, Configuration) -----------------------------------

variable "app_format" {
  type        = string
  description = "NUDGE_APP_FORMAT: addon when the Chat app is configured as a Workspace add-on (the checkbox in the Chat API configuration), else legacy."
  default     = "legacy"

  validation {
    condition     = contains(["legacy", "addon"], var.app_format)
    error_message = "app_format must be legacy or addon."
  }
}

variable "app_name" {
  type        = string
  description = "NUDGE_APP_NAME: the name shown in replies; use the name given in the Chat API configuration."
  default     = "Nudge"

  validation {
    condition     = length(trimspace(var.app_name)) > 0 && length(var.app_name) <= 25
    error_message = "app_name must be 1-25 characters (the Chat API's limit for an app name)."
  }
}

variable "command_ids" {
  type        = map(number)
  description = "NUDGE_COMMAND_IDS: the slash commands' IDs exactly as configured in the Chat API, e.g. { \"/help\" = 1, \"/remind\" = 2 }."
  default     = {}

  validation {
    condition     = alltrue([for name, id in var.command_ids : can(regex("^/[a-z0-9_-]+$", name)) && id >= 1 && id <= 1000 && floor(id) == id])
    error_message = "command_ids keys must be slash commands (/name) and values whole numbers from 1 to 1000."
  }
}

variable "chat_scopes" {
  type        = list(string)
  description = "NUDGE_CHAT_SCOPES: the app-auth scopes. chat.app.* scopes need one-time approval by a Workspace admin."
  default     = ["chat.bot"]

  validation {
    condition     = length(var.chat_scopes) > 0 && alltrue([for s in var.chat_scopes : can(regex("^(https://www\\.googleapis\\.com/auth/)?chat\\.[a-z.]+$", s))])
    error_message = "chat_scopes must be Chat scopes such as chat.bot or chat.app.memberships."
  }
}

variable "log_level" {
  type        = string
  description = "NUDGE_LOG_LEVEL."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

# --- Capacity and delivery -----------------------------------------------------------------

variable "max_instances" {
  type = object({
    chat_app         = number
    workspace_events = number
    reminders_tick   = number
  })
  description = "Upper bound of instances per function: a cost ceiling. Requests over it wait or get 429 (Pub/Sub then retries)."
  default = {
    chat_app         = 20
    workspace_events = 10
    reminders_tick   = 3
  }

  validation {
    condition     = alltrue([for n in values(var.max_instances) : n >= 1 && n <= 100 && floor(n) == n])
    error_message = "max_instances values must be whole numbers from 1 to 100."
  }
}

variable "dead_letter_max_delivery_attempts" {
  type        = number
  description = "Deliveries of one Workspace event or job before Pub/Sub moves it to the dead-letter topic. With ordering on, a failing event holds back the later events of its subscription until then."
  default     = 5

  validation {
    condition     = var.dead_letter_max_delivery_attempts >= 5 && var.dead_letter_max_delivery_attempts <= 100
    error_message = "Pub/Sub allows 5 to 100 delivery attempts."
  }
}

variable "tick_schedule" {
  type        = string
  description = "Cron schedule (UTC) of the reminders tick. Reminders are delivered at tick granularity, so keep it every minute."
  default     = "* * * * *"

  validation {
    condition     = length(split(" ", trimspace(var.tick_schedule))) == 5
    error_message = "tick_schedule must be a five-field cron expression."
  }
}

# --- Firestore -----------------------------------------------------------------------------

variable "firestore_location" {
  type        = string
  description = "Firestore location: a multi-region (nam5, eur3) or a region. It cannot be changed after creation."
  default     = "nam5"

  validation {
    condition     = can(regex("^[a-z0-9-]+$", var.firestore_location))
    error_message = "firestore_location must be a Firestore location ID such as nam5, eur3 or europe-west1."
  }
}

variable "firestore_database" {
  type        = string
  description = "NUDGE_FIRESTORE_DATABASE: the Native-mode database ID. (default) is free-tier eligible."
  default     = "(default)"

  validation {
    condition     = var.firestore_database == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore_database))
    error_message = "firestore_database must be (default) or 4-63 lowercase letters, digits and hyphens."
  }
}

variable "firestore_prefix" {
  type        = string
  description = "NUDGE_FIRESTORE_PREFIX: the prefix of every collection name (nudge_reminders, ...); the indexes and TTL policies follow it."
  default     = "nudge_"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", var.firestore_prefix))
    error_message = "firestore_prefix must be letters, digits, _ and - (up to 64), as shared/config.py requires."
  }
}

variable "firestore_deletion_policy" {
  type        = string
  description = "What terraform destroy does to the database: ABANDON leaves it (and its data) in the project, DELETE deletes it (delete protection must be off)."
  default     = "ABANDON"

  validation {
    condition     = contains(["ABANDON", "DELETE"], var.firestore_deletion_policy)
    error_message = "firestore_deletion_policy must be ABANDON or DELETE."
  }
}

variable "firestore_delete_protection" {
  type        = bool
  description = "Refuse deletion of the database (by anyone, in any tool) while true."
  default     = true
}

# --- Deployment plumbing -------------------------------------------------------------------

variable "deployer_members" {
  type        = list(string)
  description = "Principals that run terraform apply without project-wide iam.serviceAccountUser (e.g. serviceAccount:ci@...): they get it on Nudge's service accounts only, to attach them to functions and push subscriptions."
  default     = []

  validation {
    condition     = alltrue([for m in var.deployer_members : can(regex("^(user|group|serviceAccount):[^ ]+$", m))])
    error_message = "deployer_members must be IAM members such as user:ada@example.com or serviceAccount:ci@p.iam.gserviceaccount.com."
  }
}

variable "pubsub_agent_token_creator" {
  type        = bool
  description = "Grant the Pub/Sub service agent iam.serviceAccountTokenCreator on the invoker account. Needed only in projects that enabled Pub/Sub on or before 8 April 2021, for push OIDC tokens."
  default     = false
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy delete the source bucket with its archives in it (set it before tearing down)."
  default     = false
}
