"""The relay's wake-up: writers notify only while the relay is idle, and no wake-up is lost.

A writer notifies when it cannot take the idle key shared (the relay holds it, or waits for
it); otherwise it holds the key until it commits, and a relay going idle gets the key only once
every such writer has committed. These tests pin both halves of that handshake at the SQL level
and then through a running relay whose poll is far longer than the test may take, so only the
handshake can make the events arrive.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.eventstore import store
from pmo_shared.eventstore.ddl import OUTBOX_CHANNEL, RELAY_IDLE_KEY
from pmo_shared.messaging.relay import OutboxRelay

from .kit import METADATA, CounterIncremented, append_counter, envelopes, eventually, read_topic

pytestmark = pytest.mark.integration


async def _schema_of(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        return str((await conn.execute(text("SELECT current_schema()"))).scalar_one())


@pytest.fixture
async def listener(
    database_url: str, engine: AsyncEngine
) -> AsyncIterator[tuple[asyncpg.Connection, asyncio.Queue[str]]]:
    """A plain connection LISTENing on the outbox channel; each notification's payload is put
    in the queue (the schema that notified)."""
    schema = await _schema_of(engine)
    conn = await asyncpg.connect(
        database_url.replace("+asyncpg", ""), server_settings={"search_path": schema}
    )
    got: asyncio.Queue[str] = asyncio.Queue()

    def heard(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        got.put_nowait(payload)

    await conn.add_listener(OUTBOX_CHANNEL, heard)
    yield conn, got
    await conn.close()


async def _someone_waits_for_the_idle_key(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"  # noqa: S608
                f" AND objid = ({RELAY_IDLE_KEY} & 4294967295)::oid"
            )
        )
        return int(waiting.scalar_one()) > 0


async def _heard_within(got: asyncio.Queue[str], seconds: float) -> bool:
    try:
        await asyncio.wait_for(got.get(), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def test_a_writer_notifies_only_while_the_relay_holds_the_idle_key(
    engine: AsyncEngine, listener: tuple[asyncpg.Connection, asyncio.Queue[str]]
) -> None:
    conn, got = listener
    await append_counter(engine, uuid.uuid4(), 0, 1)  # no relay idle: nobody to wake
    # A notification, if any, arrives right after the commit; the idle case below shows how
    # soon one does, so half a second is ample.
    assert not await _heard_within(got, 0.5)

    await conn.execute(f"SELECT pg_advisory_lock({RELAY_IDLE_KEY})")  # the relay goes idle
    await append_counter(engine, uuid.uuid4(), 0, 1)
    assert await _heard_within(got, 5)

    await conn.execute(f"SELECT pg_advisory_unlock({RELAY_IDLE_KEY})")  # busy again
    await append_counter(engine, uuid.uuid4(), 0, 1)
    assert not await _heard_within(got, 0.5)


async def test_going_idle_waits_for_every_writer_that_did_not_notify(
    database_url: str,
    engine: AsyncEngine,
    listener: tuple[asyncpg.Connection, asyncio.Queue[str]],
) -> None:
    # The relay waits for the key on its leader connection, which hears nothing until the
    # wait ends (PostgreSQL delivers notifications to a session between statements): the
    # notifications of the writers that met it waiting come right after, and its look at the
    # outbox follows. Here the listener is a session apart, to hear them as they are sent.
    _, got = listener
    locker = await asyncpg.connect(
        database_url.replace("+asyncpg", ""),
        server_settings={"search_path": await _schema_of(engine)},
    )
    stream = uuid.uuid4()
    async with engine.connect() as writer:
        await writer.begin()
        await store.append(
            writer,
            stream_type="counter",
            stream_id=stream,
            expected_version=0,
            events=[CounterIncremented(amount=1)],
            metadata=METADATA,
        )
        # The relay going idle now must wait for this open writer ...
        going_idle = asyncio.create_task(
            locker.execute(f"SELECT pg_advisory_lock({RELAY_IDLE_KEY})")
        )
        await eventually(lambda: _someone_waits_for_the_idle_key(engine), what="a waiting relay")
        assert not going_idle.done()
        # ... and a writer that meets the waiting relay notifies rather than slip past it.
        await append_counter(engine, uuid.uuid4(), 0, 1)
        assert await _heard_within(got, 5)
        await writer.commit()
    await asyncio.wait_for(going_idle, timeout=5)
    await locker.close()
    # Once it holds the key, the first writer's event is committed: the relay's next look sees it.
    async with engine.connect() as reader:
        batch = await store.read_outbox_batch(reader, limit=100)
    assert stream in {r.envelope.stream_id for r in batch}


def _relay(engine: AsyncEngine, servers: str, topic: str, **options: Any) -> OutboxRelay:
    # A poll far longer than any test may take: only a notification or the handshake helps.
    return OutboxRelay(
        engine,
        service="relay-wake-test",
        bootstrap_servers=servers,
        topic_for=lambda _: topic,
        poll_interval=600,
        **options,
    )


async def test_an_event_committed_while_the_relay_goes_idle_is_published_at_once(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    stream = uuid.uuid4()
    stop = asyncio.Event()
    async with engine.connect() as writer:
        await writer.begin()
        await store.append(  # no relay yet: holds the idle key shared and does not notify
            writer,
            stream_type="counter",
            stream_id=stream,
            expected_version=0,
            events=[CounterIncremented(amount=1)],
            metadata=METADATA,
        )
        relay = _relay(engine, kafka_servers, topic, busy_polls=2, idle_lock_timeout=60)
        task = asyncio.create_task(relay.run(stop))
        try:
            # The relay found nothing and now waits for the idle key, i.e. for this writer.
            await eventually(lambda: _someone_waits_for_the_idle_key(engine), what="the relay")
            await writer.commit()
            messages = await read_topic(
                kafka_servers, topic, until=lambda m: len(m) >= 1, timeout=30
            )
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=30)
    assert [e.stream_id for e in envelopes(messages)] == [stream]


async def test_a_writer_holding_its_transaction_open_does_not_hold_up_the_others(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    stop = asyncio.Event()
    relay = _relay(engine, kafka_servers, topic, busy_polls=2, idle_lock_timeout=0.05)
    task = asyncio.create_task(relay.run(stop))
    try:
        async with engine.connect() as slow:
            await slow.begin()
            await store.append(
                slow,
                stream_type="counter",
                stream_id=uuid.uuid4(),
                expected_version=0,
                events=[CounterIncremented(amount=1)],
                metadata=METADATA,
            )
            # While it stays open the relay cannot go idle; the others still get through,
            # round after round (each arrives before the next is appended).
            streams = [uuid.uuid4() for _ in range(5)]
            for n, stream in enumerate(streams, start=1):
                await append_counter(engine, stream, 0, 1)
                messages = await read_topic(
                    kafka_servers, topic, until=lambda m, n=n: len(m) >= n, timeout=30
                )
            await slow.rollback()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    arrived = [e.stream_id for e in envelopes(messages)]  # several partitions: any order
    assert sorted(arrived) == sorted(streams)


async def test_many_writers_under_a_busy_relay_lose_nothing(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    stop = asyncio.Event()
    relay = _relay(engine, kafka_servers, topic, batch_size=50, busy_polls=3)
    task = asyncio.create_task(relay.run(stop))
    streams = [uuid.uuid4() for _ in range(40)]
    try:
        for burst in range(5):  # bursts apart, so the relay goes idle and busy again between
            await asyncio.gather(*(append_counter(engine, s, burst, burst + 1) for s in streams))
            await asyncio.sleep(0.1)
        messages = await read_topic(
            kafka_servers, topic, until=lambda m: len(m) >= 5 * len(streams), timeout=60
        )
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    versions: dict[uuid.UUID, list[int]] = {}
    for envelope in envelopes(messages):
        versions.setdefault(envelope.stream_id, []).append(envelope.stream_version)
    assert versions == {s: [1, 2, 3, 4, 5] for s in streams}
