"""Plumbing for Google's APIs: the outbound URL policy, one HTTP transport, typed errors,
retries, paging, and discovery-based services. Nothing here knows Chat's models."""
