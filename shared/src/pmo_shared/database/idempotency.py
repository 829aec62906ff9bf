"""Idempotency-Key records in PostgreSQL (the `idempotency_keys` table of a service's schema)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.application.idempotency import JsonDict, reused
from pmo_shared.tasks import wait_any

log = structlog.get_logger(__name__)

# The table each write service's migrations create (see project-svc's 0002 migration).
IDEMPOTENCY_DDL = """
    CREATE TABLE idempotency_keys (
        tenant_id    text        NOT NULL,
        key          text        NOT NULL,
        request_hash text        NOT NULL,
        status_code  integer     NOT NULL,
        response     jsonb       NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
    )
"""

_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))")
_RECALL = text(
    "SELECT request_hash, response FROM idempotency_keys WHERE tenant_id = :t AND key = :k"
)
_REMEMBER = text(
    """
    INSERT INTO idempotency_keys (tenant_id, key, request_hash, status_code, response)
    VALUES (:t, :k, :h, :s, CAST(:r AS jsonb))
    """
)


class PostgresIdempotencyRecords:
    """The records inside one transaction; a key is held by a transaction-scoped advisory lock,
    so requests with the same key wait for each other."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def recall(self, *, tenant_id: str, key: str, request_hash: str) -> JsonDict | None:
        """See `IdempotencyRecords.recall`."""
        await self._conn.execute(_LOCK, {"k": f"idempotency/{tenant_id}/{key}"})
        row = (await self._conn.execute(_RECALL, {"t": tenant_id, "k": key})).first()
        if row is None:
            return None
        if row.request_hash != request_hash:
            raise reused()
        response: dict[str, Any] = row.response
        return response

    async def remember(
        self, *, tenant_id: str, key: str, request_hash: str, status_code: int, response: JsonDict
    ) -> None:
        """See `IdempotencyRecords.remember`."""
        await self._conn.execute(
            _REMEMBER,
            {
                "t": tenant_id,
                "k": key,
                "h": request_hash,
                "s": status_code,
                "r": orjson.dumps(response).decode(),
            },
        )


_PURGE = text("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => :s)")


async def purge_idempotency_records(engine: AsyncEngine, *, older_than: timedelta) -> int:
    """Forget the records older than `older_than`; how many there were."""
    async with engine.begin() as conn:
        result = await conn.execute(_PURGE, {"s": older_than.total_seconds()})
    return int(result.rowcount or 0)


class IdempotencyJanitor:
    """A background task that forgets records once they are older than the retention."""

    def __init__(
        self, engine: AsyncEngine, *, retention: timedelta, interval: float = 3600.0
    ) -> None:
        self._engine = engine
        self._retention = retention
        self._interval = interval

    async def run(self, stop: asyncio.Event) -> None:
        """Purge now and then every `interval` seconds until `stop`; survives outages."""
        while not stop.is_set():
            try:
                purged = await purge_idempotency_records(self._engine, older_than=self._retention)
                if purged:
                    log.info("idempotency.purged", records=purged)
            except Exception:
                log.exception("idempotency.purge_failed")
            await wait_any(stop, timeout=self._interval)
