"""StreamReader: cached decoded streams that still see every new event, per tenant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared import store
from pmo_shared.streams import StreamReader

from .kit import METADATA, CounterIncremented, registry

pytestmark = pytest.mark.integration


async def _append(engine: AsyncEngine, stream: uuid.UUID, expected: int, amount: int) -> None:
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="counter",
            stream_id=stream,
            expected_version=expected,
            events=[CounterIncremented(amount=amount)],
            metadata=METADATA,
        )


async def test_a_cached_stream_still_sees_events_appended_since(engine: AsyncEngine) -> None:
    reader, stream = StreamReader(registry), uuid.uuid4()
    await _append(engine, stream, 0, 1)
    async with engine.connect() as conn:
        first = await reader.read(conn, stream_id=stream, tenant_id="t1")
    await _append(engine, stream, 1, 2)
    async with engine.connect() as conn:
        second = await reader.read(conn, stream_id=stream, tenant_id="t1")
        other_tenant = await reader.read(conn, stream_id=stream, tenant_id="t2")
        before = await reader.read(
            conn, stream_id=stream, tenant_id="t1", as_of=datetime(2000, 1, 1, tzinfo=UTC)
        )

    assert [e.amount for e in first] == [1]  # type: ignore[attr-defined]
    assert [e.amount for e in second] == [1, 2]  # type: ignore[attr-defined]
    assert second[0] is first[0]  # the first event came from the cache, decoded once
    assert other_tenant == ()
    assert before == ()


async def test_the_cache_keeps_only_the_most_recent_streams(engine: AsyncEngine) -> None:
    reader = StreamReader(registry, capacity=2)
    streams = [uuid.uuid4() for _ in range(3)]
    for stream in streams:
        await _append(engine, stream, 0, 1)
    async with engine.connect() as conn:
        for stream in streams:
            await reader.read(conn, stream_id=stream, tenant_id="t1")
        again = await reader.read(conn, stream_id=streams[0], tenant_id="t1")
    assert [e.amount for e in again] == [1]  # type: ignore[attr-defined]
    assert len(reader._cache) == 2
