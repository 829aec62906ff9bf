"""Prometheus metrics of the kernel. One set per process; `/metrics` exposes the default
registry."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_APPENDED = Counter(
    "pmo_events_appended_total", "Events appended to the store", ["stream_type", "event_type"]
)
APPEND_CONFLICTS = Counter(
    "pmo_append_conflicts_total", "Appends refused for a stale expected version", ["stream_type"]
)
EVENTS_PUBLISHED = Counter(
    "pmo_events_published_total", "Events the outbox relay published to Kafka", ["service"]
)
OUTBOX_BACKLOG = Gauge(
    "pmo_outbox_backlog", "Events waiting in the outbox at the relay's last look", ["service"]
)
RELAY_ACTIVE = Gauge(
    "pmo_relay_active", "1 while this process holds the relay lock of its service", ["service"]
)
RELAY_ERRORS = Counter(
    "pmo_relay_errors_total", "Relay batches that failed and will be retried", ["service"]
)
EVENTS_CONSUMED = Counter(
    "pmo_events_consumed_total", "Events a consumer applied to its read models", ["consumer"]
)
EVENTS_DUPLICATE = Counter(
    "pmo_events_duplicate_total", "Redelivered events a consumer skipped", ["consumer"]
)
DEAD_LETTERS = Counter(
    "pmo_dead_letters_total", "Messages sent to the dead-letter topic", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "pmo_consumer_lag", "End offset minus consumed offset", ["consumer", "topic", "partition"]
)
BATCH_SECONDS = Histogram(
    "pmo_consumer_batch_seconds", "Time to apply and commit one consumed batch", ["consumer"]
)
