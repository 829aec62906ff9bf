"""Test kit for the kernel's integration tests: a toy event type, a counting projection, and
helpers to reach the real PostgreSQL and Kafka that `make test` starts."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import DomainEvent, EventEnvelope, EventMetadata, EventRegistry
from pmo_shared.eventstore import store
from pmo_shared.eventstore.ddl import CONSUMER_DDL, EVENT_STORE_DDL
from pmo_shared.eventstore.memory import InMemoryEventStore
from pmo_shared.eventstore.store import EventStore, PostgresEventStore
from pmo_shared.messaging import cloudevents
from pmo_shared.privacy.crypto import MasterKey

registry = EventRegistry()


@registry.register
class CounterIncremented(DomainEvent):
    event_type = "CounterIncremented"
    amount: int


METADATA = EventMetadata(tenant_id="t1", actor="tester", correlation_id="corr-1")

MASTER_KEY = MasterKey(base64.b64encode(bytes(range(32))).decode())
"""The personal-data master key of the integration tests' key stores."""


async def append_counter(
    engine: AsyncEngine, stream: uuid.UUID, expected: int, *amounts: int
) -> None:
    """Append one CounterIncremented per amount to a stream, in one transaction."""
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="counter",
            stream_id=stream,
            expected_version=expected,
            events=[CounterIncremented(amount=a) for a in amounts],
            metadata=METADATA,
        )


class StoreBackend(Protocol):
    """Where the event store suite runs: `transaction()` gives one unit of work's `EventStore`,
    committed when the block ends normally. `InMemoryEventStore` is one as it is."""

    def transaction(self) -> AbstractAsyncContextManager[EventStore]:
        """One transaction's view of the store."""
        ...


class PostgresBackend:
    """The PostgreSQL event store as a `StoreBackend`: one `engine.begin()` per transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[EventStore]:
        """A PostgreSQL transaction's `PostgresEventStore`."""
        async with self.engine.begin() as conn:
            yield PostgresEventStore(conn)


async def until_a_lock_waits(engine: AsyncEngine, *, timeout: float = 10.0) -> None:
    """Return once some session of the database waits for a lock another one holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with engine.connect() as conn:
            waiting = (
                await conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            ).scalar_one()
        if waiting:
            return
        assert asyncio.get_running_loop().time() < deadline, "no session came to wait"
        await asyncio.sleep(0.01)


async def until_an_append_waits(backend: StoreBackend, *, timeout: float = 10.0) -> None:
    """Return once an append of the backend waits for another open transaction."""
    if isinstance(backend, PostgresBackend):
        await until_a_lock_waits(backend.engine, timeout=timeout)
        return
    assert isinstance(backend, InMemoryEventStore)
    deadline = asyncio.get_running_loop().time() + timeout
    while not backend.waiting_appends():
        assert asyncio.get_running_loop().time() < deadline, "no append came to wait"
        await asyncio.sleep(0.001)


async def append_amounts(
    backend: StoreBackend, stream: uuid.UUID, expected: int, *amounts: int
) -> None:
    """`append_counter` on any `StoreBackend`: one CounterIncremented per amount, in one
    transaction."""
    async with backend.transaction() as events:
        await events.append(
            stream_type="counter",
            stream_id=stream,
            expected_version=expected,
            events=[CounterIncremented(amount=a) for a in amounts],
            metadata=METADATA,
        )


async def create_schema(url: str) -> tuple[str, AsyncEngine]:
    """A fresh schema with the kernel's tables, and an engine pinned to it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine_for(url, schema="public", pool_size=1)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
    await admin.dispose()
    engine = create_engine_for(url, schema=name, pool_size=10)
    async with engine.begin() as conn:
        for statement in (*EVENT_STORE_DDL, *CONSUMER_DDL, COUNTS_DDL):
            await conn.execute(text(statement))
    return name, engine


async def drop_schema(url: str, name: str) -> None:
    """Remove a schema made by `create_schema`."""
    admin = create_engine_for(url, schema="public", pool_size=1)
    async with admin.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    await admin.dispose()


async def create_topic(servers: str, *, partitions: int = 6) -> str:
    """A fresh topic for one test."""
    name = f"test.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()
    return name


COUNTS_DDL = """
CREATE TABLE counts (
    stream_id uuid PRIMARY KEY,
    total     bigint NOT NULL,
    events    integer NOT NULL,
    last_version integer NOT NULL
)
"""


class CountingProjection:
    """Sums the amounts per stream and checks that versions arrive in order."""

    def __init__(self, *, name: str, topics: list[str], reject_amount: int | None = None) -> None:
        self.name = name
        self.topics = topics
        self.reject_amount = reject_amount

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Add the event's amount to its stream's row."""
        assert isinstance(event, CounterIncremented)
        if event.amount == self.reject_amount:
            raise ValueError(f"amount {event.amount} is refused by this projection")
        result = await conn.execute(
            text(
                """
                INSERT INTO counts (stream_id, total, events, last_version)
                VALUES (:s, :a, 1, :v)
                ON CONFLICT (stream_id) DO UPDATE
                SET total = counts.total + :a, events = counts.events + 1, last_version = :v
                WHERE counts.last_version = :v - 1
                RETURNING 1
                """
            ),
            {"s": envelope.stream_id, "a": event.amount, "v": envelope.stream_version},
        )
        if result.first() is None:
            raise AssertionError(f"version {envelope.stream_version} arrived out of order")

    async def flush(self, conn: AsyncConnection) -> None:
        """Nothing buffered: `apply` writes directly."""

    def reset(self) -> None:
        """Nothing buffered: `apply` writes directly."""


class BufferedCountingProjection(CountingProjection):
    """The same read model, written in bulk at the end of each batch (`flush`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.buffer: list[tuple[EventEnvelope, DomainEvent]] = []

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Validate now, write at flush."""
        assert isinstance(event, CounterIncremented)
        if event.amount == self.reject_amount:
            raise ValueError(f"amount {event.amount} is refused by this projection")
        self.buffer.append((envelope, event))

    def reset(self) -> None:
        """Drop what a failed attempt buffered."""
        self.buffer.clear()

    async def flush(self, conn: AsyncConnection) -> None:
        """Write the buffered events."""
        buffered, self.buffer = self.buffer, []
        for envelope, event in buffered:
            await CountingProjection.apply(self, conn, envelope, event)


async def counts(engine: AsyncEngine) -> dict[uuid.UUID, tuple[int, int]]:
    """stream id → (total, events) from the counting projection."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT stream_id, total, events FROM counts"))
        return {r.stream_id: (r.total, r.events) for r in rows}


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 60.0, what: str = "condition"
) -> None:
    """Poll `check` until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def read_topic(
    servers: str,
    topic: str,
    *,
    until: Callable[[list[Any]], bool],
    timeout: float = 90.0,
) -> list[Any]:
    """Every message of a topic from the beginning, read until `until(messages)` holds."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=servers,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while not until(messages):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out reading {topic}: {len(messages)} messages")
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                messages.extend(records)
    finally:
        await consumer.stop()
    return messages


def envelopes(messages: list[Any]) -> list[EventEnvelope]:
    """Decode CloudEvents messages."""
    return [cloudevents.decode(m.value, m.headers) for m in messages]


def outbox_oldest_age(service: str) -> float | None:
    """The `pmo_outbox_oldest_age_seconds` gauge of a service in this process."""
    return REGISTRY.get_sample_value("pmo_outbox_oldest_age_seconds", {"service": service})


def outbox_backlog(service: str) -> float | None:
    """The `pmo_outbox_backlog` gauge of a service in this process (None until first set)."""
    return REGISTRY.get_sample_value("pmo_outbox_backlog", {"service": service})


def backlog_shows(service: str, expected: int) -> Callable[[], Awaitable[bool]]:
    """A check for `eventually`: the service's backlog gauge reads `expected`."""

    async def check() -> bool:
        return outbox_backlog(service) == expected

    return check
