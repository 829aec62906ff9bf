"""Alembic environment of portfolio-svc: the shared runner, pointed at this service's schema."""

from pmo_shared.database.migrations import run_migrations
from portfolio_svc.settings import DB_SCHEMA

run_migrations(default_schema=DB_SCHEMA)
