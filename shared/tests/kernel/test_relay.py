"""The outbox relay against the real broker: complete, ordered per stream, crash-safe."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.eventstore import store
from pmo_shared.messaging.relay import OutboxRelay

from .kit import METADATA, CounterIncremented, envelopes, eventually, read_topic

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
