"""The handlers of the commands on projects."""

from __future__ import annotations

from dataclasses import fields
from uuid import uuid4

from pmo_shared.application.caller import Role
from pmo_shared.application.errors import ForbiddenError
from pmo_shared.application.handlers import Added
from project_svc.application import commands as c
from project_svc.application.handlers.base import (
    Context,
    changed_project,
    handles,
    project_added,
    require_approver,
)
from project_svc.application.standards import require_rebaseline_gate, standards_on
from project_svc.domain.project import Project


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
    needs a reason, and the PMO where the standards in force today require that gate)."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    standards = await standards_on(ctx.uow, defaults=ctx.config.defaults, on=today)

    def rebaseline(project: Project) -> None:
        require_rebaseline_gate(ctx.caller, project, standards)
        project.set_baseline(
            budget_at_completion=cmd.budget_at_completion,
            planned_start=cmd.planned_start,
            planned_finish=cmd.planned_finish,
            planned_values=cmd.planned_values,
            reason=cmd.reason,
            effective_on=when,
            today=today,
        )

    return await changed_project(cmd, ctx, rebaseline)


@handles(c.ApproveProject)
async def approve_project(cmd: c.ApproveProject, ctx: Context) -> Project:
    """Approve a baselined proposal (as of today unless an earlier date is given): the PMO or
    the project's sponsor may, never its proposer or manager (`require_approver`); one whose
    BAC reaches the portfolio-approval threshold in force on that date needs the portfolio's
    "approve" decision in force then."""
    project = await ctx.uow.get(Project, cmd.project_id, expected_version=cmd.expected_version)
    await require_approver(ctx, project)
    when = cmd.effective_on or ctx.today
    project.approve(
        approved_by=ctx.caller.subject,
        effective_on=when,
        today=ctx.today,
        standards=await standards_on(ctx.uow, defaults=ctx.config.defaults, on=when),
        decision=await ctx.uow.rows.portfolio_decision(
            tenant_id=ctx.caller.tenant, project_id=project.id, on=when
        ),
    )
    await ctx.save(project)
    return project


@handles(c.StartProject)
async def start_project(cmd: c.StartProject, ctx: Context) -> Project:
    """Start approved work (today unless an earlier actual start is given)."""
    when = cmd.actual_start or ctx.today
    return await changed_project(cmd, ctx, lambda p: p.start(actual_start=when, today=ctx.today))


@handles(c.HoldProject)
async def hold_project(cmd: c.HoldProject, ctx: Context) -> Project:
    """Pause active work (from today unless an earlier date is given)."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    return await changed_project(
        cmd, ctx, lambda p: p.hold(reason=cmd.reason, effective_on=when, today=today)
    )


@handles(c.ResumeProject)
async def resume_project(cmd: c.ResumeProject, ctx: Context) -> Project:
    """Resume paused work (from today unless an earlier date is given)."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    return await changed_project(cmd, ctx, lambda p: p.resume(effective_on=when, today=today))


@handles(c.CompleteProject)
async def complete_project(cmd: c.CompleteProject, ctx: Context) -> Project:
    """Finish active work; its Project Office is disbanded in the same unit of work."""
    when = cmd.actual_finish or ctx.today
    return await changed_project(
        cmd, ctx, lambda p: p.complete(actual_finish=when, today=ctx.today)
    )


@handles(c.CancelProject)
async def cancel_project(cmd: c.CancelProject, ctx: Context) -> Project:
    """Stop the project (as of today unless an earlier date is given); its Project Office is
    disbanded in the same unit of work."""
    when, today = cmd.effective_on or ctx.today, ctx.today
    return await changed_project(
        cmd, ctx, lambda p: p.cancel(reason=cmd.reason, effective_on=when, today=today)
    )


@handles(c.CloseProject)
async def close_project(cmd: c.CloseProject, ctx: Context) -> Project:
    """Close a finished project (needs a lesson learned or a no_lessons_reason), as of today
    unless an earlier date is given."""
    reason, when, today = cmd.no_lessons_reason, cmd.effective_on or ctx.today, ctx.today
    return await changed_project(
        cmd,
        ctx,
        lambda p: p.close(no_lessons_reason=reason, effective_on=when, today=today),
    )


@handles(c.ReportProgress)
async def report_progress(cmd: c.ReportProgress, ctx: Context) -> Project:
    """Report percent complete as of a date (default today)."""
    when, today = cmd.as_of or ctx.today, ctx.today
    return await changed_project(
        cmd,
        ctx,
        lambda p: p.report_progress(percent_complete=cmd.percent_complete, as_of=when, today=today),
    )


@handles(c.RecordCost)
async def record_cost(cmd: c.RecordCost, ctx: Context) -> Added[Project]:
    """Record an actual cost."""
    return await project_added(
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
    return await project_added(
        cmd, ctx, lambda p: p.add_milestone(name=cmd.name, due_date=cmd.due_date)
    )


@handles(c.AchieveMilestone)
async def achieve_milestone(cmd: c.AchieveMilestone, ctx: Context) -> Project:
    """Mark a milestone achieved (once)."""
    when = cmd.achieved_on or ctx.today
    return await changed_project(
        cmd,
        ctx,
        lambda p: p.achieve_milestone(cmd.milestone_id, achieved_on=when, today=ctx.today),
    )


@handles(c.RaiseRisk)
async def raise_risk(cmd: c.RaiseRisk, ctx: Context) -> Added[Project]:
    """Raise a risk (on today unless an earlier date is given)."""
    when, today = cmd.raised_on or ctx.today, ctx.today
    return await project_added(
        cmd,
        ctx,
        lambda p: p.raise_risk(
            title=cmd.title,
            probability=cmd.probability,
            impact=cmd.impact,
            owner=cmd.owner,
            raised_on=when,
            today=today,
        ),
    )


@handles(c.CloseRisk)
async def close_risk(cmd: c.CloseRisk, ctx: Context) -> Project:
    """Close a risk with its resolution and outcome (on today unless an earlier date is
    given)."""
    when, today = cmd.closed_on or ctx.today, ctx.today
    return await changed_project(
        cmd,
        ctx,
        lambda p: p.close_risk(
            cmd.risk_id,
            resolution=cmd.resolution,
            outcome=cmd.outcome,
            closed_on=when,
            today=today,
        ),
    )


@handles(c.SubmitStatusReport)
async def submit_status_report(cmd: c.SubmitStatusReport, ctx: Context) -> Added[Project]:
    """Submit a status report (schedule, cost and scope RAG with a summary)."""
    return await project_added(
        cmd,
        ctx,
        lambda p: p.submit_status_report(
            schedule=cmd.schedule, cost=cmd.cost, scope=cmd.scope, summary=cmd.summary
        ),
    )


@handles(c.LearnLesson)
async def learn_lesson(cmd: c.LearnLesson, ctx: Context) -> Added[Project]:
    """Record a lesson learned."""
    return await project_added(
        cmd,
        ctx,
        lambda p: p.learn_lesson(
            category=cmd.category,
            what_happened=cmd.what_happened,
            recommendation=cmd.recommendation,
        ),
    )
