"""Task-based commands on a project: POSTs on its sub-resources, with If-Match. Each route only
translates the request into a command and the result into a response."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from project_svc.api import schemas
from project_svc.api.deps import OnRoute
from project_svc.application import commands as c

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["project commands"])
Read = schemas.ProjectRead
Created = schemas.Created
CREATED = status.HTTP_201_CREATED


@router.post("/baseline", response_model=Read)
async def baseline(body: schemas.BaselineCreate, on: OnRoute) -> Read:
    """Set the baseline (re-baselining once underway needs a reason, and the PMO where its
    standards require the gate `rebaseline_active_needs_pmo`: else 403 `pmo-gate`)."""
    command = c.BaselineProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        budget_at_completion=body.budget_at_completion,
        planned_start=body.planned_start,
        planned_finish=body.planned_finish,
        planned_values=tuple(body.planned_values),
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return await on.project(await on.send(command))


@router.post("/approve", response_model=Read)
async def approve(on: OnRoute, body: schemas.DatedRequest | None = None) -> Read:
    """Approve a baselined proposal (as of today unless an earlier date is given); one whose BAC
    reaches the PMO's portfolio-approval threshold in force then needs the portfolio's
    "approve" decision in force then (else 409 `portfolio-decision-required`)."""
    command = c.ApproveProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        effective_on=body.effective_on if body else None,
    )
    return await on.project(await on.send(command))


@router.post("/start", response_model=Read)
async def start(on: OnRoute, body: schemas.StartRequest | None = None) -> Read:
    """Start approved work (today unless an earlier actual start is given)."""
    command = c.StartProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        actual_start=body.actual_start if body else None,
    )
    return await on.project(await on.send(command))


@router.post("/hold", response_model=Read)
async def hold(body: schemas.DatedReasonRequest, on: OnRoute) -> Read:
    """Pause active work (from today unless an earlier date is given)."""
    command = c.HoldProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return await on.project(await on.send(command))


@router.post("/resume", response_model=Read)
async def resume(on: OnRoute, body: schemas.DatedRequest | None = None) -> Read:
    """Resume paused work (from today unless an earlier date is given)."""
    command = c.ResumeProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        effective_on=body.effective_on if body else None,
    )
    return await on.project(await on.send(command))


@router.post("/complete", response_model=Read)
async def complete(on: OnRoute, body: schemas.CompleteRequest | None = None) -> Read:
    """Finish active work; its Project Office is disbanded in the same transaction."""
    command = c.CompleteProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        actual_finish=body.actual_finish if body else None,
    )
    return await on.project(await on.send(command))


@router.post("/cancel", response_model=Read)
async def cancel(body: schemas.DatedReasonRequest, on: OnRoute) -> Read:
    """Stop the project (as of today unless an earlier date is given); its Project Office is
    disbanded in the same transaction."""
    command = c.CancelProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        reason=body.reason,
        effective_on=body.effective_on,
    )
    return await on.project(await on.send(command))


@router.post("/close", response_model=Read)
async def close(on: OnRoute, body: schemas.CloseRequest | None = None) -> Read:
    """Close a finished project (needs a lesson learned or a no_lessons_reason)."""
    command = c.CloseProject(
        project_id=on.project_id,
        expected_version=on.if_match,
        no_lessons_reason=body.no_lessons_reason if body else None,
        effective_on=body.effective_on if body else None,
    )
    return await on.project(await on.send(command))


@router.post("/progress", response_model=Read)
async def progress(body: schemas.ProgressCreate, on: OnRoute) -> Read:
    """Report percent complete as of a date (default today)."""
    command = c.ReportProgress(
        project_id=on.project_id,
        expected_version=on.if_match,
        percent_complete=body.percent_complete,
        as_of=body.as_of,
    )
    return await on.project(await on.send(command))


@router.post("/costs", status_code=CREATED, response_model=Created)
async def record_cost(body: schemas.CostCreate, on: OnRoute) -> Created:
    """Record an actual cost."""
    command = c.RecordCost(
        project_id=on.project_id,
        expected_version=on.if_match,
        amount=body.amount,
        incurred_on=body.incurred_on,
        category=body.category,
        description=body.description,
    )
    return on.added(await on.send(command))


@router.post("/milestones", status_code=CREATED, response_model=Created)
async def add_milestone(body: schemas.MilestoneCreate, on: OnRoute) -> Created:
    """Plan a milestone."""
    command = c.AddMilestone(
        project_id=on.project_id,
        expected_version=on.if_match,
        name=body.name,
        due_date=body.due_date,
    )
    return on.added(await on.send(command))


@router.post("/milestones/{milestone_id}/achieve", response_model=Read)
async def achieve_milestone(
    milestone_id: UUID, on: OnRoute, body: schemas.MilestoneAchieve | None = None
) -> Read:
    """Mark a milestone achieved (once)."""
    command = c.AchieveMilestone(
        project_id=on.project_id,
        expected_version=on.if_match,
        milestone_id=milestone_id,
        achieved_on=body.achieved_on if body else None,
    )
    return await on.project(await on.send(command))


@router.post("/risks", status_code=CREATED, response_model=Created)
async def raise_risk(body: schemas.RiskCreate, on: OnRoute) -> Created:
    """Raise a risk (on today unless an earlier `raised_on` is given)."""
    command = c.RaiseRisk(
        project_id=on.project_id,
        expected_version=on.if_match,
        title=body.title,
        probability=body.probability,
        impact=body.impact,
        owner=body.owner,
        raised_on=body.raised_on,
    )
    return on.added(await on.send(command))


@router.post("/risks/{risk_id}/close", response_model=Read)
async def close_risk(risk_id: UUID, body: schemas.RiskClose, on: OnRoute) -> Read:
    """Close a risk with its resolution and outcome (default "unrecorded"; "materialised" when
    it happened), on today unless an earlier `closed_on` is given (not before it was raised:
    else 422)."""
    command = c.CloseRisk(
        project_id=on.project_id,
        expected_version=on.if_match,
        risk_id=risk_id,
        resolution=body.resolution,
        outcome=body.outcome,
        closed_on=body.closed_on,
    )
    return await on.project(await on.send(command))


@router.post("/status-reports", status_code=CREATED, response_model=Created)
async def submit_status_report(body: schemas.StatusReportCreate, on: OnRoute) -> Created:
    """Submit a status report (schedule, cost and scope RAG with a summary)."""
    command = c.SubmitStatusReport(
        project_id=on.project_id,
        expected_version=on.if_match,
        schedule=body.schedule,
        cost=body.cost,
        scope=body.scope,
        summary=body.summary,
    )
    return on.added(await on.send(command))


@router.post("/lessons", status_code=CREATED, response_model=Created)
async def learn_lesson(body: schemas.LessonCreate, on: OnRoute) -> Created:
    """Record a lesson learned."""
    command = c.LearnLesson(
        project_id=on.project_id,
        expected_version=on.if_match,
        category=body.category,
        what_happened=body.what_happened,
        recommendation=body.recommendation,
    )
    return on.added(await on.send(command))
