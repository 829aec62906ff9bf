"""Adapters: PostgreSQL persistence of program-svc's query tables."""
