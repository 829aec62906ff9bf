"""The erasure ledger on the real Kafka of the test stack: after a restore from a backup made
before an erasure, replaying the privacy topic erases the person again, once, and the process is
not ready until it has (pmo_shared.privacy.ledger)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.domain.events import (
    DATA_SUBJECT_STREAM,
    DataSubjectErased,
    DomainEvent,
    EventEnvelope,
    EventMetadata,
)
from pmo_shared.eventstore import store
from pmo_shared.messaging import cloudevents
from pmo_shared.privacy import subjects
from pmo_shared.privacy.fields import ERASED, PersonalUserId
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.privacy.ledger import ErasureLedger

from .kit import create_topic

pytestmark = pytest.mark.integration

KeyStores = Callable[..., KeyStore]
DAVE = "dave@example.org"
ERIN = "erin@example.org"
PM = "pm@example.org"


class ShiftAssigned(DomainEvent):
    event_type = "ShiftAssigned"
    who: PersonalUserId


def _metadata(actor: str = PM) -> EventMetadata:
    return EventMetadata(tenant_id="t1", actor=actor, correlation_id=f"corr-{uuid.uuid4()}")


async def _assign(engine: AsyncEngine, keys: KeyStore, user: str) -> uuid.UUID:
    """A stream naming `user`; the user's live subject."""
    stream = uuid.uuid4()
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="shift",
            stream_id=stream,
            expected_version=0,
            events=[ShiftAssigned(who=user)],
            metadata=_metadata(),
            keys=keys,
        )
        ref = await keys.lookup(conn, "t1", user)
    assert ref is not None
    return ref


def _erasure(ref: uuid.UUID, erasure_id: uuid.UUID, *, tenant: str = "t1") -> EventEnvelope:
    """The audit event of an erasure, as the relay publishes it."""
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=DataSubjectErased.event_type,
        schema_version=1,
        stream_type=DATA_SUBJECT_STREAM,
        stream_id=ref,
        stream_version=1,
        occurred_at=datetime.now(UTC),
        tenant_id=tenant,
        actor=str(uuid.uuid4()),
        correlation_id="corr-erasure",
        causation_id=None,
        payload=DataSubjectErased(
            subject_ref=ref, erasure_id=erasure_id, streams_marked=1
        ).model_dump(mode="json"),
    )


async def _publish(servers: str, topic: str, *messages: EventEnvelope | bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        for message in messages:
            if isinstance(message, bytes):  # not a CloudEvent at all
                await producer.send_and_wait(topic, message)
                continue
            encoded = cloudevents.encode(message)
            await producer.send_and_wait(
                topic, encoded.value, key=encoded.key, headers=encoded.headers
            )
    finally:
        await producer.stop()


async def _subject(engine: AsyncEngine, ref: uuid.UUID) -> Any:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT * FROM data_subjects WHERE subject_ref = :r"), {"r": ref}
            )
        ).one()


async def _events(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT stream_type, stream_id, event_type, payload::text AS payload "
                "FROM events ORDER BY position"
            )
        )
        return list(result.all())


def _ledger(engine: AsyncEngine, keys: KeyStore, servers: str, topic: str) -> ErasureLedger:
    return ErasureLedger(
        engine,
        keys,
        bootstrap_servers=servers,
        service="ledger-test",
        topic=topic,
        retry_seconds=0.1,
    )


async def test_replay_erases_again_whom_the_store_still_holds_and_only_once(
    engine: AsyncEngine, key_stores: KeyStores, kafka_servers: str
) -> None:
    keys = key_stores()
    topic = await create_topic(kafka_servers, partitions=3)
    dave = await _assign(engine, keys, DAVE)  # restored: live again
    erin = await _assign(engine, keys, ERIN)  # never erased
    erasure_id = uuid.uuid4()
    another = _erasure(dave, uuid.uuid4())
    another = another.model_copy(update={"event_type": "ShiftAssigned", "payload": {"who": "x"}})
    await _publish(
        kafka_servers,
        topic,
        b"not a cloud event",
        another,  # another kind of event
        _erasure(uuid.uuid4(), uuid.uuid4()),  # a subject of another service
        _erasure(dave, uuid.uuid4(), tenant="t2"),  # the pseudonym, but not in this tenant
        _erasure(dave, erasure_id),
    )
    ledger = _ledger(engine, key_stores(), kafka_servers, topic)

    assert await asyncio.wait_for(ledger.replay(), timeout=60) == 1

    row = await _subject(engine, dave)
    assert row.erased_at is not None
    assert (row.lookup, row.wrapped_key, row.sealed_user_id) == (None, None, None)
    assert row.erasure_id == erasure_id  # the erasure's own id, not a new one
    assert (await _subject(engine, erin)).erased_at is None
    stored = await _events(engine)
    audit = [e for e in stored if e.stream_type == DATA_SUBJECT_STREAM]
    assert [(e.stream_id, e.event_type) for e in audit] == [(dave, "DataSubjectErased")]
    assert orjson.loads(audit[0].payload) == {
        "subject_ref": str(dave),
        "erasure_id": str(erasure_id),
        "streams_marked": 1,
        "reapplied": True,
    }
    marks = [e for e in stored if e.event_type == "PersonalDataErased"]
    assert len(marks) == 1
    assert orjson.loads(marks[0].payload)["erasure_id"] == str(erasure_id)
    async with engine.connect() as conn:
        shift = await store.read_stream(
            conn, stream_id=marks[0].stream_id, tenant_id="t1", keys=keys
        )
    assert shift[0].envelope.payload == {"who": ERASED}

    assert await asyncio.wait_for(ledger.replay(), timeout=60) == 0
    assert await _events(engine) == stored
    assert ledger.reapplied == 1


async def test_an_erasure_the_store_already_shows_is_not_applied_again(
    engine: AsyncEngine, key_stores: KeyStores, kafka_servers: str
) -> None:
    keys = key_stores()
    topic = await create_topic(kafka_servers, partitions=1)
    await _assign(engine, keys, DAVE)
    await subjects.erase(engine, keys, user_id=DAVE, metadata=_metadata())
    async with engine.connect() as conn:  # what the relay would publish, as it is stored
        queued = await store.read_outbox_batch(conn, limit=100)
    published = [r.envelope for r in queued if r.envelope.event_type == "DataSubjectErased"]
    assert len(published) == 1
    await _publish(kafka_servers, topic, *published)
    before = await _events(engine)

    ledger = _ledger(engine, key_stores(), kafka_servers, topic)
    assert await asyncio.wait_for(ledger.replay(), timeout=60) == 0
    assert await _events(engine) == before


async def test_the_process_is_ready_only_once_the_ledger_was_replayed(
    engine: AsyncEngine, key_stores: KeyStores, kafka_servers: str
) -> None:
    keys = key_stores()
    topic = await create_topic(kafka_servers, partitions=2)
    dave = await _assign(engine, keys, DAVE)
    await _publish(kafka_servers, topic, _erasure(dave, uuid.uuid4()))
    ledger = _ledger(engine, keys, kafka_servers, topic)
    with pytest.raises(RuntimeError, match="not been replayed"):
        await ledger.check_ready()

    stop = asyncio.Event()
    running = asyncio.create_task(ledger.run(stop))
    try:
        await asyncio.wait_for(ledger.replayed.wait(), timeout=60)
        await ledger.check_ready()
        assert ledger.reapplied == 1
        assert (await _subject(engine, dave)).erased_at is not None
        assert not running.done()  # it idles until stopped
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)


async def test_an_empty_ledger_replays_at_once(
    engine: AsyncEngine, key_stores: KeyStores, kafka_servers: str
) -> None:
    topic = await create_topic(kafka_servers, partitions=2)
    ledger = _ledger(engine, key_stores(), kafka_servers, topic)
    assert await asyncio.wait_for(ledger.replay(), timeout=30) == 0


async def test_a_missing_topic_fails_the_replay_and_leaves_the_process_not_ready(
    engine: AsyncEngine, key_stores: KeyStores, kafka_servers: str
) -> None:
    ledger = _ledger(engine, key_stores(), kafka_servers, f"test.missing-{uuid.uuid4().hex}")
    with pytest.raises(RuntimeError, match="does not exist"):
        await asyncio.wait_for(ledger.replay(), timeout=30)
    with pytest.raises(RuntimeError, match="not been replayed"):
        await ledger.check_ready()


async def test_replay_reads_past_transaction_markers_and_skips_aborted_erasures(
    engine: AsyncEngine, key_stores: KeyStores, kafka_servers: str
) -> None:
    keys = key_stores()
    topic = await create_topic(kafka_servers, partitions=1)
    dave, erin = await _assign(engine, keys, DAVE), await _assign(engine, keys, ERIN)
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_servers, transactional_id=f"ledger-test-{uuid.uuid4()}"
    )
    await producer.start()
    try:
        for ref, commit in ((erin, False), (dave, True)):
            encoded = cloudevents.encode(_erasure(ref, uuid.uuid4()))
            await producer.begin_transaction()
            await producer.send_and_wait(
                topic, encoded.value, key=encoded.key, headers=encoded.headers
            )
            if commit:
                await producer.commit_transaction()
            else:
                await producer.abort_transaction()
    finally:
        await producer.stop()

    ledger = _ledger(engine, key_stores(), kafka_servers, topic)
    assert await asyncio.wait_for(ledger.replay(), timeout=60) == 1
    assert (await _subject(engine, dave)).erased_at is not None
    assert (await _subject(engine, erin)).erased_at is None
