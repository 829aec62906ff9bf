"""What program-svc's handlers share: the map they register in, a command's business date,
loading and authorising a program, running a decision on it, and the projects it knows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID, uuid4

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.duties import Parties, require_may_approve
from pmo_shared.application.errors import ForbiddenError
from pmo_shared.application.handlers import Added, CommandContext, CommandHandlers
from program_svc.application import commands as c
from program_svc.application.errors import (
    FutureDateError,
    ProjectInAnotherProgramError,
    UnknownProjectError,
)
from program_svc.application.ports import ProgramRows
from program_svc.domain.program import Program
from program_svc.references.model import ProjectRef

T = TypeVar("T")

Context = CommandContext[ProgramRows, None]
HANDLERS: CommandHandlers[ProgramRows, None] = CommandHandlers()
handles = HANDLERS.handles


def on_day(day: date | None, ctx: Context, *, what: str = "effective_on") -> date:
    """The business date of a command: the tenant's today when left out; never after it."""
    if day is None:
        return ctx.today
    if day > ctx.today:
        raise FutureDateError(what=what, day=day, today=ctx.today)
    return day


def require_manager(caller: Caller, program: Program) -> None:
    """Only the PMO and the program's own manager (as program manager) change a program."""
    if caller.has_role(Role.PMO):
        return
    if program.manager == caller.subject and caller.has_role(Role.PROGRAM_MANAGER):
        return
    raise ForbiddenError("only the PMO and the program's manager may change this program")


async def require_approver(ctx: Context, program: Program) -> None:
    """The kernel's segregation of duties (`pmo_shared.application.duties`) for a program: its
    proposer is the actor of its `ProgramProposed` event, its manager and sponsor are the
    program's. The PMO or the sponsor may; never the proposer or the manager."""
    parties = Parties(
        proposer=await ctx.uow.creator_of(program.id),
        manager=program.manager,
        sponsor=program.sponsor,
    )
    require_may_approve(ctx.caller, parties, what=f"program {program.code}")


async def managed_program(cmd: c.OnProgram, ctx: Context) -> Program:
    """The program at the version the caller expects (404, 412), if the caller may change it
    (403)."""
    program = await ctx.uow.get(Program, cmd.program_id, expected_version=cmd.expected_version)
    require_manager(ctx.caller, program)
    return program


async def changed_program(
    cmd: c.OnProgram, ctx: Context, decide: Callable[[Program], object]
) -> Program:
    """Run a decision on a program the caller manages (or as PMO) and save it."""
    program = await managed_program(cmd, ctx)
    decide(program)
    await ctx.save(program)
    return program


async def program_added(
    cmd: c.OnProgram, ctx: Context, decide: Callable[[Program, UUID], object]
) -> Added[Program]:
    """`changed_program` for a decision that adds a part (a resource, an assignment ...) under
    a new id; answers with that id."""
    program = await managed_program(cmd, ctx)
    part_id = uuid4()
    decide(program, part_id)
    await ctx.save(program)
    return Added(program, part_id)


async def known_project(ctx: Context, project_id: UUID) -> ProjectRef:
    """The tenant's project as program-svc knows it from project-svc's events; 422 while it
    knows none by that id (another tenant's is unknown too)."""
    ref = await ctx.uow.rows.project_ref(tenant_id=ctx.caller.tenant, project_id=project_id)
    if ref is None:
        raise UnknownProjectError(project_id)
    return ref


async def require_free(ctx: Context, program: Program, project_id: UUID) -> None:
    """Refuse (409, naming the holder) a project that is a member of another program. The
    query rows refuse it again when saving, against a concurrent add to another program."""
    holder = await ctx.uow.rows.program_of_member(
        tenant_id=ctx.caller.tenant, project_id=project_id
    )
    if holder is not None and holder != program.id:
        raise ProjectInAnotherProgramError(project_id=project_id, program_id=holder)
