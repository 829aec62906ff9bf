"""The handlers of a program's member projects and its funding pool. Adding a member and moving
funds read what program-svc knows of the projects (from project-svc's events) in the same unit
of work."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from program_svc.application import commands as c
from program_svc.application.handlers.base import (
    Context,
    changed_program,
    handles,
    known_project,
    managed_program,
    on_day,
    require_free,
)
from program_svc.domain.program import Program


@handles(c.AddMemberProject)
async def add_member_project(cmd: c.AddMemberProject, ctx: Context) -> Program:
    """Add a project of the tenant, in the program's currency, that no other program has."""
    program = await managed_program(cmd, ctx)
    project = await known_project(ctx, cmd.project_id)
    await require_free(ctx, program, cmd.project_id)
    program.add_member(cmd.project_id, currency=project.currency, on=on_day(cmd.effective_on, ctx))
    await ctx.save(program)
    return program


@handles(c.RemoveMemberProject)
async def remove_member_project(cmd: c.RemoveMemberProject, ctx: Context) -> Program:
    """Remove a member; its allocation and assignments end with it."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.remove_member(
            cmd.project_id, reason=cmd.reason, on=on_day(cmd.effective_on, ctx)
        ),
    )


@handles(c.SetFundingPool)
async def set_funding_pool(cmd: c.SetFundingPool, ctx: Context) -> Program:
    """Set the pool to an amount (never below what is allocated)."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.set_pool(cmd.amount, reason=cmd.reason, on=on_day(cmd.effective_on, ctx)),
    )


@handles(c.IncreaseFundingPool)
async def increase_funding_pool(cmd: c.IncreaseFundingPool, ctx: Context) -> Program:
    """Grow the pool by an amount."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.increase_pool(cmd.amount, reason=cmd.reason, on=on_day(cmd.effective_on, ctx)),
    )


@handles(c.DecreaseFundingPool)
async def decrease_funding_pool(cmd: c.DecreaseFundingPool, ctx: Context) -> Program:
    """Shrink the pool by an amount (never below what is allocated)."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.decrease_pool(cmd.amount, reason=cmd.reason, on=on_day(cmd.effective_on, ctx)),
    )


@handles(c.AllocateFunds)
async def allocate_funds(cmd: c.AllocateFunds, ctx: Context) -> Program:
    """Allocate funds of the pool to a member (never more than the pool has unallocated)."""
    return await changed_program(
        cmd,
        ctx,
        lambda p: p.allocate(cmd.project_id, cmd.amount, on=on_day(cmd.effective_on, ctx)),
    )


@handles(c.ReallocateFunds)
async def reallocate_funds(cmd: c.ReallocateFunds, ctx: Context) -> Program:
    """Move funds from one member's allocation to another's; the source keeps at least what
    it has spent (its actual cost as program-svc knows it from project-svc's events)."""
    program = await managed_program(cmd, ctx)
    spent = await actual_cost_of(ctx, program, cmd.from_project_id)
    program.reallocate(
        cmd.from_project_id,
        cmd.to_project_id,
        cmd.amount,
        actual_cost=spent,
        reason=cmd.reason,
        on=on_day(cmd.effective_on, ctx),
    )
    await ctx.save(program)
    return program


async def actual_cost_of(ctx: Context, program: Program, project_id: UUID) -> Decimal:
    """A member's actual cost to date; zero for a project that is no member (the program
    refuses to move its funds)."""
    if project_id not in program.members:
        return Decimal(0)
    return (await known_project(ctx, project_id)).actual_cost
