"""Kafka: CloudEvents, topics, the outbox relay, the consumer runner, dead letters, event docs."""
