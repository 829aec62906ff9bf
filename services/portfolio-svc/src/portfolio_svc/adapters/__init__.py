"""Adapters: PostgreSQL persistence of portfolio-svc's query tables."""
