"""The handlers of a program's benefits and the dependencies between its members."""

from __future__ import annotations

from pmo_shared.application.handlers import Added
from program_svc.application import commands as c
from program_svc.application.handlers.base import (
    Context,
    changed_program,
    handles,
    on_day,
    program_added,
)
from program_svc.domain.program import Program


@handles(c.PlanBenefit)
async def plan_benefit(cmd: c.PlanBenefit, ctx: Context) -> Added[Program]:
    """Plan a benefit: what is measured, in which unit, the target by a date, its owner."""
    return await program_added(
        cmd,
        ctx,
        lambda p, benefit_id: p.plan_benefit(
            benefit_id,
            name=cmd.name,
            measure=cmd.measure,
            unit=cmd.unit,
            target_value=cmd.target_value,
            target_date=cmd.target_date,
            owner=cmd.owner,
            on=on_day(cmd.effective_on, ctx),
        ),
    )


@handles(c.ReportBenefitRealisation)
async def report_benefit_realisation(cmd: c.ReportBenefitRealisation, ctx: Context) -> Program:
    """Report the value a benefit has reached, as of a date (default today)."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.report_benefit(
            cmd.benefit_id, value=cmd.value, as_of=on_day(cmd.as_of, ctx, what="as_of")
        ),
    )


@handles(c.AddDependency)
async def add_dependency(cmd: c.AddDependency, ctx: Context) -> Added[Program]:
    """Record that a member needs another (finish-to-start, or one of its deliverables); the
    graph stays acyclic."""
    return await program_added(
        cmd,
        ctx,
        lambda p, dependency_id: p.add_dependency(
            dependency_id,
            dependent_project_id=cmd.dependent_project_id,
            prerequisite_project_id=cmd.prerequisite_project_id,
            kind=cmd.kind,
            deliverable=cmd.deliverable,
            on=on_day(cmd.effective_on, ctx),
        ),
    )


@handles(c.RemoveDependency)
async def remove_dependency(cmd: c.RemoveDependency, ctx: Context) -> Program:
    """Remove a dependency that no longer holds."""
    return await changed_program(
        cmd, ctx, lambda p: p.remove_dependency(cmd.dependency_id, on=on_day(cmd.effective_on, ctx))
    )
