"""Kit of the operational drills: a payment event in two versions (v1 whole euros, v2 cents and
a currency, with the upcaster), a ledger projection, the kernel's loops run in the test, and
`pmoctl` run as the operator runs it (a process of its own)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.domain.events import (
    DomainEvent,
    EventEnvelope,
    EventMetadata,
    EventRegistry,
    JsonDict,
)
from pmo_shared.eventstore import store
from pmo_shared.eventstore.ddl import CONSUMER_DDL, EVENT_STORE_DDL
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.relay import OutboxRelay

METADATA = EventMetadata(tenant_id="drill-tenant", actor="drill", correlation_id="drill-1")
STREAM_TYPE = "drill_account"


class PaymentReceivedV1(DomainEvent):
    """As first published: whole euros."""

    event_type = "DrillPaymentReceived"
    schema_version = 1
    amount: int


class PaymentReceived(DomainEvent):
    """v2: cents and an explicit currency."""

    event_type = "DrillPaymentReceived"
    schema_version = 2
    amount_cents: int
    currency: str


def registry_v1() -> EventRegistry:
    """What the readers knew before v2."""
    registry = EventRegistry()
    registry.register(PaymentReceivedV1)
    return registry


def registry_v2() -> EventRegistry:
    """What the readers know once v2 and its upcaster are deployed."""
    registry = registry_v1()
    registry.register(PaymentReceived)

    @registry.upcaster("DrillPaymentReceived", from_version=1)
    def _cents_and_currency(payload: JsonDict) -> JsonDict:
        return {"amount_cents": payload["amount"] * 100, "currency": "EUR"}

    return registry


def ledger_ddl(table: str) -> str:
    """A ledger table: one row per payment as the projection saw it."""
    return f"""
    CREATE TABLE {table} (
        stream_id      uuid    NOT NULL,
        stream_version integer NOT NULL,
        event_id       uuid    NOT NULL UNIQUE,
        amount_cents   bigint  NOT NULL,
        currency       text    NOT NULL,
        PRIMARY KEY (stream_id, stream_version)
    )
    """


LEDGERS = ("ledger", "ledger_rebuild")


class LedgerProjection:
    """One row per payment in cents; a stream's versions must arrive in order, and payments
    above `max_cents` are refused (the "bug" a drill fixes)."""

    def __init__(
        self, *, name: str, topics: list[str], table: str = "ledger", max_cents: int | None = None
    ) -> None:
        self.name = name
        self.topics: Sequence[str] = topics
        self.max_cents = max_cents
        # {table} is one of the constant LEDGERS, never input.
        self._insert = text(
            f"""
            INSERT INTO {table} (stream_id, stream_version, event_id, amount_cents, currency)
            SELECT :s, :v, :id, :cents, :currency
            WHERE :v = 1 OR EXISTS (
                SELECT 1 FROM {table} WHERE stream_id = :s AND stream_version = :v - 1)
            RETURNING 1
            """  # noqa: S608
        )

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Insert the payment (a v1 payment in whole euros is converted here, as v1 code did)."""
        if isinstance(event, PaymentReceivedV1):
            cents, currency = event.amount * 100, "EUR"
        else:
            assert isinstance(event, PaymentReceived), type(event).__name__
            cents, currency = event.amount_cents, event.currency
        if self.max_cents is not None and cents > self.max_cents:
            raise ValueError(f"{cents} cents is above this projection's limit")
        result = await conn.execute(
            self._insert,
            {
                "s": envelope.stream_id,
                "v": envelope.stream_version,
                "id": envelope.event_id,
                "cents": cents,
                "currency": currency,
            },
        )
        if result.first() is None:
            raise ValueError(f"version {envelope.stream_version} arrived out of order")

    async def flush(self, conn: AsyncConnection) -> None:
        """Nothing buffered: `apply` writes directly."""

    def reset(self) -> None:
        """Nothing buffered: `apply` writes directly."""


async def ledger(engine: AsyncEngine, table: str = "ledger") -> list[tuple[Any, ...]]:
    """The ledger's rows in key order."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(f"SELECT * FROM {table} ORDER BY stream_id, stream_version")  # noqa: S608
        )
        return [tuple(row) for row in rows]


async def service_schema(url: str) -> tuple[str, AsyncEngine]:
    """A fresh schema with the kernel's tables and the ledgers, and an engine pinned to it."""
    name = f"drill_{uuid.uuid4().hex[:10]}"
    admin = create_engine_for(url, schema="public", pool_size=1)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
    await admin.dispose()
    engine = create_engine_for(url, schema=name, pool_size=5)
    async with engine.begin() as conn:
        for statement in (*EVENT_STORE_DDL, *CONSUMER_DDL, *map(ledger_ddl, LEDGERS)):
            await conn.execute(text(statement))
    return name, engine


async def drop_schema(url: str, name: str) -> None:
    """Remove a drill's schema (if it is there)."""
    admin = create_engine_for(url, schema="public", pool_size=1)
    async with admin.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    await admin.dispose()


async def create_topic(servers: str, *, partitions: int = 3) -> str:
    """A fresh topic for one drill."""
    name = f"drill.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()
    return name


async def append(
    engine: AsyncEngine, stream: uuid.UUID, expected: int, events: list[DomainEvent]
) -> None:
    """Append events to an account's stream in the drill's store (and outbox)."""
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type=STREAM_TYPE,
            stream_id=stream,
            expected_version=expected,
            events=events,
            metadata=METADATA,
        )


def message(stream: uuid.UUID, version: int, event: DomainEvent) -> cloudevents.KafkaMessage:
    """The CloudEvents message of one event, as a relay would publish it."""
    envelope = EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        stream_type=STREAM_TYPE,
        stream_id=stream,
        stream_version=version,
        occurred_at=datetime.now(UTC),
        payload=event.model_dump(mode="json"),
        **METADATA.model_dump(),
    )
    return cloudevents.encode(envelope)


async def publish(servers: str, topic: str, messages: list[cloudevents.KafkaMessage]) -> None:
    """Publish messages straight onto a topic, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        for m in messages:
            await producer.send_and_wait(topic, value=m.value, key=m.key, headers=m.headers)
    finally:
        await producer.stop()


class running:  # noqa: N801 - reads as a context phrase
    """Runs the kernel's loops (`run(stop)`) in this process for an `async with`."""

    def __init__(self, *loops: OutboxRelay | ConsumerRunner) -> None:
        self.loops = loops
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> None:
        self.tasks = [asyncio.create_task(loop.run(self.stop)) for loop in self.loops]

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks), timeout=30)


def consumer(
    engine: AsyncEngine,
    projection: LedgerProjection,
    registry: EventRegistry,
    *,
    servers: str,
    dead_letter_topic: str,
    group: str,
) -> ConsumerRunner:
    """The drill's consumer runner with its own group."""
    return ConsumerRunner(
        engine,
        projection=projection,
        registry=registry,
        bootstrap_servers=servers,
        dead_letter_topic=dead_letter_topic,
        group_id=group,
        retry_backoff=0.2,
    )


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 30.0, what: str = "condition"
) -> None:
    """Poll `check` until it holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def caught_up(servers: str, group: str, topic: str) -> bool:
    """Whether `group` has committed every message on `topic` so far."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    probe = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None)
    await admin.start()
    await probe.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        described = await admin.describe_topics([topic])
        partitions = [
            TopicPartition(topic, p["partition"]) for t in described for p in t["partitions"]
        ]
        ends = await probe.end_offsets(partitions)
    finally:
        await probe.stop()
        await admin.close()
    done = {tp: meta.offset for tp, meta in offsets.items()}
    return all(done.get(tp, 0) >= end for tp, end in ends.items())


async def pmoctl(*args: str, timeout: float = 60.0) -> str:
    """Run `pmoctl` as an operator does; its output (it must exit 0)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pmo_shared.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "250"},
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=timeout)
    output = out.decode()
    assert process.returncode == 0, f"pmoctl {' '.join(args)}: {output}{err.decode()}"
    return output
