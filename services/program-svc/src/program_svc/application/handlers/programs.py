"""The handlers of a program's charter and lifecycle."""

from __future__ import annotations

from uuid import uuid4

from pmo_shared.application.caller import Role
from pmo_shared.application.errors import ForbiddenError
from program_svc.application import commands as c
from program_svc.application.handlers.base import (
    Context,
    changed_program,
    handles,
    managed_program,
    on_day,
    require_approver,
)
from program_svc.domain.program import Program


@handles(c.ProposeProgram)
async def propose_program(cmd: c.ProposeProgram, ctx: Context) -> Program:
    """Propose a program: the PMO, or a program manager for a program they manage."""
    ctx.caller.require_role(Role.PMO, Role.PROGRAM_MANAGER)
    if not ctx.caller.has_role(Role.PMO) and cmd.manager != ctx.caller.subject:
        raise ForbiddenError("a program manager may only propose programs they manage")
    program = Program.propose(
        uuid4(),
        code=cmd.code,
        name=cmd.name,
        area=cmd.area,
        description=cmd.description,
        manager=cmd.manager,
        sponsor=cmd.sponsor,
        currency=cmd.currency,
        on=on_day(cmd.proposed_on, ctx, what="proposed_on"),
    )
    await ctx.save(program)
    return program


@handles(c.ActivateProgram)
async def activate_program(cmd: c.ActivateProgram, ctx: Context) -> Program:
    """Activate a proposed program: the PMO or its sponsor may, never its proposer or its
    manager (`require_approver`)."""
    program = await ctx.uow.get(Program, cmd.program_id, expected_version=cmd.expected_version)
    await require_approver(ctx, program)
    program.activate(by=ctx.caller.subject, on=on_day(cmd.effective_on, ctx))
    await ctx.save(program)
    return program


@handles(c.HoldProgram)
async def hold_program(cmd: c.HoldProgram, ctx: Context) -> Program:
    """Pause the program."""
    return await changed_program(
        cmd, ctx, lambda p: p.put_on_hold(reason=cmd.reason, on=on_day(cmd.effective_on, ctx))
    )


@handles(c.ResumeProgram)
async def resume_program(cmd: c.ResumeProgram, ctx: Context) -> Program:
    """Resume the paused program."""
    return await changed_program(cmd, ctx, lambda p: p.resume(on=on_day(cmd.effective_on, ctx)))


@handles(c.CloseProgram)
async def close_program(cmd: c.CloseProgram, ctx: Context) -> Program:
    """Close the program once each member has ended (its status as program-svc knows it from
    project-svc's events; one it knows nothing of has not)."""
    program = await managed_program(cmd, ctx)
    refs = await ctx.uow.rows.project_refs(tenant_id=ctx.caller.tenant, project_ids=program.members)
    statuses = {project_id: ref.status for project_id, ref in refs.items()}
    program.close(member_statuses=statuses, on=on_day(cmd.effective_on, ctx))
    await ctx.save(program)
    return program


@handles(c.CancelProgram)
async def cancel_program(cmd: c.CancelProgram, ctx: Context) -> Program:
    """Stop the program before it delivered."""
    return await changed_program(
        cmd, ctx, lambda p: p.cancel(reason=cmd.reason, on=on_day(cmd.effective_on, ctx))
    )
