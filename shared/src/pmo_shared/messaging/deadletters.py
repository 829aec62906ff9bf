"""Where a consumer puts what it cannot process: the dead-letter topic (with the reason in the
headers, for people and tools) and the `dead_letters` table (counted in the consumer's own
transaction, so a redelivered poison message is counted once)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.domain.events import EventEnvelope

log = structlog.get_logger(__name__)

_RECORD = text(
    """
    INSERT INTO dead_letters (consumer, topic, partition, "offset", event_id, event_type, reason)
    VALUES (:consumer, :topic, :partition, :offset, :event_id, :event_type, :reason)
    ON CONFLICT DO NOTHING
    """
)


class ConsumedMessage(Protocol):
    """What the kernel reads of a consumed Kafka record (aiokafka's `ConsumerRecord`, which
    ships no type hints)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class DeadLetterProducer(Protocol):
    """What the sink needs of a Kafka producer (aiokafka's `AIOKafkaProducer`): `send` queues
    the record and returns an awaitable that settles once the broker acknowledged it."""

    async def send(
        self,
        topic: str,
        *,
        value: bytes | None,
        key: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> Awaitable[object]: ...


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A consumed message that could not be processed, and why."""

    message: ConsumedMessage
    envelope: EventEnvelope | None
    reason: str


class DeadLetterSink:
    """Records and publishes one consumer's dead letters."""

    def __init__(self, *, consumer: str, topic: str) -> None:
        self._consumer = consumer
        self._topic = topic

    async def record(self, conn: AsyncConnection, letters: Sequence[DeadLetter]) -> None:
        """Count them in the consumer's transaction."""
        for letter in letters:
            message, envelope = letter.message, letter.envelope
            await conn.execute(
                _RECORD,
                {
                    "consumer": self._consumer,
                    "topic": message.topic,
                    "partition": message.partition,
                    "offset": message.offset,
                    "event_id": str(envelope.event_id) if envelope else None,
                    "event_type": envelope.event_type if envelope else None,
                    "reason": letter.reason,
                },
            )

    async def publish(self, producer: DeadLetterProducer, letters: Sequence[DeadLetter]) -> None:
        """Send them to the dead-letter topic, original key, value and headers kept."""
        acks: list[Awaitable[object]] = []
        for letter in letters:
            message = letter.message
            headers = [
                *(message.headers or ()),
                ("dlq_reason", letter.reason.encode()),
                ("dlq_consumer", self._consumer.encode()),
                ("dlq_topic", message.topic.encode()),
                ("dlq_partition", str(message.partition).encode()),
                ("dlq_offset", str(message.offset).encode()),
            ]
            acks.append(
                await producer.send(
                    self._topic, value=message.value, key=message.key, headers=headers
                )
            )
            log.warning("consumer.dead_letter", consumer=self._consumer, reason=letter.reason)
        await asyncio.gather(*acks)
