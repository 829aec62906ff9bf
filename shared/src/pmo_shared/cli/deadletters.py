"""What `pmoctl dlq` reads and does: a service schema's dead letters, the original message of
each (read back from its topic, where events are kept forever), and their replay.

A replay re-publishes the original message onto its topic, where the consumer that refused it
meets it again (its other consumers skip it: they processed it, and `processed_events` says
so). A message its projection refused was recorded as processed by that consumer all the same
(the record commits with the batch, the refused change rolls back to its savepoint), so the
replay first removes that one record: the one naming the dead letter's own topic, partition and
offset, which can only be the refused attempt's. A second replay finds nothing to remove and
the consumer skips the message as processed: replays are idempotent.

A replay *into one projection* also names that consumer in the message's `pmo_replay_for`
header, and every other consumer of the topic, in any service, steps past it unseen (see
`is_for` in `pmo_shared.messaging.consumer`): projections that may not have the fix never meet
it. Replay headers the re-published message already carried (it may itself have been a replay)
are dropped first: a replay goes where its command line says.

Nothing is stored about a replay beyond its effect: a dead letter is *resolved* once its
consumer has processed its event from another message (the replay, or a redelivery), which is
what an operator needs to know, and it stays true whoever fixed it and however. (A message
refused again is recorded as processed at its new offset too, and dead-lettered there: that
record does not count.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging.consumer import REPLAY_FOR_HEADER
from pmo_shared.messaging.kafka import Kafka, create_producer, options_of

REPLAY_HEADER = "pmo_replay_of"
"""Added to a replayed message: `<schema>/<dead letter id>`, for people reading the topic."""

_COLUMNS = """
    d.id, d.consumer, d.topic, d.partition, d."offset", d.event_id, d.event_type, d.reason,
    d.recorded_at,
    EXISTS (
        SELECT 1 FROM processed_events p
        WHERE p.consumer = d.consumer AND p.event_id::text = d.event_id
          AND NOT EXISTS (
              SELECT 1 FROM dead_letters again
              WHERE again.consumer = p.consumer AND (again.topic, again.partition,
                    again."offset") = (p.topic, p.partition, p."offset"))
    ) AS resolved
"""

_LIST = text(
    f"""
    SELECT {_COLUMNS} FROM dead_letters d
    WHERE (CAST(:consumer AS text) IS NULL OR d.consumer = :consumer)
      AND (CAST(:reason AS text) IS NULL OR strpos(lower(d.reason), lower(:reason)) > 0)
      AND (CAST(:since AS timestamptz) IS NULL OR d.recorded_at >= :since)
    ORDER BY d.id
    LIMIT :limit
    """  # noqa: S608 - a constant column list
)

_ONE = text(f"SELECT {_COLUMNS} FROM dead_letters d WHERE d.id = :id")  # noqa: S608

_FORGET_REFUSED_ATTEMPT = text(
    """
    DELETE FROM processed_events
    WHERE consumer = :consumer AND event_id::text = :event_id
      AND topic = :topic AND partition = :partition AND "offset" = :offset
    """
)


class DeadLetterError(Exception):
    """A dead letter that is not there, or whose message cannot be read back (says which)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Which dead letters: of one consumer, with a reason containing some text, since when."""

    consumer: str | None = None
    reason: str | None = None
    since: datetime | None = None
    limit: int = 1000


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """One recorded dead letter, and whether its consumer has processed its event since."""

    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    event_id: str | None
    event_type: str | None
    reason: str
    recorded_at: datetime
    resolved: bool


@dataclass(frozen=True, slots=True)
class OriginalMessage:
    """The message as it was consumed: key, value and headers."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Replayed:
    """Where a replay put a dead letter's message, and whether a refused attempt was forgotten."""

    letter: DeadLetterRow
    partition: int
    offset: int
    reopened: bool


async def list_letters(engine: AsyncEngine, filters: Filters) -> list[DeadLetterRow]:
    """The schema's dead letters that match, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            _LIST,
            {
                "consumer": filters.consumer,
                "reason": filters.reason,
                "since": filters.since,
                "limit": filters.limit,
            },
        )
        return [DeadLetterRow(*row) for row in rows]


async def get_letter(engine: AsyncEngine, letter_id: int) -> DeadLetterRow:
    """One dead letter by its id."""
    async with engine.connect() as conn:
        row = (await conn.execute(_ONE, {"id": letter_id})).first()
    if row is None:
        raise DeadLetterError(f"no dead letter {letter_id} in this schema")
    return DeadLetterRow(*row)


async def read_original(
    servers: Kafka, letter: DeadLetterRow, *, timeout: float = 10.0
) -> OriginalMessage:
    """The dead letter's message, read back from its topic at its partition and offset."""
    tp = TopicPartition(letter.topic, letter.partition)
    consumer = AIOKafkaConsumer(
        **options_of(servers),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        first = (await consumer.beginning_offsets([tp]))[tp]
        if letter.offset < first:
            raise DeadLetterError(f"{_where(letter)} is no longer on its topic (starts at {first})")
        consumer.seek(tp, letter.offset)
        batch = await consumer.getmany(tp, timeout_ms=int(timeout * 1000), max_records=1)
        records = [r for r in batch.get(tp, []) if r.offset == letter.offset]
    finally:
        await consumer.stop()
    if not records:
        raise DeadLetterError(f"{_where(letter)} could not be read back within {timeout:g} s")
    record = records[0]
    return OriginalMessage(record.key, record.value, [(k, bytes(v)) for k, v in record.headers])


def replay_headers(
    original: Sequence[tuple[str, bytes]], *, replay_of: str, into: str | None = None
) -> list[tuple[str, bytes]]:
    """A replayed message's headers: the original's, without replay headers of its own, then
    `pmo_replay_of` and, for a replay into one projection, `pmo_replay_for`."""
    kept = [(k, v) for k, v in original if k not in (REPLAY_HEADER, REPLAY_FOR_HEADER)]
    added = [(REPLAY_HEADER, replay_of.encode())]
    if into is not None:
        added.append((REPLAY_FOR_HEADER, into.encode()))
    return [*kept, *added]


async def replay(
    engine: AsyncEngine,
    servers: Kafka,
    letters: Sequence[DeadLetterRow],
    *,
    schema: str,
    into: str | None = None,
) -> list[Replayed]:
    """Re-publish each letter's original message onto its topic, after forgetting the attempt
    its consumer refused (see the module's docstring), for every consumer of the topic or, with
    `into`, for that one only (each letter must be its); returns where each one went."""
    for letter in letters:
        if into is not None and letter.consumer != into:
            raise DeadLetterError(f"{_where(letter)} is {letter.consumer}'s, not {into}'s")
    originals = [await read_original(servers, letter) for letter in letters]
    producer = create_producer(servers, client_id="pmoctl-dlq-replay")
    await producer.start()
    try:
        done = []
        for letter, original in zip(letters, originals, strict=True):
            reopened = await _forget_refused_attempt(engine, letter)
            headers = replay_headers(original.headers, replay_of=f"{schema}/{letter.id}", into=into)
            sent = await producer.send_and_wait(
                letter.topic, value=original.value, key=original.key, headers=headers
            )
            done.append(Replayed(letter, int(sent.partition), int(sent.offset), reopened))
        return done
    finally:
        await producer.stop()


async def _forget_refused_attempt(engine: AsyncEngine, letter: DeadLetterRow) -> bool:
    if letter.event_id is None:  # not even an envelope: nothing was recorded as processed
        return False
    async with engine.begin() as conn:
        result = await conn.execute(
            _FORGET_REFUSED_ATTEMPT,
            {
                "consumer": letter.consumer,
                "event_id": letter.event_id,
                "topic": letter.topic,
                "partition": letter.partition,
                "offset": letter.offset,
            },
        )
    return bool(result.rowcount)


def _where(letter: DeadLetterRow) -> str:
    return f"dead letter {letter.id} ({letter.topic}[{letter.partition}]@{letter.offset})"
