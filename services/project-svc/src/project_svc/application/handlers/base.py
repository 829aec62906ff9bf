"""What project-svc's handlers share: the map they register in, the settings they apply,
loading, authorising and running a decision on a project or its office."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.duties import Parties, require_may_approve
from pmo_shared.application.errors import AggregateNotFoundError, ForbiddenError
from pmo_shared.application.handlers import Added, CommandContext, CommandHandlers
from pmo_shared.application.unit_of_work import UnitOfWork
from project_svc.application import commands as c
from project_svc.application.ports import ProjectRows
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.standards import Standards
from project_svc.domain.values import ProjectStatus

T = TypeVar("T")
ENDED = (ProjectStatus.COMPLETED, ProjectStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class ProjectPolicy:
    """The environment's settings of the PMO's rules: what the handlers apply for a tenant
    without PMO standards in force (`project_svc.application.standards`)."""

    large_threshold: Decimal

    @property
    def defaults(self) -> Standards:
        """The standards these settings amount to."""
        return Standards.defaults(large_threshold=self.large_threshold)


Context = CommandContext[ProjectRows, ProjectPolicy]
HANDLERS: CommandHandlers[ProjectRows, ProjectPolicy] = CommandHandlers()
handles = HANDLERS.handles


async def project_of(uow: UnitOfWork[ProjectRows], project_id: UUID) -> Project:
    """A project of the unit's tenant; 404 if it has none by that id."""
    return await uow.get(Project, project_id)


async def latest_office_of(uow: UnitOfWork[ProjectRows], project_id: UUID) -> ProjectOffice:
    """The project's live office, or else its last one; 404 if it never had one."""
    office_id = await uow.rows.latest_office_id(project_id=project_id, tenant_id=uow.tenant_id)
    if office_id is None:
        raise AggregateNotFoundError("Project Office of project", project_id)
    return await uow.get(ProjectOffice, office_id)


def require_manager(caller: Caller, project: Project) -> None:
    """Only the PMO and the project's own manager (as project manager) change a project."""
    if caller.has_role(Role.PMO):
        return
    if project.manager == caller.subject and caller.has_role(Role.PROJECT_MANAGER):
        return
    raise ForbiddenError("only the PMO and the project's manager may change this project")


async def require_approver(ctx: Context, project: Project) -> None:
    """The kernel's segregation of duties (`pmo_shared.application.duties`) for a project: its
    proposer is the actor of its `ProjectProposed` event (envelope metadata, read from the
    store), its manager and sponsor are the project's."""
    parties = Parties(
        proposer=await ctx.uow.creator_of(project.id),
        manager=project.manager,
        sponsor=project.sponsor,
    )
    require_may_approve(ctx.caller, parties, what=f"project {project.code}")


async def on_project(
    cmd: c.OnProject, ctx: Context, decide: Callable[[Project], T]
) -> tuple[Project, T]:
    """Run a decision on a project the caller manages (or as PMO). When it ends the project,
    its live Project Office is disbanded in the same unit of work."""
    project = await ctx.uow.get(Project, cmd.project_id, expected_version=cmd.expected_version)
    require_manager(ctx.caller, project)
    result = decide(project)
    await ctx.save(project)
    if project.status in ENDED:
        office_id = await ctx.uow.rows.live_office_id(
            project_id=project.id, tenant_id=ctx.caller.tenant
        )
        if office_id is not None:
            office = await ctx.uow.get(ProjectOffice, office_id)
            office.disband_with_project(project, today=ctx.today)
            await ctx.save(office)
    return project, result


async def on_office(
    cmd: c.OnProject,
    ctx: Context,
    decide: Callable[[ProjectOffice], T],
    *,
    lead_may: bool = True,
) -> tuple[ProjectOffice, T]:
    """Run a decision on the project's office (its lead may too, where `lead_may`)."""
    project = await project_of(ctx.uow, cmd.project_id)
    office = await latest_office_of(ctx.uow, cmd.project_id)
    ctx.uow.expect(office, cmd.expected_version)
    if not (lead_may and office.lead == ctx.caller.subject):
        require_manager(ctx.caller, project)
    result = decide(office)
    await ctx.save(office)
    return office, result


async def changed_project(
    cmd: c.OnProject, ctx: Context, decide: Callable[[Project], object]
) -> Project:
    """`on_project` for a decision that answers with the project."""
    return (await on_project(cmd, ctx, decide))[0]


async def project_added(
    cmd: c.OnProject, ctx: Context, decide: Callable[[Project], UUID]
) -> Added[Project]:
    """`on_project` for a decision that adds a part (cost, risk ...) and returns its id."""
    return Added(*await on_project(cmd, ctx, decide))


async def changed_office(
    cmd: c.OnProject,
    ctx: Context,
    decide: Callable[[ProjectOffice], object],
    *,
    lead_may: bool = True,
) -> ProjectOffice:
    """`on_office` for a decision that answers with the office."""
    return (await on_office(cmd, ctx, decide, lead_may=lead_may))[0]


async def office_added(
    cmd: c.OnProject, ctx: Context, decide: Callable[[ProjectOffice], UUID]
) -> Added[ProjectOffice]:
    """`on_office` for a decision that adds a report or document and returns its id."""
    return Added(*await on_office(cmd, ctx, decide))
