"""The handlers of a program's shared resource pool and its assignments to members."""

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


@handles(c.AddResource)
async def add_resource(cmd: c.AddResource, ctx: Context) -> Added[Program]:
    """Add a person or a role to the pool, with its skills and weekly capacity."""
    return await program_added(
        cmd,
        ctx,
        lambda p, resource_id: p.add_resource(
            resource_id,
            kind=cmd.kind,
            person=cmd.person,
            role=cmd.role,
            skills=cmd.skills,
            weekly_capacity_hours=cmd.weekly_capacity_hours,
            cost_rate=cmd.cost_rate,
            on=on_day(cmd.effective_on, ctx),
        ),
    )


@handles(c.AssignResource)
async def assign_resource(cmd: c.AssignResource, ctx: Context) -> Added[Program]:
    """Assign a resource to a member for hours per week over a range of ISO weeks (never
    booking it beyond its weekly capacity)."""
    return await program_added(
        cmd,
        ctx,
        lambda p, assignment_id: p.assign(
            assignment_id,
            resource_id=cmd.resource_id,
            project_id=cmd.project_id,
            hours_per_week=cmd.hours_per_week,
            first_week=cmd.first_week,
            last_week=cmd.last_week,
            on=on_day(cmd.effective_on, ctx),
        ),
    )


@handles(c.ChangeAssignmentHours)
async def change_assignment_hours(cmd: c.ChangeAssignmentHours, ctx: Context) -> Program:
    """Change an assignment's hours per week."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.change_hours(
            cmd.assignment_id, hours_per_week=cmd.hours_per_week, on=on_day(cmd.effective_on, ctx)
        ),
    )


@handles(c.EndAssignmentEarly)
async def end_assignment_early(cmd: c.EndAssignmentEarly, ctx: Context) -> Program:
    """End an assignment with an earlier week than planned."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.end_early(
            cmd.assignment_id, last_week=cmd.last_week, on=on_day(cmd.effective_on, ctx)
        ),
    )


@handles(c.ReleaseAssignment)
async def release_assignment(cmd: c.ReleaseAssignment, ctx: Context) -> Program:
    """Release an assignment: none of its weeks count any more."""
    return await changed_program(
        cmd, ctx, lambda p: p.release(cmd.assignment_id, on=on_day(cmd.effective_on, ctx))
    )
