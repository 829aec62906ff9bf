"""The handler of every project-svc command, found through one map (`HANDLERS`). Each runs in
one unit of work: load, authorise, decide, append (with the outbox) and refresh the query rows.
A business date a command leaves out is the tenant's today (`ctx.today`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TypeVar
from uuid import UUID, uuid4

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.duties import Parties, require_may_approve
from pmo_shared.application.errors import AggregateNotFoundError, ForbiddenError
from pmo_shared.application.handlers import Added, CommandContext, CommandHandlers
from pmo_shared.application.unit_of_work import UnitOfWork
from project_svc.application import commands as c
from project_svc.application.ports import ProjectRows
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.values import ProjectStatus

T = TypeVar("T")
ENDED = (ProjectStatus.COMPLETED, ProjectStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class ProjectPolicy:
    """The PMO's settings the handlers apply."""

    large_threshold: Decimal


Context = CommandContext[ProjectRows, ProjectPolicy]
HANDLERS: CommandHandlers[ProjectRows, ProjectPolicy] = CommandHandlers()
handles = HANDLERS.handles


# -- projects ----------------------------------------------------------------------------------
@handles(c.ProposeProject)
async def propose_project(cmd: c.ProposeProject, ctx: Context) -> Project:
    """Propose a project."""
    ctx.caller.require_role(Role.PMO, Role.PROJECT_MANAGER)
    if not ctx.caller.has_role(Role.PMO) and cmd.manager != ctx.caller.subject:
        raise ForbiddenError("a project manager may only propose projects they manage")
    project = Project.propose(uuid4(), **{f.name: getattr(cmd, f.name) for f in fields(cmd)})
    await ctx.save(project)
    return project


@handles(c.BaselineProject)
async def baseline_project(cmd: c.BaselineProject, ctx: Context) -> Project:
    """Set the baseline in force from a date (default today; re-baselining once underway
    needs a reason)."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    return await _changed_project(
        cmd,
        ctx,
        lambda p: p.set_baseline(
            budget_at_completion=cmd.budget_at_completion,
            planned_start=cmd.planned_start,
            planned_finish=cmd.planned_finish,
            planned_values=cmd.planned_values,
            reason=cmd.reason,
            effective_on=when,
            today=today,
        ),
    )


@handles(c.ApproveProject)
async def approve_project(cmd: c.ApproveProject, ctx: Context) -> Project:
    """Approve a baselined proposal (as of today unless an earlier date is given): the PMO or
    the project's sponsor may, never its proposer or manager (`require_approver`)."""
    project = await ctx.uow.get(Project, cmd.project_id, expected_version=cmd.expected_version)
    await require_approver(ctx, project)
    project.approve(
        approved_by=ctx.caller.subject, effective_on=cmd.effective_on or ctx.today, today=ctx.today
    )
    await ctx.save(project)
    return project


@handles(c.StartProject)
async def start_project(cmd: c.StartProject, ctx: Context) -> Project:
    """Start approved work (today unless an earlier actual start is given)."""
    when = cmd.actual_start or ctx.today
    return await _changed_project(cmd, ctx, lambda p: p.start(actual_start=when, today=ctx.today))


@handles(c.HoldProject)
async def hold_project(cmd: c.HoldProject, ctx: Context) -> Project:
    """Pause active work (from today unless an earlier date is given)."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    return await _changed_project(
        cmd, ctx, lambda p: p.hold(reason=cmd.reason, effective_on=when, today=today)
    )


@handles(c.ResumeProject)
async def resume_project(cmd: c.ResumeProject, ctx: Context) -> Project:
    """Resume paused work (from today unless an earlier date is given)."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    return await _changed_project(cmd, ctx, lambda p: p.resume(effective_on=when, today=today))


@handles(c.CompleteProject)
async def complete_project(cmd: c.CompleteProject, ctx: Context) -> Project:
    """Finish active work; its Project Office is disbanded in the same unit of work."""
    when = cmd.actual_finish or ctx.today
    return await _changed_project(
        cmd, ctx, lambda p: p.complete(actual_finish=when, today=ctx.today)
    )


@handles(c.CancelProject)
async def cancel_project(cmd: c.CancelProject, ctx: Context) -> Project:
    """Stop the project (as of today unless an earlier date is given); its Project Office is
    disbanded in the same unit of work."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    return await _changed_project(
        cmd, ctx, lambda p: p.cancel(reason=cmd.reason, effective_on=when, today=today)
    )


@handles(c.CloseProject)
async def close_project(cmd: c.CloseProject, ctx: Context) -> Project:
    """Close a finished project (needs a lesson learned or a no_lessons_reason), as of today
    unless an earlier date is given."""
    reason, when, today = cmd.no_lessons_reason, cmd.effective_on or ctx.today, ctx.today
    return await _changed_project(
        cmd,
        ctx,
        lambda p: p.close(no_lessons_reason=reason, effective_on=when, today=today),
    )


@handles(c.ReportProgress)
async def report_progress(cmd: c.ReportProgress, ctx: Context) -> Project:
    """Report percent complete as of a date (default today)."""
    when, today = cmd.as_of or ctx.today, ctx.today
    return await _changed_project(
        cmd,
        ctx,
        lambda p: p.report_progress(percent_complete=cmd.percent_complete, as_of=when, today=today),
    )


@handles(c.RecordCost)
async def record_cost(cmd: c.RecordCost, ctx: Context) -> Added[Project]:
    """Record an actual cost."""
    return await _project_added(
        cmd,
        ctx,
        lambda p: p.record_cost(
            amount=cmd.amount,
            incurred_on=cmd.incurred_on,
            category=cmd.category,
            description=cmd.description,
            today=ctx.today,
        ),
    )


@handles(c.AddMilestone)
async def add_milestone(cmd: c.AddMilestone, ctx: Context) -> Added[Project]:
    """Plan a milestone."""
    return await _project_added(
        cmd, ctx, lambda p: p.add_milestone(name=cmd.name, due_date=cmd.due_date)
    )


@handles(c.AchieveMilestone)
async def achieve_milestone(cmd: c.AchieveMilestone, ctx: Context) -> Project:
    """Mark a milestone achieved (once)."""
    when = cmd.achieved_on or ctx.today
    return await _changed_project(
        cmd,
        ctx,
        lambda p: p.achieve_milestone(cmd.milestone_id, achieved_on=when, today=ctx.today),
    )


@handles(c.RaiseRisk)
async def raise_risk(cmd: c.RaiseRisk, ctx: Context) -> Added[Project]:
    """Raise a risk."""
    return await _project_added(
        cmd,
        ctx,
        lambda p: p.raise_risk(
            title=cmd.title, probability=cmd.probability, impact=cmd.impact, owner=cmd.owner
        ),
    )


@handles(c.CloseRisk)
async def close_risk(cmd: c.CloseRisk, ctx: Context) -> Project:
    """Close a risk with its resolution."""
    return await _changed_project(
        cmd, ctx, lambda p: p.close_risk(cmd.risk_id, resolution=cmd.resolution)
    )


@handles(c.SubmitStatusReport)
async def submit_status_report(cmd: c.SubmitStatusReport, ctx: Context) -> Added[Project]:
    """Submit a status report (schedule, cost and scope RAG with a summary)."""
    return await _project_added(
        cmd,
        ctx,
        lambda p: p.submit_status_report(
            schedule=cmd.schedule, cost=cmd.cost, scope=cmd.scope, summary=cmd.summary
        ),
    )


@handles(c.LearnLesson)
async def learn_lesson(cmd: c.LearnLesson, ctx: Context) -> Added[Project]:
    """Record a lesson learned."""
    return await _project_added(
        cmd,
        ctx,
        lambda p: p.learn_lesson(
            category=cmd.category,
            what_happened=cmd.what_happened,
            recommendation=cmd.recommendation,
        ),
    )


# -- the Project Office ------------------------------------------------------------------------
@handles(c.EstablishOffice)
async def establish_office(cmd: c.EstablishOffice, ctx: Context) -> ProjectOffice:
    """Set up the Project Office of a large project (as of today unless an earlier date is
    given)."""
    project = await project_of(ctx.uow, cmd.project_id)
    require_manager(ctx.caller, project)
    office = ProjectOffice.establish(
        uuid4(),
        project=project,
        large_threshold=ctx.config.large_threshold,
        lead=cmd.lead,
        reporting_cadence_days=cmd.reporting_cadence_days,
        charter=cmd.charter,
        established_on=cmd.established_on or ctx.today,
        today=ctx.today,
    )
    await ctx.save(office)
    return office


@handles(c.AssignOfficeStaff)
async def assign_office_staff(cmd: c.AssignOfficeStaff, ctx: Context) -> ProjectOffice:
    """Assign someone to the office."""
    return await _changed_office(
        cmd, ctx, lambda o: o.assign_staff(user_id=cmd.user_id, role=cmd.role)
    )


@handles(c.ReleaseOfficeStaff)
async def release_office_staff(cmd: c.ReleaseOfficeStaff, ctx: Context) -> ProjectOffice:
    """Release someone from the office."""
    return await _changed_office(cmd, ctx, lambda o: o.release_staff(user_id=cmd.user_id))


@handles(c.PublishOfficeReport)
async def publish_office_report(cmd: c.PublishOfficeReport, ctx: Context) -> Added[ProjectOffice]:
    """Publish a status, financial, risk or metrics report."""
    return await _office_added(
        cmd,
        ctx,
        lambda o: o.publish_report(
            kind=cmd.kind, period_end=cmd.period_end, summary=cmd.summary, metrics=cmd.metrics
        ),
    )


@handles(c.FileOfficeDocument)
async def file_office_document(cmd: c.FileOfficeDocument, ctx: Context) -> Added[ProjectOffice]:
    """File a document (title, kind, link)."""
    return await _office_added(
        cmd, ctx, lambda o: o.file_document(title=cmd.title, kind=cmd.kind, link=cmd.link)
    )


@handles(c.DisbandOffice)
async def disband_office(cmd: c.DisbandOffice, ctx: Context) -> ProjectOffice:
    """Disband the office by hand (the PMO or the project's manager, not its lead), as of
    today unless an earlier date is given."""
    when, today = cmd.disbanded_on or ctx.today, ctx.today
    return await _changed_office(
        cmd,
        ctx,
        lambda o: o.disband(reason=cmd.reason, disbanded_on=when, today=today),
        lead_may=False,
    )


# -- what the handlers share -------------------------------------------------------------------
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


async def _on_project(
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


async def _on_office(
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


async def _changed_project(
    cmd: c.OnProject, ctx: Context, decide: Callable[[Project], object]
) -> Project:
    """`_on_project` for a decision that answers with the project."""
    return (await _on_project(cmd, ctx, decide))[0]


async def _project_added(
    cmd: c.OnProject, ctx: Context, decide: Callable[[Project], UUID]
) -> Added[Project]:
    """`_on_project` for a decision that adds a part (cost, risk ...) and returns its id."""
    return Added(*await _on_project(cmd, ctx, decide))


async def _changed_office(
    cmd: c.OnProject,
    ctx: Context,
    decide: Callable[[ProjectOffice], object],
    *,
    lead_may: bool = True,
) -> ProjectOffice:
    """`_on_office` for a decision that answers with the office."""
    return (await _on_office(cmd, ctx, decide, lead_may=lead_may))[0]


async def _office_added(
    cmd: c.OnProject, ctx: Context, decide: Callable[[ProjectOffice], UUID]
) -> Added[ProjectOffice]:
    """`_on_office` for a decision that adds a report or document and returns its id."""
    return Added(*await _on_office(cmd, ctx, decide))
