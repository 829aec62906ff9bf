"""An event store in memory for unit tests, behaving as the PostgreSQL one does.

`InMemoryEventStore` is the database (every tenant's streams, one sequence of positions);
`transaction()` opens a unit of work and yields its `EventStore` view. It passes the same test
suite as `PostgresEventStore` (shared/tests/integration/test_store.py), and copies PostgreSQL's
READ COMMITTED behaviour rather than a simpler one, so that what passes here passes there:

- A transaction's appends are visible to itself at once and to others only when its block
  exits normally; if the block raises, they are discarded. Positions are taken at append time
  from one sequence, as `bigserial` does: increasing, with gaps left by rolled-back appends.
- Conflicts are raised at append, never at commit, exactly where PostgreSQL raises them. If
  the stream is not at `expected_version` (committed events plus the transaction's own),
  `ConcurrencyError` at once; the transaction stays usable (in SQL the guarded INSERT simply
  inserts nothing). If it is, but another open transaction has appended to the stream, the
  append waits for that transaction to end, as the unique `(stream_id, stream_version)` index
  makes PostgreSQL wait: if it committed, `ConcurrencyError`, and this transaction is aborted
  (a unique violation aborts a PostgreSQL transaction: every later call raises
  `TransactionAbortedError` and the block's end discards everything); if it rolled back, the
  append goes ahead. So two transactions appending at the same version: exactly one commits.
- A wait that can never end (the waiting task itself holds the other transaction, directly or
  through a chain of waits) raises `DeadlockError` instead, and aborts the transaction;
  PostgreSQL reports a deadlock between connections (40P01) or, within one task, hangs.
- Reads are tenant-scoped, `as_of` compares `occurred_at`, naive datetimes are taken as UTC
  (as asyncpg sends them), and read events come back with `occurred_at` in UTC and a freshly
  decoded JSON payload, as from PostgreSQL. `append` returns what `PostgresEventStore.append`
  returns (the `occurred_at` given, the payload dumped in JSON mode).
- `pmo_append_conflicts_total` and `pmo_events_appended_total` are counted exactly as by
  store.py (appended at append time, even if the transaction later rolls back), so a test
  asserting on them passes against either store; they are process-wide counters, so tests
  must compare before and after rather than absolute values.

No I/O and no threads: it is meant for one asyncio event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import orjson

from pmo_shared.domain.events import DomainEvent, EventEnvelope, EventMetadata
from pmo_shared.eventstore.store import ConcurrencyError, EventStore, RecordedEvent
from pmo_shared.telemetry import metrics

__all__ = ["DeadlockError", "InMemoryEventStore", "TransactionAbortedError"]


class TransactionAbortedError(RuntimeError):
    """The transaction was aborted (by a conflict after a wait, or a deadlock) or has ended;
    PostgreSQL would answer "current transaction is aborted" (25P02)."""


class DeadlockError(RuntimeError):
    """An append would wait for a transaction that waits, directly or not, for this one."""


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _Row:
    """A stored event as the `events` table keeps it (the payload as JSON text)."""

    position: int
    event_id: UUID
    event_type: str
    schema_version: int
    stream_type: str
    stream_id: UUID
    stream_version: int
    occurred_at: datetime
    metadata: EventMetadata
    payload: bytes
    ordering_id: UUID | None

    def recorded(self) -> RecordedEvent:
        return RecordedEvent(
            position=self.position,
            envelope=EventEnvelope(
                event_id=self.event_id,
                event_type=self.event_type,
                schema_version=self.schema_version,
                stream_type=self.stream_type,
                stream_id=self.stream_id,
                stream_version=self.stream_version,
                occurred_at=self.occurred_at,
                payload=orjson.loads(self.payload),
                ordering_id=self.ordering_id,
                **self.metadata.model_dump(),
            ),
        )


@dataclass(eq=False)
class _Transaction:
    task: asyncio.Task[object] | None
    pending: dict[UUID, list[_Row]] = field(default_factory=dict)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    aborted: bool = False


class InMemoryEventStore:
    """Every tenant's streams in memory; `transaction()` gives one unit of work's view."""

    def __init__(self) -> None:
        self._streams: dict[UUID, list[_Row]] = {}
        self._writers: dict[UUID, _Transaction] = {}  # open transactions holding new versions
        self._waits: dict[asyncio.Task[object], _Transaction] = {}
        self._last_position = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[EventStore]:
        """A unit of work: its appends are committed when the block exits normally (unless a
        conflict aborted it), discarded when the block raises."""
        tx = _Transaction(task=asyncio.current_task())
        try:
            yield _View(self, tx)
        except BaseException:
            self._end(tx, commit=False)
            raise
        self._end(tx, commit=not tx.aborted)

    def events(self) -> list[RecordedEvent]:
        """Every committed event of every tenant, in position order (what the outbox relay
        would publish)."""
        rows = sorted((r for rows in self._streams.values() for r in rows), key=_position)
        return [row.recorded() for row in rows]

    def _end(self, tx: _Transaction, *, commit: bool) -> None:
        for stream_id, rows in tx.pending.items():
            if commit:
                self._streams.setdefault(stream_id, []).extend(rows)
            if self._writers.get(stream_id) is tx:
                del self._writers[stream_id]
        tx.pending.clear()
        tx.ended.set()

    def _version(self, tx: _Transaction, stream_id: UUID) -> int:
        return len(self._streams.get(stream_id, ())) + len(tx.pending.get(stream_id, ()))

    def _visible(self, tx: _Transaction, stream_id: UUID) -> list[_Row]:
        return [*self._streams.get(stream_id, ()), *tx.pending.get(stream_id, ())]

    async def _wait_for(self, tx: _Transaction, holder: _Transaction) -> None:
        """Wait until `holder` ends, unless that can never happen."""
        me = asyncio.current_task()
        owner = holder.task
        while owner is not None:
            if owner is me:
                tx.aborted = True
                raise DeadlockError("this append would wait for a transaction it is holding up")
            blocker = self._waits.get(owner)
            owner = blocker.task if blocker is not None else None
        if me is None:  # not in a task: nothing could ever run the holder to its end
            tx.aborted = True
            raise DeadlockError("an append outside an asyncio task cannot wait")
        self._waits[me] = holder
        try:
            await holder.ended.wait()
        finally:
            del self._waits[me]

    def waiting_appends(self) -> int:
        """How many appends wait for another transaction right now (what a test polls for,
        as it would poll pg_locks on PostgreSQL)."""
        return len(self._waits)

    async def _append(
        self,
        tx: _Transaction,
        *,
        stream_type: str,
        stream_id: UUID,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: EventMetadata,
        occurred_at: datetime | None,
        ordering_id: UUID | None,
    ) -> list[RecordedEvent]:
        _check_open(tx)
        if not events:
            return []
        when = occurred_at or datetime.now(UTC)
        payloads = [e.model_dump(mode="json") for e in events]
        waited = False
        while (holder := self._writers.get(stream_id)) not in (None, tx):
            assert holder is not None
            if self._version(tx, stream_id) != expected_version:
                break  # the guarded INSERT inserts nothing: no row, no wait
            await self._wait_for(tx, holder)
            waited = True
        if self._version(tx, stream_id) != expected_version:
            metrics.APPEND_CONFLICTS.labels(stream_type).inc()
            if waited:  # the unique index refused the row: the transaction is aborted
                tx.aborted = True
            raise ConcurrencyError(stream_id, expected_version)
        self._writers[stream_id] = tx
        pending = tx.pending.setdefault(stream_id, [])
        recorded: list[RecordedEvent] = []
        for i, (event, payload) in enumerate(zip(events, payloads, strict=True), start=1):
            self._last_position += 1
            row = _Row(
                position=self._last_position,
                event_id=uuid.uuid4(),
                event_type=event.event_type,
                schema_version=event.schema_version,
                stream_type=stream_type,
                stream_id=stream_id,
                stream_version=expected_version + i,
                occurred_at=_utc(when),
                metadata=metadata,
                payload=orjson.dumps(payload),
                ordering_id=ordering_id,
            )
            pending.append(row)
            metrics.EVENTS_APPENDED.labels(stream_type, event.event_type).inc()
            recorded.append(row.recorded())  # exactly what a read gives back
        return recorded


def _position(row: _Row) -> int:
    return row.position


def _check_open(tx: _Transaction) -> None:
    if tx.aborted:
        raise TransactionAbortedError("the transaction is aborted: leave its block")
    if tx.ended.is_set():
        raise TransactionAbortedError("the transaction has ended")


class _View:
    """One transaction's view of an `InMemoryEventStore` (an `EventStore`)."""

    def __init__(self, db: InMemoryEventStore, tx: _Transaction) -> None:
        self._db = db
        self._tx = tx

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
        """See `EventStore.append`."""
        return await self._db._append(
            self._tx,
            stream_type=stream_type,
            stream_id=stream_id,
            expected_version=expected_version,
            events=events,
            metadata=metadata,
            occurred_at=occurred_at,
            ordering_id=ordering_id,
        )

    async def read_stream(
        self,
        *,
        stream_id: UUID,
        tenant_id: str,
        as_of: datetime | None = None,
        after_version: int = 0,
    ) -> list[RecordedEvent]:
        """See `EventStore.read_stream`."""
        _check_open(self._tx)
        limit = None if as_of is None else _utc(as_of)
        return [
            row.recorded()
            for row in self._db._visible(self._tx, stream_id)
            if row.metadata.tenant_id == tenant_id
            and row.stream_version > after_version
            and (limit is None or row.occurred_at <= limit)
        ]

    async def stream_version(self, *, stream_id: UUID) -> int:
        """See `EventStore.stream_version`."""
        _check_open(self._tx)
        return self._db._version(self._tx, stream_id)
