"""Idempotency-Key records in PostgreSQL: retries wait for the first attempt, records are
scoped and purged after the retention."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.application.errors import IdempotencyKeyReuseError
from pmo_shared.database.idempotency import (
    IDEMPOTENCY_DDL,
    PostgresIdempotencyRecords,
    purge_idempotency_records,
)

from .kit import until_a_lock_waits

pytestmark = pytest.mark.integration


@pytest.fixture
async def records_engine(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(text(IDEMPOTENCY_DDL))
    return engine


async def _remember(engine: AsyncEngine, key: str, fingerprint: str = "h1") -> None:
    async with engine.begin() as conn:
        records = PostgresIdempotencyRecords(conn)
        assert await records.recall(tenant_id="t1", key=key, request_hash=fingerprint) is None
        await records.remember(
            tenant_id="t1", key=key, request_hash=fingerprint, status_code=200, response={"k": key}
        )


async def test_a_retry_waits_for_the_first_attempt_and_then_sees_its_result(
    records_engine: AsyncEngine,
) -> None:
    first_has_lock, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with records_engine.begin() as conn:
            records = PostgresIdempotencyRecords(conn)
            assert await records.recall(tenant_id="t1", key="k", request_hash="h") is None
            first_has_lock.set()
            await release.wait()
            await records.remember(
                tenant_id="t1", key="k", request_hash="h", status_code=200, response={"n": 1}
            )

    async def retry() -> object:
        await first_has_lock.wait()
        async with records_engine.begin() as conn:
            waiting = asyncio.create_task(
                PostgresIdempotencyRecords(conn).recall(tenant_id="t1", key="k", request_hash="h")
            )
            await until_a_lock_waits(records_engine)
            assert not waiting.done()  # held by the first attempt's transaction
            release.set()
            return await waiting

    _, seen = await asyncio.gather(first(), retry())

    assert seen == {"n": 1}


async def test_a_key_reused_with_another_request_is_refused(records_engine: AsyncEngine) -> None:
    await _remember(records_engine, "k")

    async with records_engine.begin() as conn:
        with pytest.raises(IdempotencyKeyReuseError):
            await PostgresIdempotencyRecords(conn).recall(
                tenant_id="t1", key="k", request_hash="another"
            )


async def test_records_older_than_the_retention_are_purged(records_engine: AsyncEngine) -> None:
    await _remember(records_engine, "old")
    await _remember(records_engine, "new")
    async with records_engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '49 hours'"
                " WHERE key = 'old'"
            )
        )

    purged = await purge_idempotency_records(records_engine, older_than=timedelta(hours=48))

    async with records_engine.connect() as conn:
        left = (await conn.execute(text("SELECT key FROM idempotency_keys"))).scalars().all()
    assert (purged, left) == (1, ["new"])
