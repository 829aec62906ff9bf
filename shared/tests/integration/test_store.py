"""The event store: optimistic concurrency, reads, point-in-time, transactions.

One suite, run against both stores through the `store_backend` fixture: the PostgreSQL store
(`[postgres]`, marked integration: it needs the test stack) and the in-memory one
(`[memory]`, which needs nothing and so also runs with `-m "not integration"`). What only
PostgreSQL has (the outbox rows, the immutability trigger) is tested on PostgreSQL alone, at
the end; what only the in-memory store has, after that.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.domain.events import EventMetadata
from pmo_shared.eventstore import store as event_store
from pmo_shared.eventstore.memory import DeadlockError, InMemoryEventStore, TransactionAbortedError
from pmo_shared.eventstore.store import ConcurrencyError, EventStore, PostgresEventStore

from .kit import (
    METADATA,
    CounterIncremented,
    StoreBackend,
    append_amounts,
    append_counter,
    until_a_lock_waits,
    until_an_append_waits,
)


async def _read(backend: StoreBackend, stream: uuid.UUID, *, after_version: int = 0) -> list[int]:
    """The versions of a stream as a new transaction reads them."""
    async with backend.transaction() as events:
        read = await events.read_stream(
            stream_id=stream, tenant_id="t1", after_version=after_version
        )
    return [e.envelope.stream_version for e in read]


async def _append(events: EventStore, stream: uuid.UUID, expected: int, *amounts: int) -> None:
    await events.append(
        stream_type="counter",
        stream_id=stream,
        expected_version=expected,
        events=[CounterIncremented(amount=a) for a in amounts],
        metadata=METADATA,
    )


class BlockFailedError(Exception):
    """Raised to make a transaction's block fail."""


# --- both stores ------------------------------------------------------------------------------


async def test_append_then_read_returns_events_in_version_order(
    store_backend: StoreBackend,
) -> None:
    stream = uuid.uuid4()
    await append_amounts(store_backend, stream, 0, 1, 2)
    await append_amounts(store_backend, stream, 2, 3)

    async with store_backend.transaction() as store:
        events = await store.read_stream(stream_id=stream, tenant_id="t1")

    assert [e.envelope.stream_version for e in events] == [1, 2, 3]
    assert [e.envelope.payload["amount"] for e in events] == [1, 2, 3]
    assert events[0].envelope.correlation_id == "corr-1"


async def test_two_concurrent_appends_at_the_same_version_exactly_one_wins(
    store_backend: StoreBackend,
) -> None:
    for _ in range(20):
        stream = uuid.uuid4()
        await append_amounts(store_backend, stream, 0, 1)
        results = await asyncio.gather(
            append_amounts(store_backend, stream, 1, 10),
            append_amounts(store_backend, stream, 1, 20),
            return_exceptions=True,
        )
        assert sum(r is None for r in results) == 1
        assert sum(isinstance(r, ConcurrencyError) for r in results) == 1
        assert await _read(store_backend, stream) == [1, 2]


def _conflicts() -> float:
    value = REGISTRY.get_sample_value("pmo_append_conflicts_total", {"stream_type": "counter"})
    return value or 0.0


def _appended() -> float:
    value = REGISTRY.get_sample_value(
        "pmo_events_appended_total",
        {"stream_type": "counter", "event_type": "CounterIncremented"},
    )
    return value or 0.0


async def test_stale_or_future_expected_version_is_a_conflict(
    store_backend: StoreBackend,
) -> None:
    before, appended = _conflicts(), _appended()
    stream = uuid.uuid4()
    await append_amounts(store_backend, stream, 0, 1)
    with pytest.raises(ConcurrencyError):
        await append_amounts(store_backend, stream, 0, 2)
    with pytest.raises(ConcurrencyError):
        await append_amounts(store_backend, stream, 5, 2)
    async with store_backend.transaction() as store:
        assert await store.stream_version(stream_id=stream) == 1
    assert _conflicts() == before + 2
    assert _appended() == appended + 1


async def test_a_conflict_rolls_back_the_whole_append(store_backend: StoreBackend) -> None:
    stream = uuid.uuid4()
    await append_amounts(store_backend, stream, 0, 1)
    with pytest.raises(ConcurrencyError):
        await append_amounts(store_backend, stream, 0, 2, 3)
    assert await _read(store_backend, stream) == [1]


async def test_read_as_of_folds_only_what_had_occurred(store_backend: StoreBackend) -> None:
    stream = uuid.uuid4()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for version, day in enumerate((0, 10, 20)):
        async with store_backend.transaction() as store:
            await store.append(
                stream_type="counter",
                stream_id=stream,
                expected_version=version,
                events=[CounterIncremented(amount=day)],
                metadata=METADATA,
                occurred_at=t0 + timedelta(days=day),
            )
    async with store_backend.transaction() as store:
        then = await store.read_stream(
            stream_id=stream, tenant_id="t1", as_of=t0 + timedelta(days=15)
        )
        exactly = await store.read_stream(
            stream_id=stream, tenant_id="t1", as_of=t0 + timedelta(days=10)
        )
    assert [e.envelope.payload["amount"] for e in then] == [0, 10]
    assert [e.envelope.payload["amount"] for e in exactly] == [0, 10]  # as_of is inclusive


async def test_another_tenant_reads_nothing(store_backend: StoreBackend) -> None:
    stream = uuid.uuid4()
    await append_amounts(store_backend, stream, 0, 1)
    async with store_backend.transaction() as store:
        assert await store.read_stream(stream_id=stream, tenant_id="t2") == []


async def test_after_version_reads_only_later_events(store_backend: StoreBackend) -> None:
    stream = uuid.uuid4()
    await append_amounts(store_backend, stream, 0, 1, 2, 3)
    assert await _read(store_backend, stream, after_version=1) == [2, 3]
    assert await _read(store_backend, stream, after_version=3) == []


async def test_recorded_events_are_what_a_read_returns_with_increasing_positions(
    store_backend: StoreBackend,
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    metadata = EventMetadata(
        tenant_id="t1", actor="tester", correlation_id="corr-2", causation_id="cause-1"
    )
    async with store_backend.transaction() as store:
        appended = await store.append(
            stream_type="counter",
            stream_id=first,
            expected_version=0,
            events=[CounterIncremented(amount=1), CounterIncremented(amount=2)],
            metadata=metadata,
        )
    async with store_backend.transaction() as store:
        appended += await store.append(
            stream_type="counter",
            stream_id=second,
            expected_version=0,
            events=[CounterIncremented(amount=3)],
            metadata=metadata,
        )
    async with store_backend.transaction() as store:
        read = [
            *await store.read_stream(stream_id=first, tenant_id="t1"),
            *await store.read_stream(stream_id=second, tenant_id="t1"),
        ]

    assert read == appended
    positions = [e.position for e in read]
    assert positions == sorted(positions)
    assert len(set(positions)) == 3
    envelope = read[1].envelope
    assert envelope.model_dump(exclude={"event_id", "occurred_at"}) == {
        "event_type": "CounterIncremented",
        "schema_version": 1,
        "stream_type": "counter",
        "stream_id": first,
        "stream_version": 2,
        "tenant_id": "t1",
        "actor": "tester",
        "correlation_id": "corr-2",
        "causation_id": "cause-1",
        "payload": {"amount": 2},
        "ordering_id": None,
    }
    assert len({e.envelope.event_id for e in read}) == 3
    assert envelope.occurred_at.tzinfo is not None


async def test_events_keep_the_stream_they_are_ordered_with(store_backend: StoreBackend) -> None:
    part, root = uuid.uuid4(), uuid.uuid4()
    async with store_backend.transaction() as store:
        appended = await store.append(
            stream_type="counter",
            stream_id=part,
            expected_version=0,
            events=[CounterIncremented(amount=1)],
            metadata=METADATA,
            ordering_id=root,
        )
    async with store_backend.transaction() as store:
        read = await store.read_stream(stream_id=part, tenant_id=METADATA.tenant_id)

    assert read == appended
    assert read[0].envelope.ordering_id == root
    assert read[0].envelope.ordering_key == root


async def test_occurred_at_is_read_back_in_utc(store_backend: StoreBackend) -> None:
    stream = uuid.uuid4()
    paris = datetime(2026, 3, 1, 12, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    async with store_backend.transaction() as store:
        await store.append(
            stream_type="counter",
            stream_id=stream,
            expected_version=0,
            events=[CounterIncremented(amount=1)],
            metadata=METADATA,
            occurred_at=paris,
        )
    async with store_backend.transaction() as store:
        (event,) = await store.read_stream(stream_id=stream, tenant_id="t1")
        naive = await store.read_stream(
            stream_id=stream, tenant_id="t1", as_of=datetime(2026, 3, 1, 11, 30, 1)
        )
    assert event.envelope.occurred_at == paris
    assert event.envelope.occurred_at.utcoffset() == timedelta(0)
    assert naive == [event]  # a naive `as_of` is taken as UTC


async def test_appending_nothing_appends_nothing(store_backend: StoreBackend) -> None:
    stream = uuid.uuid4()
    async with store_backend.transaction() as store:
        recorded = await store.append(
            stream_type="counter",
            stream_id=stream,
            expected_version=7,
            events=[],
            metadata=METADATA,
        )
        assert recorded == []
        assert await store.stream_version(stream_id=stream) == 0


async def test_a_transaction_sees_its_own_appends_and_others_only_once_committed(
    store_backend: StoreBackend,
) -> None:
    stream = uuid.uuid4()
    async with store_backend.transaction() as mine:
        await _append(mine, stream, 0, 1)
        await _append(mine, stream, 1, 2)
        assert await mine.stream_version(stream_id=stream) == 2
        assert len(await mine.read_stream(stream_id=stream, tenant_id="t1")) == 2
        async with store_backend.transaction() as other:
            assert await other.stream_version(stream_id=stream) == 0
            assert await other.read_stream(stream_id=stream, tenant_id="t1") == []
    assert await _read(store_backend, stream) == [1, 2]


async def test_a_failing_block_discards_its_appends(store_backend: StoreBackend) -> None:
    stream = uuid.uuid4()
    await append_amounts(store_backend, stream, 0, 1)

    async def doomed() -> None:
        async with store_backend.transaction() as store:
            await _append(store, stream, 1, 2)
            await _append(store, uuid.uuid4(), 0, 3)
            raise BlockFailedError

    with pytest.raises(BlockFailedError):
        await doomed()
    assert await _read(store_backend, stream) == [1]
    await append_amounts(store_backend, stream, 1, 2)  # version 2 is free again
    assert await _read(store_backend, stream) == [1, 2]


async def test_a_stale_version_leaves_the_transaction_usable(store_backend: StoreBackend) -> None:
    # The guarded INSERT inserts nothing: no error inside PostgreSQL, the unit of work goes on.
    stream, other = uuid.uuid4(), uuid.uuid4()
    await append_amounts(store_backend, stream, 0, 1)
    async with store_backend.transaction() as store:
        with pytest.raises(ConcurrencyError):
            await _append(store, stream, 0, 2)
        await _append(store, other, 0, 3)
    assert await _read(store_backend, other) == [1]


async def _append_when_ready(
    backend: StoreBackend, stream: uuid.UUID, ready: asyncio.Event
) -> list[object]:
    """Append at version 1 in a transaction whose connection is already busy with it, then
    report what the transaction could still do."""
    async with backend.transaction() as store:
        assert await store.stream_version(stream_id=stream) == 1
        ready.set()
        await _append(store, stream, 1, 20)
        return [await store.stream_version(stream_id=stream)]


async def test_an_append_waits_for_an_open_one_and_conflicts_once_it_commits(
    store_backend: StoreBackend,
) -> None:
    stream, ready = uuid.uuid4(), asyncio.Event()
    await append_amounts(store_backend, stream, 0, 1)
    async with store_backend.transaction() as first:
        await _append(first, stream, 1, 10)
        second = asyncio.create_task(_append_when_ready(store_backend, stream, ready))
        await ready.wait()
        await until_an_append_waits(store_backend)
        assert not second.done()  # held up by the uncommitted version 2
    with pytest.raises(ConcurrencyError):
        await second
    assert await _read(store_backend, stream) == [1, 2]
    async with store_backend.transaction() as store:
        (_, event) = await store.read_stream(stream_id=stream, tenant_id="t1")
    assert event.envelope.payload == {"amount": 10}


async def test_an_append_conflicting_after_a_wait_aborts_its_transaction(
    store_backend: StoreBackend,
) -> None:
    # As a unique violation aborts a PostgreSQL transaction: later statements fail, and the
    # end of the block commits nothing.
    stream, other, ready = uuid.uuid4(), uuid.uuid4(), asyncio.Event()
    await append_amounts(store_backend, stream, 0, 1)

    async def second() -> None:
        async with store_backend.transaction() as store:
            await _append(store, other, 0, 5)
            assert await store.stream_version(stream_id=stream) == 1
            ready.set()
            with pytest.raises(ConcurrencyError):
                await _append(store, stream, 1, 20)
            with pytest.raises((DBAPIError, TransactionAbortedError)):
                await store.stream_version(stream_id=stream)

    async with store_backend.transaction() as first:
        await _append(first, stream, 1, 10)
        task = asyncio.create_task(second())
        await ready.wait()
        await until_an_append_waits(store_backend)
    await task
    assert await _read(store_backend, other) == []


async def test_an_append_waits_for_an_open_one_and_goes_ahead_if_it_rolls_back(
    store_backend: StoreBackend,
) -> None:
    stream, ready = uuid.uuid4(), asyncio.Event()
    await append_amounts(store_backend, stream, 0, 1)
    tasks: list[asyncio.Task[list[object]]] = []

    async def doomed() -> None:
        async with store_backend.transaction() as first:
            await _append(first, stream, 1, 10)
            tasks.append(asyncio.create_task(_append_when_ready(store_backend, stream, ready)))
            await ready.wait()
            await until_an_append_waits(store_backend)
            assert not tasks[0].done()
            raise BlockFailedError

    with pytest.raises(BlockFailedError):
        await doomed()
    assert await tasks[0] == [2]
    async with store_backend.transaction() as store:
        (_, event) = await store.read_stream(stream_id=stream, tenant_id="t1")
    assert event.envelope.payload == {"amount": 20}


async def test_writers_on_different_streams_do_not_wait(store_backend: StoreBackend) -> None:
    stream, other = uuid.uuid4(), uuid.uuid4()
    async with store_backend.transaction() as first:
        await _append(first, stream, 0, 1)
        await asyncio.wait_for(append_amounts(store_backend, other, 0, 2), timeout=5)
    assert await _read(store_backend, other) == [1]


# --- PostgreSQL only --------------------------------------------------------------------------


@pytest.mark.integration
async def test_appends_are_queued_in_the_outbox(engine: AsyncEngine) -> None:
    stream = uuid.uuid4()
    await append_counter(engine, stream, 0, 1, 2)
    await append_counter(engine, stream, 2, 3)
    async with engine.connect() as conn:
        outbox = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    assert outbox == 3


@pytest.mark.integration
async def test_the_outbox_carries_the_stream_events_are_ordered_with(engine: AsyncEngine) -> None:
    part, root = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as conn:
        await event_store.append(
            conn,
            stream_type="counter",
            stream_id=part,
            expected_version=0,
            events=[CounterIncremented(amount=1)],
            metadata=METADATA,
            ordering_id=root,
        )
    async with engine.connect() as conn:
        queued = await event_store.read_outbox_batch(conn, limit=1000)
    assert [e.envelope.ordering_key for e in queued if e.envelope.stream_id == part] == [root]


@pytest.mark.integration
async def test_a_conflict_queues_nothing_in_the_outbox(engine: AsyncEngine) -> None:
    stream = uuid.uuid4()
    await append_counter(engine, stream, 0, 1)
    with pytest.raises(ConcurrencyError):
        await append_counter(engine, stream, 0, 2, 3)
    async with engine.connect() as conn:
        outbox = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    assert outbox == 1


@pytest.mark.integration
async def test_a_racing_append_is_refused_by_the_unique_index(engine: AsyncEngine) -> None:
    # Both writers pass the version check; the unique (stream_id, stream_version) index refuses
    # the second, recognised by its constraint name.
    before = _conflicts()
    stream, ready = uuid.uuid4(), asyncio.Event()
    await append_counter(engine, stream, 0, 1)

    async def second() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT 1"))
            ready.set()
            await _append(PostgresEventStore(conn), stream, 1, 20)

    async with engine.begin() as conn:
        await _append(PostgresEventStore(conn), stream, 1, 10)
        task = asyncio.create_task(second())
        await ready.wait()
        await until_a_lock_waits(engine)
    with pytest.raises(ConcurrencyError) as raised:
        await task
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert _conflicts() == before + 1


@pytest.mark.integration
async def test_stored_events_cannot_be_changed_or_deleted(engine: AsyncEngine) -> None:
    await append_counter(engine, uuid.uuid4(), 0, 1)
    for statement in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="immutable"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))


# --- in memory only ---------------------------------------------------------------------------


async def test_memory_lists_every_committed_event_in_position_order() -> None:
    memory = InMemoryEventStore()
    first, second = uuid.uuid4(), uuid.uuid4()
    await append_amounts(memory, first, 0, 1)

    async def doomed() -> None:
        async with memory.transaction() as store:
            await _append(store, second, 0, 99)
            raise BlockFailedError

    with pytest.raises(BlockFailedError):
        await doomed()
    await append_amounts(memory, second, 0, 2)
    await append_amounts(memory, first, 1, 3)
    events = memory.events()
    assert [e.envelope.payload["amount"] for e in events] == [1, 2, 3]
    assert [e.position for e in events] == sorted(e.position for e in events)


async def test_memory_refuses_a_wait_on_a_transaction_its_own_task_holds() -> None:
    # PostgreSQL would wait forever: one task cannot commit the transaction it waits for.
    memory, stream = InMemoryEventStore(), uuid.uuid4()
    async with memory.transaction() as first:
        await _append(first, stream, 0, 1)
        with pytest.raises(DeadlockError):
            async with memory.transaction() as second:
                await _append(second, stream, 0, 2)
    assert [e.envelope.stream_version for e in memory.events()] == [1]


async def test_memory_refuses_a_view_used_after_its_transaction() -> None:
    memory, stream = InMemoryEventStore(), uuid.uuid4()
    async with memory.transaction() as store:
        await _append(store, stream, 0, 1)
    with pytest.raises(TransactionAbortedError):
        await store.stream_version(stream_id=stream)
    with pytest.raises(TransactionAbortedError):
        await _append(store, stream, 1, 2)
