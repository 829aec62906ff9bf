"""The PostgreSQL event store: append with an expected version, read a stream, as of a time.

Appends and the transactional outbox are one SQL statement: the events are inserted only if the
stream is still at the expected version, and the same statement queues them for the relay. Two
writers racing on the same version both pass the version check, and the unique
`(stream_id, stream_version)` index lets exactly one of them commit; the other gets
`ConcurrencyError`. Writers on different streams never wait for each other (no table lock).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import orjson
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pmo_shared.database.errors import unique_violation
from pmo_shared.domain.errors import Refusal
from pmo_shared.domain.events import DomainEvent, EventEnvelope, EventMetadata, JsonDict
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.privacy.sealing import actor_of, data_keys, open_payload, seal_events
from pmo_shared.telemetry import metrics


class ConcurrencyError(Refusal):
    """The stream is not at the version the writer expected (409: reload and retry)."""

    status = 409
    code = "concurrency-conflict"
    title = "Concurrent modification"

    def problem_detail(self) -> str:
        """What the caller should do; the stream and version stay in the log."""
        return "The resource was changed by another request; reload it and retry."

    def __init__(self, stream_id: UUID, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} is not at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An envelope plus its global position in this service's store."""

    position: int
    envelope: EventEnvelope


class EventStore(Protocol):
    """One unit of work's view of a service's event store: what it appends becomes visible to
    others only when the unit of work commits. `PostgresEventStore` is the real one;
    `pmo_shared.eventstore.memory` has one in memory for unit tests, which passes the same
    test suite."""

    async def append(
        self,
        *,
        stream_type: str,
        stream_id: UUID,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: EventMetadata,
        occurred_at: datetime | None = None,
        ordering_id: UUID | None = None,
    ) -> list[RecordedEvent]:
        """Append `events` at `expected_version` (0 = a new stream); `ConcurrencyError` if
        the stream is elsewhere. `ordering_id`: the stream they are ordered with on Kafka."""
        ...

    async def read_stream(
        self,
        *,
        stream_id: UUID,
        tenant_id: str,
        as_of: datetime | None = None,
        after_version: int = 0,
    ) -> list[RecordedEvent]:
        """A stream's events in version order, only the tenant's, only those occurred by
        `as_of`, only those after `after_version`."""
        ...

    async def stream_version(self, *, stream_id: UUID) -> int:
        """The current version of a stream (0 when it has none)."""
        ...


_APPEND = text(
    """
    WITH current AS (
        SELECT coalesce(max(stream_version), 0) AS version FROM events WHERE stream_id = :stream_id
    ), inserted AS (
        INSERT INTO events (event_id, stream_type, stream_id, stream_version, event_type,
                            schema_version, occurred_at, tenant_id, actor, correlation_id,
                            causation_id, payload, ordering_id, subject_refs)
        SELECT e.event_id, :stream_type, :stream_id, :expected_version + e.n, e.event_type,
               e.schema_version, :occurred_at, :tenant_id, :actor, :correlation_id,
               :causation_id, e.payload::jsonb, :ordering_id, e.refs::uuid[]
        FROM unnest(CAST(:event_ids AS uuid[]), CAST(:event_types AS text[]),
                    CAST(:schema_versions AS integer[]), CAST(:payloads AS text[]),
                    CAST(:refs AS text[]))
             WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, refs, n),
             current
        WHERE current.version = :expected_version
          -- never seal with a subject erased since the writer learnt its key
          AND NOT EXISTS (SELECT 1 FROM data_subjects d
                          WHERE d.subject_ref = ANY(CAST(:all_refs AS uuid[]))
                            AND d.erased_at IS NOT NULL)
        ORDER BY e.n
        RETURNING position, stream_version
    ), queued AS (
        INSERT INTO outbox (position) SELECT position FROM inserted
    )
    SELECT position, stream_version FROM inserted ORDER BY stream_version
    """
)

_STREAM_VERSION_KEY = "events_stream_version_key"  # the unique (stream_id, stream_version)

_READ_STREAM = text(
    """
    SELECT position, event_id, event_type, schema_version, stream_type, stream_id,
           stream_version, occurred_at, tenant_id, actor, correlation_id, causation_id, payload,
           ordering_id, subject_refs
    FROM events
    WHERE stream_id = :stream_id AND tenant_id = :tenant_id AND stream_version > :after_version
      AND (CAST(:as_of AS timestamptz) IS NULL OR occurred_at <= CAST(:as_of AS timestamptz))
    ORDER BY stream_version
    """
)

_READ_OUTBOX = text(
    """
    SELECT e.position, e.event_id, e.event_type, e.schema_version, e.stream_type, e.stream_id,
           e.stream_version, e.occurred_at, e.tenant_id, e.actor, e.correlation_id,
           e.causation_id, e.payload, e.ordering_id
    FROM outbox o JOIN events e USING (position)
    ORDER BY o.position
    LIMIT :limit
    """
)


def _envelope(row: Any) -> RecordedEvent:
    payload = row.payload if isinstance(row.payload, dict) else orjson.loads(row.payload)
    return RecordedEvent(
        position=row.position,
        envelope=EventEnvelope(
            event_id=row.event_id,
            event_type=row.event_type,
            schema_version=row.schema_version,
            stream_type=row.stream_type,
            stream_id=row.stream_id,
            stream_version=row.stream_version,
            occurred_at=row.occurred_at,
            tenant_id=row.tenant_id,
            actor=row.actor,
            correlation_id=row.correlation_id,
            causation_id=row.causation_id,
            payload=payload,
            ordering_id=row.ordering_id,
        ),
    )


async def append(
    conn: AsyncConnection,
    *,
    stream_type: str,
    stream_id: UUID,
    expected_version: int,
    events: Sequence[DomainEvent],
    metadata: EventMetadata,
    occurred_at: datetime | None = None,
    ordering_id: UUID | None = None,
    keys: KeyStore | None = None,
) -> list[RecordedEvent]:
    """Append `events` to a stream at `expected_version` (0 = new stream), inside `conn`'s
    transaction, and queue them in the outbox. Raises `ConcurrencyError` on a stale version.
    With `keys`, personal fields and the actor are stored sealed (see `pmo_shared.privacy`);
    the recorded events returned hold them as given."""
    if not events:
        return []
    when = occurred_at or datetime.now(UTC)
    event_ids = [uuid.uuid4() for _ in events]
    payloads = [e.model_dump(mode="json") for e in events]
    for attempt in (1, 2):
        stored = await _stored_form(keys, events, payloads, metadata)
        params = {
            "stream_id": stream_id,
            "stream_type": stream_type,
            "expected_version": expected_version,
            "occurred_at": when,
            "tenant_id": metadata.tenant_id,
            "actor": stored.actor,
            "correlation_id": metadata.correlation_id,
            "causation_id": metadata.causation_id,
            "ordering_id": ordering_id,
            "event_ids": event_ids,
            "event_types": [e.event_type for e in events],
            "schema_versions": [e.schema_version for e in events],
            "payloads": [orjson.dumps(p).decode() for p in stored.payloads],
            "refs": stored.refs_text,
            "all_refs": stored.all_refs,
        }
        # No savepoint: a conflict aborts the caller's whole unit of work, which it needs.
        try:
            rows = (await conn.execute(_APPEND, params)).all()
        except IntegrityError as exc:
            if unique_violation(exc) == _STREAM_VERSION_KEY:
                metrics.APPEND_CONFLICTS.labels(stream_type).inc()
                raise ConcurrencyError(stream_id, expected_version) from exc
            raise
        if len(rows) == len(events):
            break
        if keys is not None and attempt == 1:
            erased = await keys.erased_among(conn, stored.all_refs)
            if erased:  # someone was erased since this writer learnt their key: seal anew
                keys.forget(erased)
                continue
        metrics.APPEND_CONFLICTS.labels(stream_type).inc()
        raise ConcurrencyError(stream_id, expected_version)
    for event in events:  # counted as appended; a rollback later is the caller's business
        metrics.EVENTS_APPENDED.labels(stream_type, event.event_type).inc()
    return [
        RecordedEvent(
            position=row.position,
            envelope=EventEnvelope(
                event_id=event_ids[i],
                event_type=events[i].event_type,
                schema_version=events[i].schema_version,
                stream_type=stream_type,
                stream_id=stream_id,
                stream_version=row.stream_version,
                occurred_at=when,
                payload=payloads[i],
                ordering_id=ordering_id,
                **metadata.model_dump(),
            ),
        )
        for i, row in enumerate(rows)
    ]


@dataclass(frozen=True, slots=True)
class _Stored:
    payloads: Sequence[JsonDict]
    actor: str
    refs_text: list[str]
    all_refs: list[UUID]


async def _stored_form(
    keys: KeyStore | None,
    events: Sequence[DomainEvent],
    payloads: Sequence[JsonDict],
    metadata: EventMetadata,
) -> _Stored:
    if keys is None:
        return _Stored(payloads, metadata.actor, ["{}"] * len(payloads), [])
    sealed = await seal_events(
        keys, tenant_id=metadata.tenant_id, actor=metadata.actor, events=events, payloads=payloads
    )
    every = sorted({r for refs in sealed.subject_refs for r in refs})
    refs_text = ["{" + ",".join(map(str, refs)) + "}" for refs in sealed.subject_refs]
    return _Stored(sealed.payloads, str(sealed.actor_ref), refs_text, every)


async def read_stream(
    conn: AsyncConnection,
    *,
    stream_id: UUID,
    tenant_id: str,
    as_of: datetime | None = None,
    after_version: int = 0,
    keys: KeyStore | None = None,
) -> list[RecordedEvent]:
    """A stream's events in version order, only if they belong to `tenant_id`; with `as_of`,
    only those that had occurred by then. With `keys`, sealed personal values and actors read
    as their user ids, or `[erased]`."""
    params = {
        "stream_id": stream_id,
        "tenant_id": tenant_id,
        "after_version": after_version,
        "as_of": as_of,
    }
    rows = (await conn.execute(_READ_STREAM, params)).all()
    if keys is None:
        return [_envelope(row) for row in rows]
    return await opened(conn, keys, rows)


async def opened(conn: AsyncConnection, keys: KeyStore, rows: Sequence[Any]) -> list[RecordedEvent]:
    """Stored event rows (with `subject_refs`) as events whose personal data is open: one read
    of the key store, on `conn`, for all of them."""
    held = await keys.held(conn, (ref for row in rows for ref in row.subject_refs or ()))
    secrets = data_keys(held)
    recorded = []
    for row in rows:
        event = _envelope(row)
        envelope = event.envelope.model_copy(
            update={
                "payload": open_payload(
                    event.envelope.payload, tenant_id=row.tenant_id, keys=secrets
                ),
                "actor": actor_of(row.actor, held),
            }
        )
        recorded.append(RecordedEvent(position=event.position, envelope=envelope))
    return recorded


async def stream_version(conn: AsyncConnection, *, stream_id: UUID) -> int:
    """The current version of a stream (0 when it has no events)."""
    result = await conn.execute(
        text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :s"),
        {"s": stream_id},
    )
    return int(result.scalar_one())


async def read_outbox_batch(conn: AsyncConnection, *, limit: int) -> list[RecordedEvent]:
    """The oldest queued events, in store order (which is version order within a stream)."""
    result = await conn.execute(_READ_OUTBOX, {"limit": limit})
    return [_envelope(row) for row in result]


async def remove_from_outbox(conn: AsyncConnection, *, positions: Sequence[int]) -> None:
    """Mark events as published."""
    await conn.execute(
        text("DELETE FROM outbox WHERE position = ANY(CAST(:p AS bigint[]))"),
        {"p": list(positions)},
    )


class PostgresEventStore:
    """The event store inside one PostgreSQL transaction (the connection's)."""

    def __init__(self, conn: AsyncConnection, *, keys: KeyStore | None = None) -> None:
        self.conn = conn
        self.keys = keys
        """The key store personal data is sealed with (None: stored as given, for tests and
        the benchmark's baseline only)."""

    async def append(
        self,
        *,
        stream_type: str,
        stream_id: UUID,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: EventMetadata,
        occurred_at: datetime | None = None,
        ordering_id: UUID | None = None,
    ) -> list[RecordedEvent]:
        """See `append`."""
        return await append(
            self.conn,
            stream_type=stream_type,
            stream_id=stream_id,
            expected_version=expected_version,
            events=events,
            metadata=metadata,
            occurred_at=occurred_at,
            ordering_id=ordering_id,
            keys=self.keys,
        )

    async def read_stream(
        self,
        *,
        stream_id: UUID,
        tenant_id: str,
        as_of: datetime | None = None,
        after_version: int = 0,
    ) -> list[RecordedEvent]:
        """See `read_stream`."""
        return await read_stream(
            self.conn,
            stream_id=stream_id,
            tenant_id=tenant_id,
            as_of=as_of,
            after_version=after_version,
            keys=self.keys,
        )

    async def stream_version(self, *, stream_id: UUID) -> int:
        """See `stream_version`."""
        return await stream_version(self.conn, stream_id=stream_id)
