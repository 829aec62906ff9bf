"""Units of work on PostgreSQL: one connection (a transaction, for writes) per unit, in which
the event store, the service's query rows and the Idempotency-Key records all write.

A unit that only reads runs its statements in autocommit: at READ COMMITTED (the services'
level) each statement sees what had committed when it began, in a transaction or not, so a
BEGIN and a ROLLBACK around them would cost two round trips and buy nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.application.cache import AggregateCache
from pmo_shared.application.unit_of_work import Q, UnitOfWork
from pmo_shared.database.idempotency import PostgresIdempotencyRecords
from pmo_shared.domain.events import EventRegistry
from pmo_shared.eventstore.store import PostgresEventStore
from pmo_shared.privacy.keystore import KeyStore


class PostgresUnitsOfWork(Generic[Q]):
    """Opens units of work on a service's engine; `rows` builds the service's query-row adapter
    on the unit's connection."""

    def __init__(
        self,
        engine: AsyncEngine,
        registry: EventRegistry,
        *,
        rows: Callable[[AsyncConnection], Q],
        cache_capacity: int = 10_000,
        keys: KeyStore | None = None,
    ) -> None:
        self.engine = engine
        self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.keys = keys
        """Seals personal data at append and opens it on read (None only in kernel tests)."""
        self._rows = rows
        self.cache = AggregateCache(registry, capacity=cache_capacity)

    @asynccontextmanager
    async def __call__(self, tenant_id: str, *, write: bool) -> AsyncIterator[UnitOfWork[Q]]:
        """See `pmo_shared.application.unit_of_work.UnitsOfWork`."""
        connect = self.engine.begin() if write else self._reads.connect()
        async with connect as conn:
            uow = UnitOfWork(
                tenant_id=tenant_id,
                events=PostgresEventStore(conn, keys=self.keys),
                rows=self._rows(conn),
                idempotency=PostgresIdempotencyRecords(conn),
                cache=self.cache,
            )
            yield uow
        uow.committed()
