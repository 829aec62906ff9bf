"""The async SQLAlchemy engine of a service, pinned to the service's own schema."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pmo_shared.settings import ServiceSettings


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    """An asyncpg engine whose connections see only the service's schema by default."""
    return create_engine_for(
        settings.database_url, schema=settings.db_schema, pool_size=settings.db_pool_size
    )


def create_engine_for(url: str, *, schema: str, pool_size: int = 10) -> AsyncEngine:
    """An engine for an explicit URL and schema (used by tools and tests too)."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip per checkout on the hot path. A connection that
        # died with its server fails its statement once, and SQLAlchemy then discards the
        # whole pool; recycling bounds how long an idle connection lives.
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={
            "server_settings": {"search_path": schema, "application_name": f"pmo-{schema}"},
            # A database that does not answer (a partition, not a refusal) fails a new
            # connection within 5 s, so a command gets its 503 within the request's time.
            "timeout": 5,
            # The store's statements are few and hot: keep them prepared per connection.
            "statement_cache_size": 256,
        },
    )
