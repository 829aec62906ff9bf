"""AggregateCache: cached aggregates still see every event appended since, per tenant; one is
only reused after it was checked back in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.application.cache import AggregateCache
from pmo_shared.domain.aggregate import Aggregate, applies
from pmo_shared.eventstore.store import PostgresEventStore

from .kit import CounterIncremented, append_counter, registry

pytestmark = pytest.mark.integration


class Counter(Aggregate):
    stream_type = "counter"

    def __init__(self, aggregate_id: uuid.UUID) -> None:
        super().__init__(aggregate_id)
        self.total = 0

    @applies(CounterIncremented)
    def _on_incremented(self, e: CounterIncremented) -> None:
        self.total += e.amount


async def test_a_kept_aggregate_catches_up_with_events_appended_since(engine: AsyncEngine) -> None:
    cache, stream = AggregateCache(registry), uuid.uuid4()
    await append_counter(engine, stream, 0, 1)
    async with engine.connect() as conn:
        first = await cache.load(PostgresEventStore(conn), Counter, stream, tenant_id="t1")
    assert first is not None
    cache.keep(first, tenant_id="t1")
    await append_counter(engine, stream, 1, 2)  # e.g. by another replica
    async with engine.connect() as conn:
        again = await cache.load(PostgresEventStore(conn), Counter, stream, tenant_id="t1")
        elsewhere = await cache.load(PostgresEventStore(conn), Counter, stream, tenant_id="t2")
        then = await cache.load(
            PostgresEventStore(conn),
            Counter,
            stream,
            tenant_id="t1",
            as_of=datetime(2000, 1, 1, tzinfo=UTC),
        )

    assert again is first  # reused, and caught up
    assert (again.version, again.total) == (2, 3)
    assert elsewhere is None
    assert then is None


async def test_a_checked_out_or_changed_aggregate_is_not_shared(engine: AsyncEngine) -> None:
    cache, stream = AggregateCache(registry), uuid.uuid4()
    await append_counter(engine, stream, 0, 1)
    async with engine.connect() as conn:
        mine = await cache.load(PostgresEventStore(conn), Counter, stream, tenant_id="t1")
        # while mine is out:
        theirs = await cache.load(PostgresEventStore(conn), Counter, stream, tenant_id="t1")
        assert mine is not None
        assert theirs is not None
        assert theirs is not mine
        mine.record(CounterIncremented(amount=5))  # changed but never committed
        cache.keep(mine, tenant_id="t1")
        fresh = await cache.load(PostgresEventStore(conn), Counter, stream, tenant_id="t1")
    assert fresh is not None
    assert fresh is not mine
    assert fresh.total == 1


async def test_the_cache_keeps_only_the_most_recent_aggregates(engine: AsyncEngine) -> None:
    cache = AggregateCache(registry, capacity=2)
    streams = [uuid.uuid4() for _ in range(3)]
    async with engine.connect() as conn:
        for stream in streams:
            await append_counter(engine, stream, 0, 1)
            loaded = await cache.load(PostgresEventStore(conn), Counter, stream, tenant_id="t1")
            assert loaded is not None
            cache.keep(loaded, tenant_id="t1")
    assert len(cache._idle) == 2
