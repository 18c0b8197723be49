# Where the code lives: the source archive (built by scripts/build_source.py) and the images
# Cloud Build makes from it.

resource "google_storage_bucket" "source" {
  #checkov:skip=CKV_GCP_62:Holds only the deployable source archive, which is in the repository anyway; access logs would need a second bucket and cost for no audit value (Cloud Audit Logs record admin access).
  name          = "${var.project_id}-${var.name_prefix}-source"
  location      = var.region
  storage_class = "STANDARD"
  force_destroy = var.force_destroy

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  # A new archive gets a new name, and Terraform deletes the previous object, which versioning
  # keeps as noncurrent: delete it 30 days later (never the live object).
  lifecycle_rule {
    condition {
      with_state                 = "ARCHIVED"
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Content-addressed: any change to the code changes the name, so the functions redeploy; an
# unchanged archive (the builder is deterministic) changes nothing.
resource "google_storage_bucket_object" "source" {
  name         = "nudge-source-${filesha256(local.source_archive)}.zip"
  bucket       = google_storage_bucket.source.name
  source       = local.source_archive
  content_type = "application/zip"
}

resource "google_artifact_registry_repository" "functions" {
  #checkov:skip=CKV_GCP_84:Google-managed encryption for images built from public source; CMEK would add a KMS key and grants for Cloud Build and Cloud Run.
  location      = var.region
  repository_id = "${var.name_prefix}-functions"
  format        = "DOCKER"
  description   = "Images of Nudge's functions (build_config.docker_repository)."

  # Every deploy adds three images; keep the recent ones for rollback, delete the rest.
  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "2592000s" # 30 days
    }
  }

  depends_on = [google_project_service.apis]
}
