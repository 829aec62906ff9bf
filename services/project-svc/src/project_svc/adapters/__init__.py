"""Adapters: PostgreSQL persistence of project-svc (event store access and query tables)."""
