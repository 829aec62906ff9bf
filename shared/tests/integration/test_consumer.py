"""The consumer runner against the real broker: exactly-once effects, dead letters."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.domain.events import EventEnvelope
from pmo_shared.eventstore import store
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.consumer import ConsumerRunner
from pmo_shared.messaging.topics import DEAD_LETTER_TOPIC

from .kit import (
    METADATA,
    BufferedCountingProjection,
    CounterIncremented,
    CountingProjection,
    counts,
    create_topic,
    eventually,
    read_topic,
    registry,
)
from .test_relay import append_round_robin, outbox_size, relay_task  # noqa: F401

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


async def scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def committed_offsets(servers: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


@pytest.mark.usefixtures("relay_task")
async def test_crash_after_db_commit_before_offset_commit_counts_each_event_once(
    engine: AsyncEngine,
    store_schema: tuple[str, AsyncEngine],
    database_url: str,
    kafka_servers: str,
    topic: str,
) -> None:
    streams = [uuid.uuid4() for _ in range(100)]
    await append_round_robin(engine, streams, rounds=20)
    await eventually(lambda: _is(outbox_size(engine), 0), what="events published")
    group = f"g-{uuid.uuid4().hex[:8]}"
    argv = [
        sys.executable,
        str(HERE / "consumer_process.py"),
        database_url,
        store_schema[0],
        kafka_servers,
        topic,
        group,
    ]

    crashed = subprocess.run([*argv, "crash"], env=os.environ.copy(), timeout=120, check=False)
    assert crashed.returncode == 17
    processed_before_restart = await scalar(engine, "SELECT count(*) FROM processed_events")
    assert processed_before_restart > 0
    assert await committed_offsets(kafka_servers, group) == 0

    restarted = subprocess.Popen(argv, env=os.environ.copy())
    try:
        await eventually(
            lambda: _is(scalar(engine, "SELECT count(*) FROM processed_events"), 2000),
            what="all events processed",
        )
        await eventually(
            lambda: _is(committed_offsets(kafka_servers, group), 2000), what="offsets committed"
        )
    finally:
        restarted.terminate()
        restarted.wait(timeout=20)

    result = await counts(engine)
    assert result == {s: (sum(range(1, 21)), 20) for s in streams}


@pytest.mark.parametrize("kind", [CountingProjection, BufferedCountingProjection])
async def test_poison_messages_go_to_the_dead_letter_topic_and_the_next_one_is_processed(
    engine: AsyncEngine, kafka_servers: str, topic: str, kind: type[CountingProjection]
) -> None:
    dead_letter_topic = await create_topic(kafka_servers, partitions=1)
    stream = uuid.uuid4()
    key = str(stream).encode()
    good = [_message(stream, 1, amount=5), _message(stream, 2, amount=7)]
    rejected = _message(stream, 2, amount=13)
    unknown = _message(stream, 2, amount=1, event_type="CounterExploded")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_servers)
    await producer.start()
    try:
        for value, headers in (good[0], (b"\x00not json", []), unknown, rejected, good[1]):
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()

    projection = kind(name="poison-test", topics=[topic], reject_amount=13)
    async with running(engine, projection, kafka_servers, dead_letter_topic):
        await eventually(lambda: _has(engine, stream, (12, 2)), what="good events applied")
        dead = await read_topic(kafka_servers, dead_letter_topic, until=lambda m: len(m) >= 3)

    reasons = [dict(m.headers)["dlq_reason"].decode() for m in dead]
    assert "CloudEvents" in reasons[0]
    assert "CounterExploded" in reasons[1]
    assert "refused by this projection" in reasons[2]
    assert all(dict(m.headers)["dlq_topic"] == topic.encode() for m in dead)
    assert await scalar(engine, "SELECT count(*) FROM dead_letters") == 3


async def test_redelivered_messages_change_nothing(
    engine: AsyncEngine, kafka_servers: str, topic: str
) -> None:
    streams = [uuid.uuid4() for _ in range(10)]
    messages = [(s, _message(s, v, amount=v)) for s in streams for v in (1, 2, 3)]
    projection = CountingProjection(name="replay-test", topics=[topic])
    async with running(engine, projection, kafka_servers, DEAD_LETTER_TOPIC):
        for _ in range(2):  # the same events, published twice
            await _publish(kafka_servers, topic, messages)
        await eventually(
            lambda: _is(scalar(engine, "SELECT count(*) FROM processed_events"), 30),
            what="events processed",
        )
        await read_topic(kafka_servers, topic, until=lambda m: len(m) >= 60)
        await eventually(lambda: _lag_zero(projection.name), what="consumer caught up")

    assert await counts(engine) == dict.fromkeys(streams, (6, 3))


def _message(
    stream: uuid.UUID, version: int, *, amount: int, event_type: str = "CounterIncremented"
) -> tuple[bytes, list[tuple[str, bytes]]]:
    envelope = EventEnvelope(
        event_id=uuid.uuid5(stream, f"{version}-{amount}-{event_type}"),
        event_type=event_type,
        schema_version=1,
        stream_type="counter",
        stream_id=stream,
        stream_version=version,
        occurred_at=store.datetime.now(store.UTC),
        payload=CounterIncremented(amount=amount).model_dump(),
        **METADATA.model_dump(),
    )
    message = cloudevents.encode(envelope)
    return message.value, message.headers


async def _publish(
    servers: str,
    topic: str,
    messages: list[tuple[uuid.UUID, tuple[bytes, list[tuple[str, bytes]]]]],
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        for stream, (value, headers) in messages:
            await producer.send_and_wait(
                topic, value=value, key=str(stream).encode(), headers=headers
            )
    finally:
        await producer.stop()


class running:  # noqa: N801 - reads as a context phrase
    """Runs a consumer in this process for the duration of an `async with`."""

    def __init__(
        self, engine: AsyncEngine, projection: CountingProjection, servers: str, dlq: str
    ) -> None:
        self.stop = asyncio.Event()
        self.runner = ConsumerRunner(
            engine,
            projection=projection,
            registry=registry,
            bootstrap_servers=servers,
            dead_letter_topic=dlq,
        )
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ConsumerRunner:
        self.task = asyncio.create_task(self.runner.run(self.stop))
        return self.runner

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=30)


async def _is(value: object, expected: int) -> bool:
    return await value == expected  # type: ignore[misc]


async def _has(engine: AsyncEngine, stream: uuid.UUID, expected: tuple[int, int]) -> bool:
    return (await counts(engine)).get(stream) == expected


async def _lag_zero(consumer: str) -> bool:
    from pmo_shared.telemetry.metrics import CONSUMER_LAG

    samples = [
        s
        for metric in CONSUMER_LAG.collect()
        for s in metric.samples
        if s.labels["consumer"] == consumer
    ]
    return bool(samples) and all(s.value == 0 for s in samples)
