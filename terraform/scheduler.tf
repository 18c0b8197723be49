# The reminders tick (docs/decisions/0012-the-tick.md): Cloud Scheduler publishes to the tick
# topic every minute and the tick's push subscription (pubsub.tf) delivers it to
# reminders_tick. A Pub/Sub target needs no OIDC identity of its own: Cloud Scheduler's
# service agent publishes.

resource "google_cloud_scheduler_job" "tick" {
  name        = "${var.name_prefix}-tick"
  region      = var.region
  description = "Nudge reminders tick: delivers what is due (reminders, meeting reminders, renewals)."
  schedule    = var.tick_schedule
  time_zone   = "Etc/UTC"
  paused      = false

  # Retries cover only a failed publish; the next minute's tick is the real retry.
  retry_config {
    retry_count = 0
  }

  pubsub_target {
    topic_name = google_pubsub_topic.tick.id
    data       = base64encode(jsonencode({ kind = "nudge.tick" }))
    attributes = {
      nudge-kind = "tick"
    }
  }

  # Ticks published before the subscription exists would be discarded.
  depends_on = [google_pubsub_subscription.tick, google_project_service.apis]
}
