"""The consumer runner: applies Kafka events to read models exactly once per event.

Each polled batch is applied in ONE database transaction together with the record of the
events it processed (`processed_events`, keyed by consumer and event id), and the Kafka offsets
are committed only after that transaction. A crash between the two redelivers the batch, and the
processed-event records turn the redelivery into a no-op; the same records absorb duplicates the
outbox relay may publish after its own crash.

While a batch is being written, the next one is fetched and decoded (the decoding, in slices,
runs while the batch's statements are in PostgreSQL): its records follow the batch's on every
partition, and it is applied only after the batch has committed, so per-partition order holds.
A prefetched batch from before a rebalance is dropped unapplied: the new assignment starts every
partition again from its committed offset.

A message that cannot be processed (not a CloudEvent, unknown type or version, invalid payload,
or a projection that rejects it) is sent to the dead-letter topic with the reason in its headers,
recorded in `dead_letters`, and the consumer moves on.

A message replayed from the dead letters for one consumer only (`pmoctl dlq replay
--into-projection`) names it in its `pmo_replay_for` header: every other consumer of the topic
steps past it without a trace (no processed record, no dead letter), whatever it would have made
of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.database.errors import sqlstate
from pmo_shared.domain.events import (
    DomainEvent,
    EventEnvelope,
    EventRegistry,
    InvalidEventError,
    UnknownEventError,
)
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.deadletters import (
    ConsumedMessage,
    DeadLetter,
    DeadLetterProducer,
    DeadLetterSink,
)
from pmo_shared.messaging.kafka import Kafka, create_consumer, create_producer
from pmo_shared.tasks import wait_any
from pmo_shared.telemetry import metrics
from pmo_shared.telemetry.logs import correlation_scope

log = structlog.get_logger(__name__)

REPLAY_FOR_HEADER = "pmo_replay_for"
"""On a replayed message meant for one consumer only: that consumer's name."""


def is_for(message: ConsumedMessage, consumer: str) -> bool:
    """Whether `consumer` is to process the message: any message, unless it is a replay meant
    for another consumer (the last `pmo_replay_for` header decides)."""
    meant_for = [value for name, value in message.headers or () if name == REPLAY_FOR_HEADER]
    return not meant_for or meant_for[-1] == consumer.encode()


class Projection(Protocol):
    """A read model fed by events. `apply` and `flush` run inside the batch's transaction.

    `apply` may write directly, or only buffer its writes: `flush` then writes them in bulk
    before the batch commits (the fast path for rebuilds), and `reset` drops what a failed
    attempt buffered. When a batch has to be retried event by event, `flush` follows every
    `apply`. A projection that writes directly implements `flush` and `reset` as no-ops.
    """

    name: str
    topics: Sequence[str]

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Apply one event, or buffer its writes."""

    async def flush(self, conn: AsyncConnection) -> None:
        """Write what `apply` buffered since the last `flush` or `reset`."""

    def reset(self) -> None:
        """Drop what `apply` buffered since the last `flush`."""


_Batches = dict[TopicPartition, list[ConsumedMessage]]
_DECODE_SLICE = 200  # messages decoded between two turns of the event loop


@dataclass(slots=True)
class _Decoded:
    message: ConsumedMessage
    envelope: EventEnvelope | None = None
    event: DomainEvent | None = None
    reason: str | None = None


@dataclass(slots=True)
class _Fetched:
    batches: _Batches
    decoded: list[_Decoded]
    epoch: int  # the runner's rebalance count when the fetch began


@dataclass(slots=True)
class _Outcome:
    applied: int = 0
    duplicates: int = 0
    dead: list[_Decoded] = field(default_factory=list)


class _ApplyFailedError(Exception):
    def __init__(self, item: _Decoded | None, cause: Exception) -> None:
        super().__init__(str(cause))
        self.item = item
        self.cause = cause


_MARK_PROCESSED = text(
    """
    INSERT INTO processed_events (consumer, event_id, topic, partition, "offset")
    SELECT :consumer, e.event_id, e.topic, e.partition, e.off
    FROM unnest(CAST(:ids AS uuid[]), CAST(:topics AS text[]), CAST(:partitions AS integer[]),
                CAST(:offsets AS bigint[])) AS e(event_id, topic, partition, off)
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)


# SQLSTATEs of failures that say nothing about the event: retrying the batch may succeed.
_TRANSIENT_CLASSES = ("08", "40", "53", "57")  # connection, rollback/deadlock, resources, operator
_TRANSIENT_STATES = frozenset({"55P03"})  # lock not available


def is_transient(exc: BaseException) -> bool:
    """Whether a projection's failure is the database's passing trouble (deadlock, lock or
    statement timeout, lost connection), not a verdict on the event."""
    state = sqlstate(exc) if isinstance(exc, DBAPIError) else None
    if state is None:
        return isinstance(exc, ConnectionError | TimeoutError)
    return state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT_STATES


class ConsumerRunner:
    """Runs one projection as a member of its consumer group until stopped."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        projection: Projection,
        registry: EventRegistry,
        bootstrap_servers: Kafka,
        dead_letter_topic: str,
        group_id: str | None = None,
        max_batch: int = 500,
        retry_backoff: float = 1.0,
        after_db_commit: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._engine = engine
        self._projection = projection
        self._registry = registry
        self._bootstrap_servers = bootstrap_servers
        self._dead_letters = DeadLetterSink(consumer=projection.name, topic=dead_letter_topic)
        self._group_id = group_id or projection.name
        self._max_batch = max_batch
        self._retry_backoff = retry_backoff
        self._after_db_commit = after_db_commit
        self._batch_lock = asyncio.Lock()
        self._epoch = 0  # rebalances seen: a batch fetched before one is stale
        self._consumed: dict[TopicPartition, int] = {}
        self.consumer: AIOKafkaConsumer | None = None

    @property
    def name(self) -> str:
        """The consumer's name, used in its tracking records and metrics."""
        return self._projection.name

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, reconnecting after failures."""
        while not stop.is_set():
            try:
                await self._consume(stop)
            except Exception:
                log.exception("consumer.failed", consumer=self.name)
                await wait_any(stop, timeout=self._retry_backoff)

    async def _consume(self, stop: asyncio.Event) -> None:
        consumer = create_consumer(
            self._bootstrap_servers,
            group_id=self._group_id,
            client_id=f"{self.name}-consumer",
            max_records=self._max_batch,
        )
        producer = create_producer(self._bootstrap_servers, client_id=f"{self.name}-dlq")
        listener = _WaitForBatch(self._batch_lock, self._revoked)
        consumer.subscribe(list(self._projection.topics), listener=listener)
        await consumer.start()
        await producer.start()
        self.consumer = consumer
        pending: asyncio.Task[_Fetched] | None = None
        try:
            while not stop.is_set():
                fetched = await (pending if pending is not None else self._fetch(consumer))
                pending = None
                # Before the batch too: one stuck behind an outage still shows its lag.
                self._record_lag(consumer)
                if fetched.batches:
                    async with self._batch_lock:
                        if fetched.epoch != self._epoch:
                            # Fetched across a rebalance: dropped, and read again from where
                            # it began (on a partition this member still holds; the others'
                            # new owners read them from the committed offsets).
                            _rewind(consumer, fetched.batches)
                        else:
                            # The next batch is fetched and decoded while this one is written.
                            pending = asyncio.create_task(self._fetch(consumer))
                            await self._handle(consumer, producer, fetched)
                self._record_lag(consumer)
        finally:
            self.consumer = None
            if pending is not None:  # never applied: read again from the committed offsets
                pending.cancel()
                await asyncio.wait([pending])
                if not pending.cancelled():
                    pending.exception()  # retrieved; it is dropped with its batch
            with contextlib.suppress(Exception):
                await consumer.stop()
            with contextlib.suppress(Exception):
                await producer.stop()

    def _revoked(self) -> None:
        self._epoch += 1

    async def _fetch(self, consumer: AIOKafkaConsumer) -> _Fetched:
        """The next batch, decoded in slices (the batch being written runs in between)."""
        epoch = self._epoch
        batches = await consumer.getmany(timeout_ms=200, max_records=self._max_batch)
        # A replay meant for another consumer is left out; its offset is committed all the same.
        messages = [
            m for tp in sorted(batches, key=str) for m in batches[tp] if is_for(m, self.name)
        ]
        decoded: list[_Decoded] = []
        for start in range(0, len(messages), _DECODE_SLICE):
            if start:
                await asyncio.sleep(0)
            decoded.extend(self._decode(m) for m in messages[start : start + _DECODE_SLICE])
        return _Fetched(batches, decoded, epoch)

    async def _handle(
        self, consumer: AIOKafkaConsumer, producer: DeadLetterProducer, fetched: _Fetched
    ) -> None:
        batches, decoded = fetched.batches, fetched.decoded
        with metrics.BATCH_SECONDS.labels(self.name).time():
            try:
                outcome = await self._apply_batch(decoded, producer, isolate=False)
            except _ApplyFailedError:
                # One event broke its projection: redo the batch with a savepoint per event so
                # only that event is dead-lettered and the rest still apply.
                outcome = await self._apply_batch(decoded, producer, isolate=True)
            except Exception:
                _rewind(consumer, batches)
                raise
        if self._after_db_commit is not None:
            await self._after_db_commit()
        await self._commit_offsets(consumer, batches)
        metrics.EVENTS_CONSUMED.labels(self.name).inc(outcome.applied)
        metrics.EVENTS_DUPLICATE.labels(self.name).inc(outcome.duplicates)
        metrics.DEAD_LETTERS.labels(self.name).inc(len(outcome.dead))

    def _decode(self, message: ConsumedMessage) -> _Decoded:
        item = _Decoded(message=message)
        try:
            item.envelope = cloudevents.decode(message.value, message.headers)
            item.event = self._registry.decode_envelope(item.envelope)
        except (InvalidEventError, UnknownEventError) as exc:
            item.reason = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # whatever a message holds, it must not stop its partition
            log.warning("consumer.undecodable", consumer=self.name, error=repr(exc))
            item.reason = f"InvalidEventError: undecodable message: {exc!r}"
        return item

    async def _apply_batch(
        self, items: list[_Decoded], producer: DeadLetterProducer, *, isolate: bool
    ) -> _Outcome:
        outcome = _Outcome(dead=[i for i in items if i.reason is not None])
        self._projection.reset()
        async with self._engine.begin() as conn:
            fresh = await self._mark_processed(conn, [i for i in items if i.reason is None])
            for item in items:
                if item.reason is not None:
                    continue
                assert item.envelope is not None
                if item.envelope.event_id not in fresh:
                    outcome.duplicates += 1
                    continue
                fresh.discard(item.envelope.event_id)  # a batch may hold the same event twice
                if await self._apply_one(conn, item, isolate=isolate):
                    outcome.applied += 1
                else:
                    outcome.dead.append(item)
            if not isolate:
                await self._flush_batch(conn)
            letters = [
                DeadLetter(i.message, i.envelope, i.reason or "unknown") for i in outcome.dead
            ]
            await self._dead_letters.record(conn, letters)
            # Dead letters go out before the commit: a crash in between re-sends them (a
            # duplicate in the dead-letter topic) rather than losing them.
            await self._dead_letters.publish(producer, letters)
        return outcome

    async def _apply_one(self, conn: AsyncConnection, item: _Decoded, *, isolate: bool) -> bool:
        assert item.envelope is not None
        assert item.event is not None
        if not isolate:
            try:
                with correlation_scope(item.envelope.correlation_id):
                    await self._projection.apply(conn, item.envelope, item.event)
            except Exception as exc:
                raise _ApplyFailedError(item, exc) from exc
            return True
        self._projection.reset()
        try:
            async with conn.begin_nested():
                with correlation_scope(item.envelope.correlation_id):
                    await self._projection.apply(conn, item.envelope, item.event)
                    await self._projection.flush(conn)
        except Exception as exc:
            if is_transient(exc):
                raise  # the whole batch is retried: the event is not the problem
            log.warning("consumer.apply_failed", consumer=self.name, error=str(exc))
            item.reason = f"{type(exc).__name__}: {exc}"
            return False
        return True

    async def _flush_batch(self, conn: AsyncConnection) -> None:
        try:
            await self._projection.flush(conn)
        except Exception as exc:
            # A bulk write cannot say which event broke it: retry the batch event by event.
            raise _ApplyFailedError(None, exc) from exc

    async def _mark_processed(self, conn: AsyncConnection, items: list[_Decoded]) -> set[UUID]:
        if not items:
            return set()
        envelopes = [i.envelope for i in items if i.envelope is not None]
        rows = await conn.execute(
            _MARK_PROCESSED,
            {
                "consumer": self.name,
                "ids": [e.event_id for e in envelopes],
                "topics": [i.message.topic for i in items],
                "partitions": [i.message.partition for i in items],
                "offsets": [i.message.offset for i in items],
            },
        )
        return {row[0] for row in rows}

    async def _commit_offsets(self, consumer: AIOKafkaConsumer, batches: _Batches) -> None:
        offsets = {tp: msgs[-1].offset + 1 for tp, msgs in batches.items() if msgs}
        self._consumed.update(offsets)
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # The partitions moved to another member during the batch; it will see the batch
            # again and skip it through the processed-event records.
            log.warning("consumer.commit_failed", consumer=self.name, error=str(exc))

    def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            consumed = self._consumed.get(tp)
            if highwater is not None and consumed is not None:
                lag = max(highwater - consumed, 0)
                metrics.CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(lag)


def _rewind(consumer: AIOKafkaConsumer, batches: _Batches) -> None:
    for tp, msgs in batches.items():
        if msgs:
            with contextlib.suppress(IllegalStateError):
                consumer.seek(tp, msgs[0].offset)


class _WaitForBatch(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets a rebalance wait for the batch in flight, so its offsets are committed first, and
    tells the runner (`on_revoked`) that a batch fetched before now is stale."""

    def __init__(self, lock: asyncio.Lock, on_revoked: Callable[[], None]) -> None:
        self._lock = lock
        self._on_revoked = on_revoked

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self._lock:
            self._on_revoked()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None
