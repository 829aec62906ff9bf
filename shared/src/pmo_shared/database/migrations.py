"""The body of every service's Alembic `env.py`: migrate the service's own schema.

Migrations need only the database URL and schema, so they run without the JWT and Kafka
settings a serving process must have.
"""

from __future__ import annotations

import asyncio
import logging
import os

from alembic import context
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from pmo_shared.settings import ServiceSettings


class MigrationSettings(BaseModel):
    """Where to migrate: validated by the same rules as the service settings."""

    model_config = ConfigDict(frozen=True)

    database_url: str
    db_schema: str

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str) -> str:
        if not value:
            raise ValueError("DATABASE_URL is not set")
        return ServiceSettings._asyncpg_url(value)

    @field_validator("db_schema")
    @classmethod
    def _schema_name(cls, value: str) -> str:
        return ServiceSettings._schema_name(value)

    @classmethod
    def from_env(cls, *, default_schema: str) -> MigrationSettings:
        """`DATABASE_URL` and `DB_SCHEMA` (else `default_schema`) from the environment."""
        return cls(
            database_url=os.environ.get("DATABASE_URL", ""),
            db_schema=os.environ.get("DB_SCHEMA", default_schema),
        )


def run_migrations(*, default_schema: str) -> None:
    """Run the migrations Alembic asked for against the service's schema."""
    settings = MigrationSettings.from_env(default_schema=default_schema)
    # Alembic says which revisions it applies only through logging; a no-op if already set up.
    logging.basicConfig(level=logging.INFO, format="%(levelname)s [%(name)s] %(message)s")
    if context.is_offline_mode():
        _run_offline(settings)
    else:
        asyncio.run(_run_online(settings))


def _run_offline(settings: MigrationSettings) -> None:
    context.configure(
        url=settings.database_url,
        literal_binds=True,
        version_table_schema=settings.db_schema,
    )
    with context.begin_transaction():
        context.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.db_schema}"')
        context.execute(f'SET search_path TO "{settings.db_schema}"')
        context.run_migrations()


async def _run_online(settings: MigrationSettings) -> None:
    engine = _engine(settings)
    try:
        async with engine.begin() as conn:
            # The schema name passed the identifier check, so quoting it is enough here.
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.db_schema}"'))
        async with engine.connect() as conn:
            await conn.run_sync(_migrate, schema=settings.db_schema)
    finally:
        await engine.dispose()


def _engine(settings: MigrationSettings) -> AsyncEngine:
    # NullPool: a migration run is one short session, nothing to keep warm.
    return create_async_engine(
        settings.database_url,
        poolclass=NullPool,
        connect_args={"server_settings": {"search_path": settings.db_schema}},
    )


def _migrate(connection: Connection, *, schema: str) -> None:
    context.configure(connection=connection, version_table_schema=schema)
    with context.begin_transaction():
        context.run_migrations()
