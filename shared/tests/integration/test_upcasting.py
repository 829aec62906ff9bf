"""A v2 of an event type, with its upcaster, end to end: events stored as v1 stay v1 in the store
and on the wire, and every reader with the v2 registry (aggregate loads, consumers, a rebuild)
sees them as v2, next to events appended as v2."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.application.cache import AggregateCache
from pmo_shared.domain.aggregate import Aggregate, applies
from pmo_shared.domain.events import (
    DomainEvent,
    EventEnvelope,
    EventRegistry,
    JsonDict,
    UnknownEventError,
)
from pmo_shared.eventstore import store
from pmo_shared.eventstore.store import PostgresEventStore
from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.relay import OutboxRelay

from .kit import METADATA, create_topic, eventually, read_topic

pytestmark = pytest.mark.integration


class PaymentReceivedV1(DomainEvent):
    """As first published: whole euros."""

    event_type = "PaymentReceived"
    schema_version = 1
    amount: int


class PaymentReceived(DomainEvent):
    """v2: cents and an explicit currency."""

    event_type = "PaymentReceived"
    schema_version = 2
    amount_cents: int
    currency: str


# What the writers knew when the v1 events were appended.
registry_v1 = EventRegistry()
registry_v1.register(PaymentReceivedV1)

# What every reader knows now.
registry_v2 = EventRegistry()
registry_v2.register(PaymentReceivedV1)
registry_v2.register(PaymentReceived)


@registry_v2.upcaster("PaymentReceived", from_version=1)
def _cents_and_currency(payload: JsonDict) -> JsonDict:
    return {"amount_cents": payload.pop("amount") * 100, "currency": "EUR"}


class Account(Aggregate):
    """Folds only v2: a v1 event reaching it un-upcast would be refused."""

    stream_type = "account"

    def __init__(self, aggregate_id: uuid.UUID) -> None:
        super().__init__(aggregate_id)
        self.received: list[tuple[int, str]] = []

    @applies(PaymentReceived)
    def _received(self, event: PaymentReceived) -> None:
        self.received.append((event.amount_cents, event.currency))


def ledger_ddl(table: str) -> str:
    return f"""
    CREATE TABLE {table} (
        stream_id      uuid    NOT NULL,
        stream_version integer NOT NULL,
        event_id       uuid    NOT NULL UNIQUE,
        stored_version integer NOT NULL,
        amount_cents   bigint  NOT NULL,
        currency       text    NOT NULL,
        PRIMARY KEY (stream_id, stream_version)
    )
    """


# {table} is one of the two constant table names of this test, never input.
_INSERT = """
    INSERT INTO {table} (stream_id, stream_version, event_id, stored_version, amount_cents,
                         currency)
    SELECT :s, :v, :id, :sv, :cents, :currency
    WHERE :v = 1 OR EXISTS (
        SELECT 1 FROM {table} WHERE stream_id = :s AND stream_version = :v - 1
    )
    RETURNING 1
"""


class LedgerProjection:
    """One row per payment, as v2 sees it, plus the schema version it was stored with."""

    def __init__(self, *, name: str, topics: list[str], table: str) -> None:
        self.name = name
        self.topics = topics
        self._insert = text(_INSERT.format(table=table))

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Insert the payment; versions of a stream must arrive in order."""
        assert isinstance(event, PaymentReceived), f"got {type(event).__name__}"
        result = await conn.execute(
            self._insert,
            {
                "s": envelope.stream_id,
                "v": envelope.stream_version,
                "id": envelope.event_id,
                "sv": envelope.schema_version,
                "cents": event.amount_cents,
                "currency": event.currency,
            },
        )
        if result.first() is None:
            raise AssertionError(f"version {envelope.stream_version} arrived out of order")

    async def flush(self, conn: AsyncConnection) -> None:
        """Nothing buffered: `apply` writes directly."""

    def reset(self) -> None:
        """Nothing buffered: `apply` writes directly."""


_SELECT = """
    SELECT stream_id, stream_version, event_id, stored_version, amount_cents, currency
    FROM {table} ORDER BY stream_id, stream_version
"""


async def ledger(engine: AsyncEngine, table: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(_SELECT.format(table=table)))
        return [tuple(row) for row in rows]


def ledger_holds(engine: AsyncEngine, table: str, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(await ledger(engine, table)) == count

    return check


async def append(
    engine: AsyncEngine, stream: uuid.UUID, expected: int, events: list[DomainEvent]
) -> None:
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="account",
            stream_id=stream,
            expected_version=expected,
            events=events,
            metadata=METADATA,
        )


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


@pytest.fixture
async def ledgers(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in ("ledger", "ledger_rebuild"):
            await conn.execute(text(ledger_ddl(table)))


@pytest.mark.usefixtures("ledgers")
async def test_v1_events_are_read_as_v2_by_store_readers_consumers_and_a_rebuild(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    streams = [uuid.uuid4() for _ in range(12)]
    # Before v2 existed: three v1 payments per account.
    for stream in streams:
        await append(engine, stream, 0, [PaymentReceivedV1(amount=a) for a in (1, 2, 3)])

    # The store keeps what was written: v1, in the v1 shape.
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT schema_version, payload FROM events"))).all()
    assert {(row.schema_version, tuple(row.payload)) for row in stored} == {(1, ("amount",))}
    stream = streams[0]
    async with engine.connect() as conn:
        history = await store.read_stream(conn, stream_id=stream, tenant_id=METADATA.tenant_id)
    assert [registry_v1.decode_envelope(r.envelope) for r in history] == [
        PaymentReceivedV1(amount=a) for a in (1, 2, 3)
    ]
    with pytest.raises(UnknownEventError):
        registry_v1.decode("PaymentReceived", 2, {"amount_cents": 100, "currency": "EUR"})

    # Readers with v2 see v2; writers append v2 from now on.
    async with engine.connect() as conn:
        history = await store.read_stream(conn, stream_id=stream, tenant_id=METADATA.tenant_id)
        account = await AggregateCache(registry_v2).load(
            PostgresEventStore(conn), Account, stream, tenant_id=METADATA.tenant_id
        )
    assert [registry_v2.decode_envelope(r.envelope) for r in history] == [
        PaymentReceived(amount_cents=c, currency="EUR") for c in (100, 200, 300)
    ]
    assert account is not None
    assert (account.version, account.received) == (3, [(100, "EUR"), (200, "EUR"), (300, "EUR")])
    for stream in streams:
        await append(engine, stream, 3, [PaymentReceived(amount_cents=450, currency="USD")])
    async with engine.connect() as conn:
        account = await AggregateCache(registry_v2).load(
            PostgresEventStore(conn), Account, streams[0], tenant_id=METADATA.tenant_id
        )
    assert account is not None
    assert account.received == [(100, "EUR"), (200, "EUR"), (300, "EUR"), (450, "USD")]

    dead_letter_topic = await create_topic(kafka_servers, partitions=1)
    relay = OutboxRelay(
        engine, service="upcast-test", bootstrap_servers=kafka_servers, topic_for=lambda _: topic
    )
    live = ConsumerRunner(
        engine,
        projection=LedgerProjection(name="ledger", topics=[topic], table="ledger"),
        registry=registry_v2,
        bootstrap_servers=kafka_servers,
        dead_letter_topic=dead_letter_topic,
        group_id=f"ledger-{uuid.uuid4().hex[:8]}",
    )
    total = len(streams) * 4
    async with running(relay, live):
        messages = await read_topic(kafka_servers, topic, until=lambda m: len(m) >= total)
        await eventually(ledger_holds(engine, "ledger", total), what="the live read model")

    # On the wire an event keeps the version it was stored with, in the v1 or v2 shape.
    on_the_wire = {
        (dict(m.headers)["ce_schemaversion"], tuple(sorted(_json(m.value)))) for m in messages
    }
    assert on_the_wire == {(b"1", ("amount",)), (b"2", ("amount_cents", "currency"))}
    assert len(messages) == total

    expected = await ledger(engine, "ledger")
    by_stream: dict[uuid.UUID, list[tuple[int, int, int, str]]] = {}
    for stream_id, version, _event_id, stored_version, cents, currency in expected:
        by_stream.setdefault(stream_id, []).append((version, stored_version, cents, currency))
    v1_then_v2 = [(1, 1, 100, "EUR"), (2, 1, 200, "EUR"), (3, 1, 300, "EUR"), (4, 2, 450, "USD")]
    assert by_stream == dict.fromkeys(streams, v1_then_v2)

    # A rebuild: a fresh group from offset 0 into a fresh table gives the same read model.
    rebuild = ConsumerRunner(
        engine,
        projection=LedgerProjection(name="ledger-rebuild", topics=[topic], table="ledger_rebuild"),
        registry=registry_v2,
        bootstrap_servers=kafka_servers,
        dead_letter_topic=dead_letter_topic,
        group_id=f"ledger-rebuild-{uuid.uuid4().hex[:8]}",
    )
    async with running(rebuild):
        await eventually(ledger_holds(engine, "ledger_rebuild", total), what="the rebuild")
    assert await ledger(engine, "ledger_rebuild") == expected
    async with engine.connect() as conn:
        dead = (await conn.execute(text("SELECT count(*) FROM dead_letters"))).scalar_one()
    assert dead == 0


def _json(value: bytes) -> JsonDict:
    decoded = orjson.loads(value)
    assert isinstance(decoded, dict)
    return decoded
