"""The outbox relay against the real broker: complete, ordered per stream, crash-safe."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.eventstore import store
from pmo_shared.messaging.relay import OutboxRelay

from .kit import (
    METADATA,
    CounterIncremented,
    backlog_shows,
    envelopes,
    eventually,
    read_topic,
)

pytestmark = pytest.mark.integration


async def append_round_robin(engine: AsyncEngine, streams: list[uuid.UUID], rounds: int) -> None:
    """`rounds` events on every stream, interleaved across streams, 4 writers at a time."""

    async def writer(part: list[uuid.UUID]) -> None:
        for version in range(rounds):
            async with engine.begin() as conn:
                for stream in part:
                    await store.append(
                        conn,
                        stream_type="counter",
                        stream_id=stream,
                        expected_version=version,
                        events=[CounterIncremented(amount=version + 1)],
                        metadata=METADATA,
                    )

    await asyncio.gather(*(writer(streams[i::4]) for i in range(4)))


def assert_complete_and_ordered(
    messages: list[Any], streams: list[uuid.UUID], rounds: int, *, exactly_once: bool
) -> None:
    """Every stream's versions 1..rounds arrived, first occurrences in version order."""
    seen: dict[uuid.UUID, list[int]] = defaultdict(list)
    ids: list[uuid.UUID] = []
    for envelope in envelopes(messages):
        ids.append(envelope.event_id)
        if envelope.stream_version not in seen[envelope.stream_id]:
            seen[envelope.stream_id].append(envelope.stream_version)
    assert set(seen) == set(streams)
    for stream in streams:
        assert seen[stream] == list(range(1, rounds + 1)), f"stream {stream} out of order"
    if exactly_once:
        assert len(ids) == len(set(ids)) == len(streams) * rounds
    for message in messages:
        envelope = envelopes([message])[0]
        assert message.key == str(envelope.stream_id).encode()


@pytest.fixture
async def relay_task(engine: AsyncEngine, kafka_servers: str, topic: str) -> AsyncIterator[None]:
    stop = asyncio.Event()
    relay = OutboxRelay(
        engine, service="relay-test", bootstrap_servers=kafka_servers, topic_for=lambda _: topic
    )
    task = asyncio.create_task(relay.run(stop))
    yield
    stop.set()
    await asyncio.wait_for(task, timeout=30)


async def outbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one())


async def test_ten_thousand_events_arrive_once_each_in_stream_order(
    engine: AsyncEngine, kafka_servers: str, topic: str, relay_task: None
) -> None:
    streams = [uuid.uuid4() for _ in range(500)]
    await append_round_robin(engine, streams, rounds=20)

    messages = await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 10_000)
    await eventually(lambda: _is_zero(outbox_size(engine)), what="outbox drained")
    extra = await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 10_000, timeout=5)

    assert_complete_and_ordered(messages, streams, 20, exactly_once=True)
    assert len(extra) == 10_000
    partitions = {m.partition for m in messages}
    assert len(partitions) == 6


async def test_relay_killed_mid_batch_and_restarted_loses_nothing(
    engine: AsyncEngine,
    store_schema: tuple[str, AsyncEngine],
    database_url: str,
    kafka_servers: str,
    topic: str,
) -> None:
    streams = [uuid.uuid4() for _ in range(200)]
    await append_round_robin(engine, streams, rounds=40)
    argv = [
        sys.executable,
        str(Path(__file__).with_name("relay_process.py")),
        database_url,
        store_schema[0],
        kafka_servers,
        topic,
    ]

    first = subprocess.Popen(argv, env=os.environ.copy())
    try:
        await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 500)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        remaining = await outbox_size(engine)
        assert 0 < remaining < 8000, "the kill should land in the middle of the work"
    finally:
        first.kill()

    second = subprocess.Popen(argv, env=os.environ.copy())
    try:
        await eventually(lambda: _is_zero(outbox_size(engine)), what="outbox drained")
        messages = await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 8000)
    finally:
        second.terminate()
        second.wait(timeout=10)

    assert_complete_and_ordered(messages, streams, 40, exactly_once=False)


async def test_only_one_relay_is_active_per_service(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    stop = asyncio.Event()
    relays = [
        OutboxRelay(
            engine,
            service="relay-test",
            bootstrap_servers=kafka_servers,
            topic_for=lambda _: topic,
            poll_interval=0.2,
        )
        for _ in range(3)
    ]
    tasks = [asyncio.create_task(r.run(stop)) for r in relays]
    try:
        streams = [uuid.uuid4() for _ in range(50)]
        await append_round_robin(engine, streams, rounds=10)
        await eventually(lambda: _is_zero(outbox_size(engine)), what="outbox drained")
        async with engine.connect() as conn:
            holders = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND objid = hashtext('pmo-relay:' || current_schema())::oid"
                    )
                )
            ).scalar_one()
        assert holders == 1
        messages = await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 500)
        assert_complete_and_ordered(messages, streams, 10, exactly_once=True)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def _is_zero(value: Any) -> bool:
    return await value == 0


async def test_the_relay_wakes_on_commit_not_on_its_poll(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    stop = asyncio.Event()
    # A poll far longer than the test may take: only the outbox notification can wake it.
    relay = OutboxRelay(
        engine,
        service="relay-test",
        bootstrap_servers=kafka_servers,
        topic_for=lambda _: topic,
        poll_interval=600,
    )
    task = asyncio.create_task(relay.run(stop))
    try:
        for round_ in range(3):  # idle between rounds, so each one needs its own wake-up
            streams = [uuid.uuid4()]
            await append_round_robin(engine, streams, rounds=1)
            await read_topic(kafka_servers, topic, until=lambda m, n=round_: len(m) > n, timeout=30)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


@contextlib.contextmanager
def unreachable_broker() -> Iterator[str]:
    """A loopback address where no broker answers: the port is bound (so nobody else takes it
    during the test) but never listens, so every connection attempt is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


@contextlib.asynccontextmanager
async def relaying(
    engine: AsyncEngine, service: str, servers: str, topic: str
) -> AsyncIterator[None]:
    """An `OutboxRelay` running in this process for the duration of an `async with`."""
    stop = asyncio.Event()
    relay = OutboxRelay(
        engine,
        service=service,
        bootstrap_servers=servers,
        topic_for=lambda _: topic,
        poll_interval=0.2,
        retry_backoff=0.2,
        backlog_interval=0.1,
    )
    task = asyncio.create_task(relay.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def sample(name: str, service: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": service})


async def test_the_backlog_gauge_shows_the_outbox_while_the_broker_is_unreachable(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    service = f"backlog-{uuid.uuid4().hex[:8]}"
    streams = [uuid.uuid4() for _ in range(30)]
    with unreachable_broker() as nowhere:
        async with relaying(engine, service, nowhere, topic):
            await eventually(backlog_shows(service, 0), what="the empty outbox measured")
            await append_round_robin(engine, streams, rounds=10)
            await eventually(backlog_shows(service, 300), what="the backlog measured")
            await eventually(_retrying(service), what="the relay retrying without a broker")
            assert await outbox_size(engine) == 300
            await eventually(backlog_shows(service, 300), what="the backlog still measured")

    # A relay that reaches the broker drains the outbox, and the gauge follows it down.
    async with relaying(engine, service, kafka_servers, topic):
        await eventually(backlog_shows(service, 0), what="the drained outbox measured")
        assert await outbox_size(engine) == 0
    messages = await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 300)
    assert_complete_and_ordered(messages, streams, 10, exactly_once=True)


async def test_a_standby_relay_shows_the_backlog_too(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    service = f"standby-{uuid.uuid4().hex[:8]}"
    streams = [uuid.uuid4() for _ in range(20)]
    async with engine.connect() as leader:
        # This session stands in for a leader that holds the lock and publishes nothing.
        await _relay_lock(leader, "pg_advisory_lock")
        async with relaying(engine, service, kafka_servers, topic):
            await append_round_robin(engine, streams, rounds=5)
            await eventually(backlog_shows(service, 100), what="the standby's measurement")
            assert sample("pmo_relay_active", service) != 1
            assert await outbox_size(engine) == 100

            # The leader goes away: the standby takes over, drains the outbox, and says so.
            await _relay_lock(leader, "pg_advisory_unlock")
            await eventually(backlog_shows(service, 0), what="the drained outbox measured")
            assert sample("pmo_relay_active", service) == 1
            assert await outbox_size(engine) == 0
    messages = await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 100)
    assert_complete_and_ordered(messages, streams, 5, exactly_once=True)


async def _relay_lock(conn: AsyncConnection, function: str) -> None:
    await conn.execute(text(f"SELECT {function}(hashtext('pmo-relay:' || current_schema()))"))
    await conn.commit()


def _retrying(service: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (sample("pmo_relay_errors_total", service) or 0) >= 2

    return check
