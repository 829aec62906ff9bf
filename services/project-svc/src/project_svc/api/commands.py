"""Task-based commands on a project: POSTs on its sub-resources, with If-Match."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from project_svc.api import schemas
from project_svc.api.deps import ProjectCommand

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["project commands"])
Read = schemas.ProjectRead
Created = schemas.Created
CREATED = status.HTTP_201_CREATED


@router.post("/baseline", response_model=Read)
async def baseline(body: schemas.BaselineCreate, on: ProjectCommand) -> Read:
    """Set the baseline (re-baselining once underway needs a reason)."""
    return await on.change(
        lambda p: p.set_baseline(
            budget_at_completion=body.budget_at_completion,
            planned_start=body.planned_start,
            planned_finish=body.planned_finish,
            planned_values=tuple(body.planned_values),
            reason=body.reason,
        )
    )


@router.post("/approve", response_model=Read)
async def approve(on: ProjectCommand, body: schemas.Empty | None = None) -> Read:
    """Approve a baselined proposal."""
    return await on.change(lambda p: p.approve(approved_by=on.caller.principal.subject))


@router.post("/start", response_model=Read)
async def start(on: ProjectCommand, body: schemas.StartRequest | None = None) -> Read:
    """Start approved work (today unless an earlier actual start is given)."""
    when = (body.actual_start if body else None) or on.today
    return await on.change(lambda p: p.start(actual_start=when, today=on.today))


@router.post("/hold", response_model=Read)
async def hold(body: schemas.ReasonRequest, on: ProjectCommand) -> Read:
    """Pause active work."""
    return await on.change(lambda p: p.hold(reason=body.reason))


@router.post("/resume", response_model=Read)
async def resume(on: ProjectCommand, body: schemas.Empty | None = None) -> Read:
    """Resume paused work."""
    return await on.change(lambda p: p.resume())


@router.post("/complete", response_model=Read)
async def complete(on: ProjectCommand, body: schemas.CompleteRequest | None = None) -> Read:
    """Finish active work; its Project Office is disbanded in the same transaction."""
    when = (body.actual_finish if body else None) or on.today
    return await on.change(lambda p: p.complete(actual_finish=when, today=on.today))


@router.post("/cancel", response_model=Read)
async def cancel(body: schemas.ReasonRequest, on: ProjectCommand) -> Read:
    """Stop the project; its Project Office is disbanded in the same transaction."""
    return await on.change(lambda p: p.cancel(reason=body.reason))


@router.post("/close", response_model=Read)
async def close(on: ProjectCommand, body: schemas.CloseRequest | None = None) -> Read:
    """Close a finished project (needs a lesson learned or a no_lessons_reason)."""
    reason = body.no_lessons_reason if body else None
    return await on.change(lambda p: p.close(no_lessons_reason=reason))


@router.post("/progress", response_model=Read)
async def progress(body: schemas.ProgressCreate, on: ProjectCommand) -> Read:
    """Report percent complete as of a date (default today)."""
    when = body.as_of or on.today
    return await on.change(
        lambda p: p.report_progress(
            percent_complete=body.percent_complete, as_of=when, today=on.today
        )
    )


@router.post("/costs", status_code=CREATED, response_model=Created)
async def record_cost(body: schemas.CostCreate, on: ProjectCommand) -> Created:
    """Record an actual cost."""
    return await on.add(
        lambda p: p.record_cost(
            amount=body.amount,
            incurred_on=body.incurred_on,
            category=body.category,
            description=body.description,
            today=on.today,
        )
    )


@router.post("/milestones", status_code=CREATED, response_model=Created)
async def add_milestone(body: schemas.MilestoneCreate, on: ProjectCommand) -> Created:
    """Plan a milestone."""
    return await on.add(lambda p: p.add_milestone(name=body.name, due_date=body.due_date))


@router.post("/milestones/{milestone_id}/achieve", response_model=Read)
async def achieve_milestone(
    milestone_id: UUID, on: ProjectCommand, body: schemas.MilestoneAchieve | None = None
) -> Read:
    """Mark a milestone achieved (once)."""
    when = (body.achieved_on if body else None) or on.today
    return await on.change(
        lambda p: p.achieve_milestone(milestone_id, achieved_on=when, today=on.today)
    )


@router.post("/risks", status_code=CREATED, response_model=Created)
async def raise_risk(body: schemas.RiskCreate, on: ProjectCommand) -> Created:
    """Raise a risk."""
    return await on.add(
        lambda p: p.raise_risk(
            title=body.title, probability=body.probability, impact=body.impact, owner=body.owner
        )
    )


@router.post("/risks/{risk_id}/close", response_model=Read)
async def close_risk(risk_id: UUID, body: schemas.RiskClose, on: ProjectCommand) -> Read:
    """Close a risk with its resolution."""
    return await on.change(lambda p: p.close_risk(risk_id, resolution=body.resolution))


@router.post("/status-reports", status_code=CREATED, response_model=Created)
async def submit_status_report(body: schemas.StatusReportCreate, on: ProjectCommand) -> Created:
    """Submit a status report (schedule, cost and scope RAG with a summary)."""
    return await on.add(
        lambda p: p.submit_status_report(
            schedule=body.schedule, cost=body.cost, scope=body.scope, summary=body.summary
        )
    )


@router.post("/lessons", status_code=CREATED, response_model=Created)
async def learn_lesson(body: schemas.LessonCreate, on: ProjectCommand) -> Created:
    """Record a lesson learned."""
    return await on.add(
        lambda p: p.learn_lesson(
            category=body.category,
            what_happened=body.what_happened,
            recommendation=body.recommendation,
        )
    )
