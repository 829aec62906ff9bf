"""Idempotency-Key records in PostgreSQL (the `idempotency_keys` table of a service's schema)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.application.idempotency import JsonDict, reused

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
