# Firestore (Native mode), with the composite indexes and TTL policies that
# shared/store/firestore/indexes.py lists. tests/terraform/checks.py compares the two
# and prints the HCL to paste when they differ (the emulator enforces no index, so a missing
# one fails only in production, with FAILED_PRECONDITION).

locals {
  firestore_indexes = {
    reminders_state_next_fire = {
      collection  = "reminders"
      query_scope = "COLLECTION"
      fields = [
        { field_path = "state", order = "ASCENDING" },
        { field_path = "next_fire", order = "ASCENDING" },
      ]
    }
    reminders_owner_listed_list_fire = {
      collection  = "reminders"
      query_scope = "COLLECTION"
      fields = [
        { field_path = "owner", order = "ASCENDING" },
        { field_path = "listed", order = "ASCENDING" },
        { field_path = "list_fire", order = "ASCENDING" },
      ]
    }
    subscriptions_state_expire_time = {
      collection  = "subscriptions"
      query_scope = "COLLECTION"
      fields = [
        { field_path = "state", order = "ASCENDING" },
        { field_path = "expire_time", order = "ASCENDING" },
      ]
    }
  }

  firestore_ttl_policies = {
    nonces_expires_at = {
      collection = "nonces"
      field      = "expires_at"
    }
    handled_events_until = {
      collection = "handled_events"
      field      = "until"
    }
  }
}

resource "google_firestore_database" "nudge" {
  name        = var.firestore_database
  location_id = var.firestore_location
  type        = "FIRESTORE_NATIVE"

  app_engine_integration_mode = "DISABLED"
  delete_protection_state     = var.firestore_delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy             = var.firestore_deletion_policy

  depends_on = [google_project_service.apis]
}

resource "google_firestore_index" "indexes" {
  for_each = local.firestore_indexes

  database    = google_firestore_database.nudge.name
  collection  = "${var.firestore_prefix}${each.value.collection}"
  query_scope = each.value.query_scope

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.field_path
      order      = fields.value.order
    }
  }
}

resource "google_firestore_field" "ttl" {
  for_each = local.firestore_ttl_policies

  database   = google_firestore_database.nudge.name
  collection = "${var.firestore_prefix}${each.value.collection}"
  field      = each.value.field

  ttl_config {}
}
