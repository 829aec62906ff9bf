"""`pmoctl dlq replay --into-projection` against the real broker: two consumers of one topic
both dead-letter an event neither can read; once one of them is fixed, its letter is replayed
into it alone. It applies the event once; the other, still unfixed, steps past the replay
without a trace (no second dead letter, no processed record); a second replay changes
nothing."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.domain.events import DomainEvent, EventEnvelope, EventRegistry
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.consumer import ConsumerRunner

from .kit import METADATA, CounterIncremented, create_topic, eventually

pytestmark = pytest.mark.integration

AMOUNTS_DDL = """
CREATE TABLE replay_for_amounts (consumer text NOT NULL, event_id uuid NOT NULL, amount int)
"""


class BonusAwarded(DomainEvent):
    """An event type the consumers learn only with their fix."""

    event_type = "ReplayForBonusAwarded"
    amount: int


def registry_before_fix() -> EventRegistry:
    """What both consumers know at first: counters only."""
    registry = EventRegistry()
    registry.register(CounterIncremented)
    return registry


def registry_after_fix() -> EventRegistry:
    """The fix: the bonus event too."""
    registry = registry_before_fix()
    registry.register(BonusAwarded)
    return registry


class AmountsProjection:
    """One row per event applied, under the consumer's name (no key: a double shows)."""

    def __init__(self, *, name: str, topics: list[str]) -> None:
        self.name = name
        self.topics: Sequence[str] = topics

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Record the event's amount."""
        assert isinstance(event, CounterIncremented | BonusAwarded)
        await conn.execute(
            text("INSERT INTO replay_for_amounts VALUES (:consumer, :id, :amount)"),
            {"consumer": self.name, "id": envelope.event_id, "amount": event.amount},
        )

    async def flush(self, conn: AsyncConnection) -> None:
        """Nothing buffered: `apply` writes directly."""

    def reset(self) -> None:
        """Nothing buffered: `apply` writes directly."""


async def test_a_replay_into_one_projection_is_applied_by_it_alone_and_once(
    store_schema: tuple[str, AsyncEngine], kafka_servers: str, topic: str
) -> None:
    schema, engine = store_schema
    async with engine.begin() as conn:
        await conn.execute(text(AMOUNTS_DDL))
    dead_letter_topic = await create_topic(kafka_servers, partitions=1)
    suffix = uuid.uuid4().hex[:8]
    reports, refs = f"replay-reports-{suffix}", f"replay-refs-{suffix}"
    stream = uuid.uuid4()
    await _publish(
        kafka_servers,
        topic,
        [
            _message(stream, 1, CounterIncremented(amount=1)),
            _message(stream, 2, BonusAwarded(amount=5)),
            _message(stream, 3, CounterIncremented(amount=2)),
        ],
    )

    def runner(name: str, registry: EventRegistry) -> ConsumerRunner:
        return ConsumerRunner(
            engine,
            projection=AmountsProjection(name=name, topics=[topic]),
            registry=registry,
            bootstrap_servers=kafka_servers,
            dead_letter_topic=dead_letter_topic,
            retry_backoff=0.2,
        )

    async def state() -> dict[str, object]:
        return {
            "amounts": await _rows(
                engine, "SELECT consumer, amount FROM replay_for_amounts ORDER BY 1, 2"
            ),
            "processed": await _rows(
                engine, "SELECT consumer, count(*) FROM processed_events GROUP BY 1 ORDER BY 1"
            ),
            "dead letters": await _rows(
                engine, "SELECT consumer, count(*) FROM dead_letters GROUP BY 1 ORDER BY 1"
            ),
        }

    dsn = ["--database-url", engine.url.render_as_string(hide_password=False), "--schema", schema]
    broker = ["--bootstrap-servers", kafka_servers]
    async with running(runner(refs, registry_before_fix())):  # refs is never fixed here
        async with running(runner(reports, registry_before_fix())):
            await eventually(
                lambda: _is(_scalar(engine, "SELECT count(*) FROM dead_letters"), 2),
                what="both consumers dead-letter the bonus",
            )
            await eventually(lambda: _caught_up(kafka_servers, reports, topic), what="reports")
        letter = await _scalar(
            engine, "SELECT id FROM dead_letters WHERE consumer = :c", {"c": reports}
        )

        async with running(runner(reports, registry_after_fix())):
            replayed = await pmoctl(
                "dlq", "replay", str(letter), "--into-projection", reports, *dsn, *broker
            )
            assert f"1 dead letter(s) replayed into {reports}" in replayed
            await eventually(lambda: _caught_up(kafka_servers, reports, topic), what="reports")
            await eventually(lambda: _caught_up(kafka_servers, refs, topic), what="refs")
            after_replay = await state()
            assert after_replay == {
                "amounts": [(refs, 1), (refs, 2), (reports, 1), (reports, 2), (reports, 5)],
                "processed": [(refs, 2), (reports, 3)],
                "dead letters": [(refs, 1), (reports, 1)],  # refs did not refuse it again
            }
            listing = await pmoctl("dlq", "list", *dsn)
            assert "2 dead letter(s), 1 open" in listing

            await pmoctl("dlq", "replay", str(letter), "--into-projection", reports, *dsn, *broker)
            await eventually(lambda: _caught_up(kafka_servers, reports, topic), what="reports")
            await eventually(lambda: _caught_up(kafka_servers, refs, topic), what="refs")
            assert await state() == after_replay


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
    assert process.returncode == 0, f"pmoctl {' '.join(args)}: {out.decode()}{err.decode()}"
    return out.decode()


class running:  # noqa: N801 - reads as a context phrase
    """Runs a consumer in this process for the duration of an `async with`."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        self.task = asyncio.create_task(self.runner.run(self.stop))

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout=30)


def _message(stream: uuid.UUID, version: int, event: DomainEvent) -> cloudevents.KafkaMessage:
    return cloudevents.encode(
        EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=event.event_type,
            schema_version=event.schema_version,
            stream_type="counter",
            stream_id=stream,
            stream_version=version,
            occurred_at=datetime.now(UTC),
            payload=event.model_dump(mode="json"),
            **METADATA.model_dump(),
        )
    )


async def _publish(servers: str, topic: str, messages: list[cloudevents.KafkaMessage]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        for m in messages:
            await producer.send_and_wait(topic, value=m.value, key=m.key, headers=m.headers)
    finally:
        await producer.stop()


async def _caught_up(servers: str, group: str, topic: str) -> bool:
    """Whether `group` has committed every message on `topic` so far."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    probe = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None)
    await admin.start()
    await probe.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        described = await admin.describe_topics([topic])
        partitions = [
            TopicPartition(topic, p["partition"]) for t in described for p in t["partitions"]
        ]
        ends = await probe.end_offsets(partitions)
    finally:
        await probe.stop()
        await admin.close()
    done = {tp: meta.offset for tp, meta in committed.items()}
    return bool(ends) and all(done.get(tp, 0) >= end for tp, end in ends.items())


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(sql))]


async def _scalar(engine: AsyncEngine, sql: str, params: dict[str, object] | None = None) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql), params or {})).scalar_one())


async def _is(value: Awaitable[object], expected: object) -> bool:
    return await value == expected
