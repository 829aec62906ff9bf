"""The reads of project-svc: a project now or as it was, the list, the audit trail, the office.
Each runs in a read-only unit of work of the caller's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pmo_shared.application.caller import Caller
from pmo_shared.application.errors import AggregateNotFoundError
from pmo_shared.application.handlers import CommandBus
from pmo_shared.domain.events import EventEnvelope
from project_svc.application.handlers import ProjectPolicy, latest_office_of, project_of
from project_svc.application.ports import ProjectListing, ProjectRows
from project_svc.application.standards import standards_on
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.values import ProjectStatus

Bus = CommandBus[ProjectRows, ProjectPolicy]


async def get_project(
    bus: Bus, caller: Caller, project_id: UUID, *, known_at: datetime | None = None
) -> Project:
    """The project now, or as the system knew it at `known_at` (from the events recorded by
    then: record time); 404 if the tenant has none (then)."""
    async with bus.reading(caller) as uow:
        return await uow.get(Project, project_id, as_of=known_at)


async def list_projects(
    bus: Bus,
    caller: Caller,
    *,
    status: ProjectStatus | None,
    manager: str | None,
    large: bool | None,
    after: int | None,
    limit: int,
) -> Sequence[ProjectListing]:
    """One page of the caller's tenant's projects; `after` is the last row's `seq`; large
    (the filter and each row's) by the PMO's standards in force today."""
    async with bus.reading(caller) as uow:
        today = bus.clock(caller.tenant)
        return await uow.rows.list_projects(
            tenant_id=caller.tenant,
            status=status.value if status else None,
            manager=manager,
            large=large,
            after=after,
            limit=limit,
            standards=await standards_on(uow, defaults=bus.config.defaults, on=today),
        )


async def is_large(bus: Bus, caller: Caller, project: Project) -> bool:
    """Whether the project is large by the PMO's standards in force today for its tenant."""
    async with bus.reading(caller) as uow:
        today = bus.clock(caller.tenant)
        standards = await standards_on(uow, defaults=bus.config.defaults, on=today)
    return project.is_large(standards.large_threshold(project.currency))


async def project_history(bus: Bus, caller: Caller, project_id: UUID) -> list[EventEnvelope]:
    """The project's events: its audit trail."""
    async with bus.reading(caller) as uow:
        recorded = await uow.events.read_stream(stream_id=project_id, tenant_id=caller.tenant)
    if not recorded or recorded[0].envelope.stream_type != Project.stream_type:
        raise AggregateNotFoundError("project", project_id)
    return [r.envelope for r in recorded]


async def project_office(bus: Bus, caller: Caller, project_id: UUID) -> ProjectOffice:
    """The project's live office, or else its last one."""
    async with bus.reading(caller) as uow:
        await project_of(uow, project_id)
        return await latest_office_of(uow, project_id)


async def office_history(bus: Bus, caller: Caller, project_id: UUID) -> list[EventEnvelope]:
    """The events of the project's live office, or else its last one: the office's audit
    trail; 404 if the tenant has no such project or it never had an office."""
    async with bus.reading(caller) as uow:
        await project_of(uow, project_id)
        office = await latest_office_of(uow, project_id)
        recorded = await uow.events.read_stream(stream_id=office.id, tenant_id=caller.tenant)
    return [r.envelope for r in recorded]
