locals {
  # Every API Nudge or its deployment calls. Disabling an API on destroy could break other
  # workloads in the project, so Terraform only ever enables them.
  services = toset([
    "artifactregistry.googleapis.com",     # function images
    "calendar-json.googleapis.com",        # meetings (Calendar API)
    "chat.googleapis.com",                 # the Chat app and the Chat API
    "cloudbuild.googleapis.com",           # function builds
    "cloudfunctions.googleapis.com",       # the three functions
    "cloudresourcemanager.googleapis.com", # data.google_project (the project number)
    "cloudscheduler.googleapis.com",       # the once-a-minute tick
    "eventarc.googleapis.com",             # unused by push delivery; ready for an Eventarc trigger
    "firestore.googleapis.com",            # the store
    "iam.googleapis.com",                  # service accounts
    "logging.googleapis.com",              # logs
    "meet.googleapis.com",                 # Meet events and links
    "people.googleapis.com",               # mentions to attendee emails
    "pubsub.googleapis.com",               # events, jobs, tick, dead letters
    "run.googleapis.com",                  # the functions' Cloud Run services
    "secretmanager.googleapis.com",        # OAuth client, token key, webhook URL
    "storage.googleapis.com",              # the source archive
    "workspaceevents.googleapis.com",      # Workspace Events subscriptions
  ])
}

resource "google_project_service" "apis" {
  for_each = local.services

  project                    = var.project_id
  service                    = each.value
  disable_on_destroy         = false
  disable_dependent_services = false
}
