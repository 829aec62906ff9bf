"""The PostgreSQL event store: optimistic concurrency, reads, point-in-time, immutability."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.eventstore import store
from pmo_shared.eventstore.store import ConcurrencyError

from .kit import METADATA, CounterIncremented, append_counter

pytestmark = pytest.mark.integration


async def test_append_then_read_returns_events_in_version_order(engine: AsyncEngine) -> None:
    stream = uuid.uuid4()
    await append_counter(engine, stream, 0, 1, 2)
    await append_counter(engine, stream, 2, 3)

    async with engine.connect() as conn:
        events = await store.read_stream(conn, stream_id=stream, tenant_id="t1")
        outbox = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()

    assert [e.envelope.stream_version for e in events] == [1, 2, 3]
    assert [e.envelope.payload["amount"] for e in events] == [1, 2, 3]
    assert events[0].envelope.correlation_id == "corr-1"
    assert outbox == 3


async def test_two_concurrent_appends_at_the_same_version_exactly_one_wins(
    engine: AsyncEngine,
) -> None:
    for _ in range(20):
        stream = uuid.uuid4()
        await append_counter(engine, stream, 0, 1)
        results = await asyncio.gather(
            append_counter(engine, stream, 1, 10),
            append_counter(engine, stream, 1, 20),
            return_exceptions=True,
        )
        assert sum(r is None for r in results) == 1
        assert sum(isinstance(r, ConcurrencyError) for r in results) == 1
        async with engine.connect() as conn:
            events = await store.read_stream(conn, stream_id=stream, tenant_id="t1")
        assert [e.envelope.stream_version for e in events] == [1, 2]


def _conflicts() -> float:
    value = REGISTRY.get_sample_value("pmo_append_conflicts_total", {"stream_type": "counter"})
    return value or 0.0


async def test_stale_or_future_expected_version_is_a_conflict(engine: AsyncEngine) -> None:
    before = _conflicts()
    stream = uuid.uuid4()
    await append_counter(engine, stream, 0, 1)
    with pytest.raises(ConcurrencyError):
        await append_counter(engine, stream, 0, 2)
    with pytest.raises(ConcurrencyError):
        await append_counter(engine, stream, 5, 2)
    async with engine.connect() as conn:
        assert await store.stream_version(conn, stream_id=stream) == 1
    assert _conflicts() == before + 2


async def test_a_conflict_rolls_back_the_whole_append(engine: AsyncEngine) -> None:
    stream = uuid.uuid4()
    await append_counter(engine, stream, 0, 1)
    with pytest.raises(ConcurrencyError):
        await append_counter(engine, stream, 0, 2, 3)
    async with engine.connect() as conn:
        outbox = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    assert outbox == 1


async def test_read_as_of_folds_only_what_had_occurred(engine: AsyncEngine) -> None:
    stream = uuid.uuid4()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for version, day in enumerate((0, 10, 20)):
        async with engine.begin() as conn:
            await store.append(
                conn,
                stream_type="counter",
                stream_id=stream,
                expected_version=version,
                events=[CounterIncremented(amount=day)],
                metadata=METADATA,
                occurred_at=t0 + timedelta(days=day),
            )
    async with engine.connect() as conn:
        then = await store.read_stream(
            conn, stream_id=stream, tenant_id="t1", as_of=t0 + timedelta(days=15)
        )
    assert [e.envelope.payload["amount"] for e in then] == [0, 10]


async def test_another_tenant_reads_nothing(engine: AsyncEngine) -> None:
    stream = uuid.uuid4()
    await append_counter(engine, stream, 0, 1)
    async with engine.connect() as conn:
        assert await store.read_stream(conn, stream_id=stream, tenant_id="t2") == []


async def test_stored_events_cannot_be_changed_or_deleted(engine: AsyncEngine) -> None:
    await append_counter(engine, uuid.uuid4(), 0, 1)
    for statement in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="immutable"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
