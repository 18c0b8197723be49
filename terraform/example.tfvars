# Copy to terraform.tfvars (git-ignored) and edit. Every variable is described in variables.tf.

project_id = "my-nudge-project"
region     = "europe-west1"

# Firestore location: cannot be changed later. eur3 (Europe) or nam5 (United States) are
# multi-regions; a region such as europe-west1 costs less.
firestore_location = "eur3"

# From the Chat API configuration (docs/DEPLOY.md, step 5).
app_name = "Nudge"
command_ids = {
  "/help"        = 1
  "/remind"      = 2
  "/reminders"   = 3
  "/connect"     = 4
  "/logout"      = 5
  "/invite"      = 6
  "/subscribe"   = 7
  "/unsubscribe" = 8
  "/nudge"       = 9
}
app_format = "legacy"

# Second apply, after adding the secret versions (docs/DEPLOY.md, step 4): turns on /connect.
# It also makes chat_app public, with every request verified by Nudge.
user_auth_enabled = false

# Calendar push to /calendar/notifications, behind a verified custom domain (docs/DEPLOY.md).
calendar_push_enabled = false
# public_url          = "https://nudge.example.com"

# A CI account that runs terraform apply without project-wide serviceAccountUser.
# deployer_members = ["serviceAccount:terraform@my-admin-project.iam.gserviceaccount.com"]
