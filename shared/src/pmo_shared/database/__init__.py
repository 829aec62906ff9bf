"""The engine, bulk statements and migrations of a service's PostgreSQL schema."""
