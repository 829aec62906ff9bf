"""One transaction of project-svc: the aggregates it loads, the events it appends, and the
cache check-in of those aggregates once (and only if) it has committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pmo_shared.application.cache import AggregateCache
from pmo_shared.domain.aggregate import Aggregate
from pmo_shared.domain.events import EventMetadata
from project_svc.adapters import repository
from project_svc.application.errors import OfficeNotFoundError, ProjectNotFoundError
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice


@dataclass
class UnitOfWork:
    """Loads and saves within one connection (a transaction, for writes)."""

    conn: AsyncConnection
    tenant_id: str
    cache: AggregateCache
    large_threshold: Decimal
    loaded: list[Aggregate] = field(default_factory=list)

    async def project(self, project_id: UUID, *, as_of: datetime | None = None) -> Project:
        """A project of the tenant; 404 if it has none by that id (or none yet at `as_of`)."""
        project = await self.cache.load(
            self.conn, Project, project_id, tenant_id=self.tenant_id, as_of=as_of
        )
        if project is None:
            raise ProjectNotFoundError(project_id)
        if as_of is None:  # a past state never goes back into the cache
            self.loaded.append(project)
        return project

    async def office(self, office_id: UUID) -> ProjectOffice:
        """A Project Office by its id."""
        office = await self.cache.load(
            self.conn, ProjectOffice, office_id, tenant_id=self.tenant_id
        )
        assert office is not None, "the office table names only offices that have events"
        self.loaded.append(office)
        return office

    async def latest_office(self, project_id: UUID) -> ProjectOffice:
        """The project's live office, or else its last one; 404 if it never had one."""
        office_id = await repository.latest_office_id(
            self.conn, project_id=project_id, tenant_id=self.tenant_id
        )
        if office_id is None:
            raise OfficeNotFoundError(project_id)
        return await self.office(office_id)

    async def live_office(self, project_id: UUID) -> ProjectOffice | None:
        """The project's office that has not been disbanded, if any."""
        office_id = await repository.live_office_id(
            self.conn, project_id=project_id, tenant_id=self.tenant_id
        )
        return None if office_id is None else await self.office(office_id)

    async def save(self, aggregate: Project | ProjectOffice, *, metadata: EventMetadata) -> None:
        """Append the aggregate's new events (with the outbox) and refresh its query row."""
        await repository.save(
            self.conn, aggregate, metadata=metadata, large_threshold=self.large_threshold
        )
        if aggregate not in self.loaded:
            self.loaded.append(aggregate)


@asynccontextmanager
async def unit_of_work(
    engine: AsyncEngine,
    *,
    tenant_id: str,
    cache: AggregateCache,
    large_threshold: Decimal,
    write: bool,
) -> AsyncIterator[UnitOfWork]:
    """A unit of work; its aggregates go back to the cache only after it committed."""
    connect = engine.begin() if write else engine.connect()
    async with connect as conn:
        uow = UnitOfWork(conn, tenant_id, cache, large_threshold)
        yield uow
    for aggregate in uow.loaded:
        cache.keep(aggregate, tenant_id=tenant_id)
