# Secret Manager secrets. Their values never pass through Terraform (no secret versions here,
# so nothing secret lands in state): add versions out of band, as docs/DEPLOY.md shows.
# Each function mounts, as an environment variable, only the secrets listed for it, and its
# service account may access only those (iam.tf).

locals {
  secrets = {
    oauth_client_id = {
      env         = "NUDGE_OAUTH_CLIENT_ID"
      description = "OAuth client ID for user authorization"
      user_auth   = true
      # chat_app runs the consent flow and user-authorized commands; workspace_events renews,
      # reactivates and recreates users' Workspace Events subscriptions and runs deferred
      # jobs as users; reminders_tick renews subscriptions and sweeps calendars as users.
      functions = ["chat_app", "workspace_events", "reminders_tick"]
    }
    oauth_client_secret = {
      env         = "NUDGE_OAUTH_CLIENT_SECRET"
      description = "OAuth client secret for user authorization"
      user_auth   = true
      functions   = ["chat_app", "workspace_events", "reminders_tick"]
    }
    token_key = {
      env         = "NUDGE_TOKEN_KEY"
      description = "Base64 of 32 random bytes: encrypts refresh tokens and webhook secrets, signs OAuth state"
      user_auth   = true
      # Also seals and unseals outgoing webhooks' secrets: set in chat_app (/nudge settings),
      # used by workspace_events (the automations run there).
      functions = ["chat_app", "workspace_events", "reminders_tick"]
    }
    webhook_url = {
      env         = "NUDGE_WEBHOOK_URL"
      description = "Incoming-webhook URL for the nudge webhook CLI (no function reads it)"
      user_auth   = false
      functions   = []
    }
  }

  # (secret, function) pairs to mount and grant; user-auth secrets only once enabled, because a
  # function cannot start with a mounted secret that has no version yet.
  secret_mounts = {
    for pair in flatten([
      for key, secret in local.secrets : [
        for fn in secret.functions : { secret = key, function = fn }
      ] if !secret.user_auth || var.user_auth_enabled
    ]) : "${pair.secret}/${pair.function}" => pair
  }

  # Per function: environment variable name => secret key.
  function_secret_env = {
    for fn in keys(local.function_names) : fn => {
      for mount in values(local.secret_mounts) : local.secrets[mount.secret].env => mount.secret
      if mount.function == fn
    }
  }
}

resource "google_secret_manager_secret" "secrets" {
  for_each = local.secrets

  secret_id = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  labels = {
    nudge-env = lower(each.value.env)
  }
  annotations = {
    description = each.value.description
  }

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
