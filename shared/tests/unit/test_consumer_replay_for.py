"""A replay into one projection without a stack: the headers `pmoctl dlq replay` puts on it,
which consumer processes it (`is_for`), the runner stepping past a replay meant for another
consumer while committing its offset, and the command line refusing a letter of another
consumer before it touches anything."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from typer.testing import CliRunner

from pmo_shared.cli.app import app
from pmo_shared.cli.deadletters import (
    REPLAY_HEADER,
    DeadLetterError,
    DeadLetterRow,
    replay,
    replay_headers,
)
from pmo_shared.domain.events import (
    DomainEvent,
    EventEnvelope,
    EventMetadata,
    EventRegistry,
)
from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.consumer import REPLAY_FOR_HEADER, ConsumerRunner, is_for

NOWHERE = "postgresql://postgres@127.0.0.1:1/pmo"  # nothing listens on port 1
TOPIC = "pmo.unit.events"
registry = EventRegistry()


@registry.register
class TallyCounted(DomainEvent):
    event_type = "UnitTallyCounted"
    amount: int


@dataclass(frozen=True, slots=True)
class Record:
    """A consumed record, as aiokafka hands it over."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


def test_a_message_without_a_replay_for_header_is_for_every_consumer() -> None:
    plain = _record(0, headers=[("ce_type", b"UnitTallyCounted")])

    assert is_for(plain, "reports")
    assert is_for(plain, "refs")


def test_a_replay_for_one_consumer_is_for_that_one_only() -> None:
    replayed = _record(0, headers=[(REPLAY_HEADER, b"s/1"), (REPLAY_FOR_HEADER, b"reports")])

    assert is_for(replayed, "reports")
    assert not is_for(replayed, "refs")
    assert not is_for(replayed, "report")  # the whole name, not a prefix


def test_the_last_replay_for_header_decides() -> None:
    twice = _record(0, headers=[(REPLAY_FOR_HEADER, b"refs"), (REPLAY_FOR_HEADER, b"reports")])

    assert is_for(twice, "reports")
    assert not is_for(twice, "refs")


def test_replay_headers_keep_the_original_and_say_what_the_replay_is() -> None:
    original = [("ce_type", b"UnitTallyCounted"), ("ce_id", b"e-1")]

    assert replay_headers(original, replay_of="project/7") == [
        *original,
        (REPLAY_HEADER, b"project/7"),
    ]
    assert replay_headers(original, replay_of="project/7", into="reports") == [
        *original,
        (REPLAY_HEADER, b"project/7"),
        (REPLAY_FOR_HEADER, b"reports"),
    ]


def test_replay_headers_drop_those_of_an_earlier_replay() -> None:
    earlier = [("ce_id", b"e-1"), (REPLAY_HEADER, b"project/3"), (REPLAY_FOR_HEADER, b"refs")]

    assert replay_headers(earlier, replay_of="project/9") == [
        ("ce_id", b"e-1"),
        (REPLAY_HEADER, b"project/9"),
    ]
    assert replay_headers(earlier, replay_of="project/9", into="reports") == [
        ("ce_id", b"e-1"),
        (REPLAY_HEADER, b"project/9"),
        (REPLAY_FOR_HEADER, b"reports"),
    ]


async def test_the_runner_steps_past_a_replay_for_another_consumer_and_commits_it() -> None:
    plain, mine, theirs = _event(1), _event(2), _event(4)
    batch = [
        _record(10, message=plain),
        _record(11, message=theirs, headers=[(REPLAY_FOR_HEADER, b"refs")]),
        _record(12, message=mine, headers=[(REPLAY_FOR_HEADER, b"reports")]),
    ]
    projection, engine, kafka = await _handle_one_batch("reports", batch)

    assert projection.amounts == [1, 2]
    assert engine.marked == [[plain.event_id, mine.event_id]]  # nothing recorded of theirs
    assert kafka.committed == [{TopicPartition(TOPIC, 0): 13}]  # past all three


async def test_a_batch_of_replays_for_others_only_commits_their_offsets() -> None:
    batch = [_record(5, message=_event(3), headers=[(REPLAY_FOR_HEADER, b"refs")])]
    projection, engine, kafka = await _handle_one_batch("reports", batch)

    assert projection.amounts == []
    assert engine.marked == []
    assert kafka.committed == [{TopicPartition(TOPIC, 0): 6}]


async def test_a_letter_of_another_consumer_is_not_replayed_into_a_projection() -> None:
    letter = _letter(consumer="refs")

    with pytest.raises(DeadLetterError, match="is refs's, not reports's"):
        # Refused before it reads the topic or the database (neither exists here).
        await replay(cast(AsyncEngine, None), "127.0.0.1:1", [letter], schema="s", into="reports")


def test_consumer_and_into_projection_must_agree() -> None:
    result = CliRunner().invoke(
        app,
        [
            "dlq",
            "replay",
            "--all",
            "--consumer",
            "refs",
            "--into-projection",
            "reports",
            "--database-url",
            NOWHERE,
            "--schema",
            "project",
        ],
    )

    assert result.exit_code == 2, result.output
    assert "name different consumers" in result.output


class Tally:
    """Remembers the amounts it applied, in order."""

    def __init__(self, *, name: str, topics: list[str]) -> None:
        self.name = name
        self.topics: Sequence[str] = topics
        self.amounts: list[int] = []

    async def apply(
        self, conn: AsyncConnection, envelope: EventEnvelope, event: DomainEvent
    ) -> None:
        """Remember the amount."""
        assert isinstance(event, TallyCounted)
        self.amounts.append(event.amount)

    async def flush(self, conn: AsyncConnection) -> None:
        """Nothing buffered."""

    def reset(self) -> None:
        """Nothing buffered."""


@dataclass
class FakeConnection:
    """Answers the processed-event insert as a fresh table does: every event id is new."""

    marked: list[list[uuid.UUID]]

    async def execute(self, statement: object, params: dict[str, Any]) -> list[tuple[Any]]:
        assert "processed_events" in str(statement), statement
        self.marked.append(list(params["ids"]))
        return [(event_id,) for event_id in params["ids"]]


@dataclass
class FakeEngine:
    """An engine whose transactions record the processed-event inserts."""

    marked: list[list[uuid.UUID]] = field(default_factory=list)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[FakeConnection]:
        yield FakeConnection(self.marked)


@dataclass
class FakeKafka:
    """Hands out one polled batch, then records the offsets committed."""

    polled: dict[TopicPartition, list[Record]] = field(default_factory=dict)
    committed: list[dict[TopicPartition, int]] = field(default_factory=list)

    async def getmany(
        self, *, timeout_ms: int, max_records: int
    ) -> dict[TopicPartition, list[Record]]:
        polled, self.polled = self.polled, {}
        return polled

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(dict(offsets))


class FakeProducer:
    """A dead-letter producer that must not be used."""

    async def send(
        self,
        topic: str,
        *,
        value: bytes | None,
        key: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> Awaitable[object]:
        raise AssertionError(f"nothing is dead-lettered here (sent to {topic})")


async def _handle_one_batch(
    consumer: str, batch: list[Record]
) -> tuple[Tally, FakeEngine, FakeKafka]:
    """What the runner of `consumer` does with one polled batch (no broker, no database)."""
    projection = Tally(name=consumer, topics=[TOPIC])
    engine = FakeEngine()
    kafka = FakeKafka(polled={TopicPartition(TOPIC, 0): list(batch)})
    runner = ConsumerRunner(
        cast(AsyncEngine, engine),
        projection=projection,
        registry=registry,
        bootstrap_servers="127.0.0.1:1",
        dead_letter_topic="pmo.dead-letter",
    )
    fetched = await runner._fetch(cast(AIOKafkaConsumer, kafka))
    await runner._handle(cast(AIOKafkaConsumer, kafka), FakeProducer(), fetched)
    return projection, engine, kafka


def _event(amount: int) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=TallyCounted.event_type,
        schema_version=TallyCounted.schema_version,
        stream_type="tally",
        stream_id=uuid.uuid4(),
        stream_version=1,
        occurred_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        payload={"amount": amount},
        **EventMetadata(tenant_id="t1", actor="tester", correlation_id="c-1").model_dump(),
    )


def _record(
    offset: int,
    *,
    message: EventEnvelope | None = None,
    headers: Sequence[tuple[str, bytes]] = (),
) -> Record:
    wire = cloudevents.encode(message or _event(1))
    return Record(TOPIC, 0, offset, wire.key, wire.value, [*wire.headers, *headers])


def _letter(*, consumer: str) -> DeadLetterRow:
    return DeadLetterRow(
        id=7,
        consumer=consumer,
        topic=TOPIC,
        partition=0,
        offset=41,
        event_id=str(uuid.uuid4()),
        event_type="UnitTallyCounted",
        reason="ValueError: refused",
        recorded_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        resolved=False,
    )
