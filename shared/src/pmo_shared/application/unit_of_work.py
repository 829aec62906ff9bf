"""The unit of work of an event-sourced write service: one transaction in which a command loads
aggregates, decides, appends their new events (with the outbox) and refreshes the service's
query rows; its aggregates go back to the cache only after the transaction committed.

A service supplies only its aggregates and its `QueryRows` (what to write beside the events
when an aggregate was saved, and the lookups its handlers need). `PostgresUnitsOfWork`
(`pmo_shared.database.unit_of_work`) runs units of work on PostgreSQL; `InMemoryUnitsOfWork`
runs the same handlers on the in-memory event store for unit tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from pmo_shared.application.cache import AggregateCache
from pmo_shared.application.errors import AggregateNotFoundError, StaleVersionError
from pmo_shared.application.idempotency import IdempotencyRecords, InMemoryIdempotencyRecords
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import EventMetadata, EventRegistry
from pmo_shared.eventstore.memory import InMemoryEventStore
from pmo_shared.eventstore.store import EventStore, RecordedEvent

A = TypeVar("A", bound=Aggregate)


class QueryRows(Protocol):
    """The service's query tables inside one unit of work."""

    async def saved(self, aggregate: Aggregate, recorded: Sequence[RecordedEvent]) -> None:
        """Refresh the rows of an aggregate whose new events were just appended."""
        ...


Q = TypeVar("Q", bound=QueryRows)


class UnitOfWork(Generic[Q]):
    """Loads and saves the aggregates of one tenant within one transaction."""

    def __init__(
        self,
        *,
        tenant_id: str,
        events: EventStore,
        rows: Q,
        idempotency: IdempotencyRecords,
        cache: AggregateCache,
    ) -> None:
        self.tenant_id = tenant_id
        self.events = events
        self.rows = rows
        self.idempotency = idempotency
        self._cache = cache
        self._checked_out: list[Aggregate] = []
        self.preconditions: dict[UUID, int] = {}
        """The version each aggregate got with an If-Match was expected at, by aggregate id."""

    async def load(
        self, kind: type[A], aggregate_id: UUID, *, as_of: datetime | None = None
    ) -> A | None:
        """The tenant's aggregate now (or as it was at `as_of`), None if it has none."""
        aggregate = await self._cache.load(
            self.events, kind, aggregate_id, tenant_id=self.tenant_id, as_of=as_of
        )
        if aggregate is not None and as_of is None:  # a past state never goes into the cache
            self._checked_out.append(aggregate)
        return aggregate

    async def get(
        self,
        kind: type[A],
        aggregate_id: UUID,
        *,
        as_of: datetime | None = None,
        expected_version: int | None = None,
        what: str | None = None,
    ) -> A:
        """The aggregate, or 404 (`AggregateNotFoundError` naming it `what`, by default its
        stream type); 412 (`StaleVersionError`) when `expected_version` is not its version."""
        aggregate = await self.load(kind, aggregate_id, as_of=as_of)
        if aggregate is None:
            raise AggregateNotFoundError(what or kind.stream_type, aggregate_id)
        self.expect(aggregate, expected_version)
        return aggregate

    async def creator_of(self, aggregate_id: UUID) -> str:
        """The actor of the event that began the tenant's stream `aggregate_id` (who proposed a
        project, for one): the envelope's `actor`, which no payload repeats. It reads the whole
        stream, so it is for the few decisions that need it (an approval); 404 if the tenant has
        no such stream."""
        recorded = await self.events.read_stream(stream_id=aggregate_id, tenant_id=self.tenant_id)
        if not recorded:
            raise AggregateNotFoundError("stream", aggregate_id)
        return recorded[0].envelope.actor

    async def at_version(self, kind: type[A], aggregate_id: UUID, version: int) -> A:
        """The aggregate as it was when it reached `version` (not cached)."""
        recorded = await self.events.read_stream(stream_id=aggregate_id, tenant_id=self.tenant_id)
        upto = [r for r in recorded if r.envelope.stream_version <= version]
        return self._cache.rehydrate(kind, aggregate_id, upto)

    def expect(self, aggregate: Aggregate, expected_version: int | None) -> None:
        """412 unless `expected_version` (an If-Match) is absent or the aggregate's version; a
        writer that wins the race to that version after this check also makes it a 412."""
        check_version(aggregate, expected_version)
        if expected_version is not None:
            self.preconditions[aggregate.id] = expected_version

    async def save(self, aggregate: Aggregate, *, metadata: EventMetadata) -> list[RecordedEvent]:
        """Append the aggregate's new events at the version it was loaded at, then refresh its
        query rows. Nothing to append: nothing happens."""
        events = aggregate.collect()
        if not events:
            return []
        recorded = await self.events.append(
            stream_type=aggregate.stream_type,
            stream_id=aggregate.id,
            expected_version=aggregate.version,
            events=events,
            metadata=metadata,
            ordering_id=aggregate.ordering_for_append,
        )
        if aggregate.version == 0:
            aggregate.keep_ordering(recorded[0].envelope.ordering_id)
        aggregate.mark_committed()
        if aggregate not in self._checked_out:
            self._checked_out.append(aggregate)
        await self.rows.saved(aggregate, recorded)
        return recorded

    def committed(self) -> None:
        """The transaction committed: its aggregates may serve the next commands."""
        for aggregate in self._checked_out:
            self._cache.keep(aggregate, tenant_id=self.tenant_id)
        self._checked_out.clear()


def check_version(aggregate: Aggregate, expected_version: int | None) -> None:
    """412 unless `expected_version` (an If-Match) is absent or the aggregate's version."""
    if expected_version is not None and expected_version != aggregate.version:
        raise StaleVersionError(expected=expected_version, actual=aggregate.version)


class UnitsOfWork(Protocol[Q]):
    """Opens units of work: a transaction for commands (`write`), a snapshot for reads."""

    def __call__(
        self, tenant_id: str, *, write: bool
    ) -> AbstractAsyncContextManager[UnitOfWork[Q]]:
        """A unit of work of the tenant; it commits when the block ends without an error."""
        ...


class InMemoryUnitsOfWork(Generic[Q]):
    """Units of work on the in-memory event store, for unit tests of handlers. The query rows
    are the service's in-memory stand-in, made once (`rows`) and shared by every unit."""

    def __init__(
        self,
        registry: EventRegistry,
        *,
        rows: Callable[[InMemoryEventStore], Q],
        store: InMemoryEventStore | None = None,
    ) -> None:
        self.store = store or InMemoryEventStore()
        self.rows = rows(self.store)
        self.idempotency = InMemoryIdempotencyRecords()
        self.cache = AggregateCache(registry)

    @asynccontextmanager
    async def __call__(self, tenant_id: str, *, write: bool) -> AsyncIterator[UnitOfWork[Q]]:
        """See `UnitsOfWork`."""
        del write  # reads and writes alike see committed events only
        idempotency = self.idempotency.unit()
        async with self.store.transaction() as events:
            uow = UnitOfWork(
                tenant_id=tenant_id,
                events=events,
                rows=self.rows,
                idempotency=idempotency,
                cache=self.cache,
            )
            yield uow
        idempotency.commit()
        uow.committed()
