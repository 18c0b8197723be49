terraform {
  # check blocks (used in functions.tf) need 1.5.
  required_version = ">= 1.5"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.50 is the oldest release tested against (tests/terraform/google_provider_schema.json);
      # 7.x is compatible: event_type is not used (no Eventarc triggers), service_config.service
      # is not set, disable_on_destroy is explicit.
      version = ">= 6.50, < 8"
    }
  }

  # Partial configuration: the state bucket is given at init time (docs/DEPLOY.md, step 2):
  #   terraform init -backend-config="bucket=STATE_BUCKET" -backend-config="prefix=nudge"
  backend "gcs" {}
}

provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = merge({ app = "nudge" }, var.labels)
}
