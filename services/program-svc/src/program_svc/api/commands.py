"""Task-based commands on a program's lifecycle, members and funding: POSTs on its
sub-resources, with If-Match. Each route only translates the request into a command and the
result into a response."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from program_svc.api import schemas
from program_svc.api.deps import OnRoute
from program_svc.application import commands as c

router = APIRouter(prefix="/v1/programs/{program_id}", tags=["program commands"])
Read = schemas.ProgramRead


@router.post("/activate", response_model=Read)
async def activate(on: OnRoute, body: schemas.DatedRequest | None = None) -> Read:
    """Activate a proposed program: the PMO or its sponsor, never its proposer or manager."""
    command = c.ActivateProgram(
        program_id=on.program_id,
        expected_version=on.if_match,
        effective_on=body.effective_on if body else None,
    )
    return on.program(await on.send(command))


@router.post("/hold", response_model=Read)
async def hold(body: schemas.DatedReasonRequest, on: OnRoute) -> Read:
    """Pause the active program."""
    command = c.HoldProgram(
        program_id=on.program_id,
        expected_version=on.if_match,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/resume", response_model=Read)
async def resume(on: OnRoute, body: schemas.DatedRequest | None = None) -> Read:
    """Resume the paused program."""
    command = c.ResumeProgram(
        program_id=on.program_id,
        expected_version=on.if_match,
        effective_on=body.effective_on if body else None,
    )
    return on.program(await on.send(command))


@router.post("/close", response_model=Read)
async def close(on: OnRoute, body: schemas.DatedRequest | None = None) -> Read:
    """Close the program once every member has ended (completed, cancelled or closed) or been
    removed; its projects may then join another program."""
    command = c.CloseProgram(
        program_id=on.program_id,
        expected_version=on.if_match,
        effective_on=body.effective_on if body else None,
    )
    return on.program(await on.send(command))


@router.post("/cancel", response_model=Read)
async def cancel(body: schemas.DatedReasonRequest, on: OnRoute) -> Read:
    """Stop the program before it delivered; its projects may then join another program."""
    command = c.CancelProgram(
        program_id=on.program_id,
        expected_version=on.if_match,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/members", response_model=Read)
async def add_member(body: schemas.MemberCreate, on: OnRoute) -> Read:
    """Add a project of the tenant in the program's currency (422 while program-svc does not
    know it yet; 409 naming the program that has it already)."""
    command = c.AddMemberProject(
        program_id=on.program_id,
        expected_version=on.if_match,
        project_id=body.project_id,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/members/{project_id}/remove", response_model=Read)
async def remove_member(
    project_id: UUID, on: OnRoute, body: schemas.MemberRemove | None = None
) -> Read:
    """Remove a member: its allocation and assignments end with it."""
    command = c.RemoveMemberProject(
        program_id=on.program_id,
        expected_version=on.if_match,
        project_id=project_id,
        reason=body.reason if body else "",
        effective_on=body.effective_on if body else None,
    )
    return on.program(await on.send(command))


@router.post("/funding/set", response_model=Read)
async def set_pool(body: schemas.PoolSet, on: OnRoute) -> Read:
    """Set the funding pool to an amount (never below what is allocated)."""
    command = c.SetFundingPool(
        program_id=on.program_id,
        expected_version=on.if_match,
        amount=body.amount,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/funding/increase", response_model=Read)
async def increase_pool(body: schemas.PoolChange, on: OnRoute) -> Read:
    """Grow the funding pool by an amount."""
    command = c.IncreaseFundingPool(
        program_id=on.program_id,
        expected_version=on.if_match,
        amount=body.amount,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/funding/decrease", response_model=Read)
async def decrease_pool(body: schemas.PoolChange, on: OnRoute) -> Read:
    """Shrink the funding pool by an amount (never below what is allocated)."""
    command = c.DecreaseFundingPool(
        program_id=on.program_id,
        expected_version=on.if_match,
        amount=body.amount,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/funding/allocations", response_model=Read)
async def allocate(body: schemas.AllocationCreate, on: OnRoute) -> Read:
    """Allocate funds of the pool to a member (never beyond what is unallocated)."""
    command = c.AllocateFunds(
        program_id=on.program_id,
        expected_version=on.if_match,
        project_id=body.project_id,
        amount=body.amount,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/funding/reallocations", response_model=Read)
async def reallocate(body: schemas.ReallocationCreate, on: OnRoute) -> Read:
    """Move funds from one member's allocation to another's (the source keeps at least its
    actual cost so far)."""
    command = c.ReallocateFunds(
        program_id=on.program_id,
        expected_version=on.if_match,
        from_project_id=body.from_project_id,
        to_project_id=body.to_project_id,
        amount=body.amount,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))
