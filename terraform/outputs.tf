output "chat_app_url" {
  description = "chat_app's URL (the function's HTTPS trigger)."
  value       = google_cloudfunctions2_function.chat_app.url
}

output "chat_endpoint_url" {
  description = "Paste into the Chat API configuration as the HTTP endpoint URL (Connection settings)."
  value       = local.public_url
}

output "chat_authentication_audience" {
  description = "Paste into the Chat API configuration as the Authentication Audience (HTTP endpoint URL mode)."
  value       = local.chat_audience
}

output "chat_app_invocation" {
  description = "Who may invoke chat_app: Chat's account only, or anyone (with in-app verification)."
  value       = local.chat_app_public ? "public: allUsers, every request verified by Nudge" : "chat@system.gserviceaccount.com${var.addon_service_account == "" ? "" : " and ${var.addon_service_account}"} through roles/run.invoker"
}

output "oauth_redirect_uri" {
  description = "Add to the OAuth client's Authorized redirect URIs."
  value       = "${local.public_url}/oauth/callback"
}

output "calendar_notifications_url" {
  description = "Where Calendar push notifications go (null unless calendar_push_enabled)."
  value       = var.calendar_push_enabled ? local.calendar_notifications_url : null
}

output "events_topic" {
  description = "Full name of the Workspace events topic, for subscriptions.create (notificationEndpoint.pubsubTopic)."
  value       = google_pubsub_topic.events.id
}

output "jobs_topic" {
  description = "Full name of the deferred-jobs topic."
  value       = google_pubsub_topic.jobs.id
}

output "dead_letter_subscription" {
  description = "Pull subscription holding what kept failing (events and jobs), for 31 days."
  value       = google_pubsub_subscription.dead_letter.id
}

output "service_accounts" {
  description = "Service account emails: one per function, the push invoker and the build account."
  value = {
    chat_app         = google_service_account.chat_app.email
    workspace_events = google_service_account.workspace_events.email
    reminders_tick   = google_service_account.reminders_tick.email
    invoker          = google_service_account.invoker.email
    build            = google_service_account.build.email
  }
}

output "secrets" {
  description = "Secret IDs by purpose; add versions with gcloud secrets versions add (docs/DEPLOY.md)."
  value       = { for key, secret in google_secret_manager_secret.secrets : key => secret.secret_id }
}

output "source_object" {
  description = "The deployed source archive (gs:// URL)."
  value       = "gs://${google_storage_bucket.source.name}/${google_storage_bucket_object.source.name}"
}

output "firestore_database" {
  description = "The Firestore database ID."
  value       = google_firestore_database.nudge.name
}
