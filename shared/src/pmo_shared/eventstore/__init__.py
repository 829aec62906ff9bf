"""The event store: append at an expected version with the outbox, read streams."""
