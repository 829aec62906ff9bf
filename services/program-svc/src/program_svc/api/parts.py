"""Task-based commands on a program's resource pool, assignments, benefits and dependencies:
POSTs on its sub-resources, with If-Match. What a command adds answers 201 with its id."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from program_svc.api import schemas
from program_svc.api.deps import OnRoute
from program_svc.application import commands as c

router = APIRouter(prefix="/v1/programs/{program_id}", tags=["program parts"])
Read = schemas.ProgramRead
Created = schemas.Created
CREATED = status.HTTP_201_CREATED


@router.post("/resources", status_code=CREATED, response_model=Created)
async def add_resource(body: schemas.ResourceCreate, on: OnRoute) -> Created:
    """Add a person or a role to the resource pool, with its skills and weekly capacity."""
    command = c.AddResource(
        program_id=on.program_id,
        expected_version=on.if_match,
        kind=body.kind,
        person=body.person,
        role=body.role,
        skills=tuple(body.skills),
        weekly_capacity_hours=body.weekly_capacity_hours,
        cost_rate=body.cost_rate,
        effective_on=body.effective_on,
    )
    return on.added(await on.send(command))


@router.post("/assignments", status_code=CREATED, response_model=Created)
async def assign(body: schemas.AssignmentCreate, on: OnRoute) -> Created:
    """Assign a resource to a member for hours per week over ISO weeks (never beyond its
    weekly capacity)."""
    command = c.AssignResource(
        program_id=on.program_id,
        expected_version=on.if_match,
        resource_id=body.resource_id,
        project_id=body.project_id,
        hours_per_week=body.hours_per_week,
        first_week=body.first_week,
        last_week=body.last_week,
        effective_on=body.effective_on,
    )
    return on.added(await on.send(command))


@router.post("/assignments/{assignment_id}/hours", response_model=Read)
async def change_hours(assignment_id: UUID, body: schemas.HoursChange, on: OnRoute) -> Read:
    """Change an assignment's hours per week (for all its weeks)."""
    command = c.ChangeAssignmentHours(
        program_id=on.program_id,
        expected_version=on.if_match,
        assignment_id=assignment_id,
        hours_per_week=body.hours_per_week,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/assignments/{assignment_id}/end-early", response_model=Read)
async def end_early(assignment_id: UUID, body: schemas.EarlyEnd, on: OnRoute) -> Read:
    """End an assignment with an earlier week than planned."""
    command = c.EndAssignmentEarly(
        program_id=on.program_id,
        expected_version=on.if_match,
        assignment_id=assignment_id,
        last_week=body.last_week,
        effective_on=body.effective_on,
    )
    return on.program(await on.send(command))


@router.post("/assignments/{assignment_id}/release", response_model=Read)
async def release(
    assignment_id: UUID, on: OnRoute, body: schemas.DatedRequest | None = None
) -> Read:
    """Release an assignment: none of its weeks count any more."""
    command = c.ReleaseAssignment(
        program_id=on.program_id,
        expected_version=on.if_match,
        assignment_id=assignment_id,
        effective_on=body.effective_on if body else None,
    )
    return on.program(await on.send(command))


@router.post("/benefits", status_code=CREATED, response_model=Created)
async def plan_benefit(body: schemas.BenefitCreate, on: OnRoute) -> Created:
    """Plan a benefit: what is measured, in which unit, the target by a date, its owner."""
    command = c.PlanBenefit(
        program_id=on.program_id,
        expected_version=on.if_match,
        name=body.name,
        measure=body.measure,
        unit=body.unit,
        target_value=body.target_value,
        target_date=body.target_date,
        owner=body.owner,
        effective_on=body.effective_on,
    )
    return on.added(await on.send(command))


@router.post("/benefits/{benefit_id}/realisations", response_model=Read)
async def report_realisation(
    benefit_id: UUID, body: schemas.RealisationCreate, on: OnRoute
) -> Read:
    """Report the value a benefit has reached, as of a date (default today)."""
    command = c.ReportBenefitRealisation(
        program_id=on.program_id,
        expected_version=on.if_match,
        benefit_id=benefit_id,
        value=body.value,
        as_of=body.as_of,
    )
    return on.program(await on.send(command))


@router.post("/dependencies", status_code=CREATED, response_model=Created)
async def add_dependency(body: schemas.DependencyCreate, on: OnRoute) -> Created:
    """Record that a member needs another (finish-to-start, or a deliverable of it); the
    dependencies stay acyclic."""
    command = c.AddDependency(
        program_id=on.program_id,
        expected_version=on.if_match,
        dependent_project_id=body.dependent_project_id,
        prerequisite_project_id=body.prerequisite_project_id,
        kind=body.kind,
        deliverable=body.deliverable,
        effective_on=body.effective_on,
    )
    return on.added(await on.send(command))


@router.post("/dependencies/{dependency_id}/remove", response_model=Read)
async def remove_dependency(
    dependency_id: UUID, on: OnRoute, body: schemas.DatedRequest | None = None
) -> Read:
    """Remove a dependency that no longer holds."""
    command = c.RemoveDependency(
        program_id=on.program_id,
        expected_version=on.if_match,
        dependency_id=dependency_id,
        effective_on=body.effective_on if body else None,
    )
    return on.program(await on.send(command))
