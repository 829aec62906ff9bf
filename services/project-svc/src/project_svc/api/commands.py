"""Task-based commands on a project: POSTs on its sub-resources, with If-Match."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from project_svc.api import schemas
from project_svc.api.deps import CallerDep, IfMatch, Service
from project_svc.api.routes import run_command
from project_svc.domain.project import Project

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["project commands"])
Read = schemas.ProjectRead
CREATED = status.HTTP_201_CREATED


@router.post("/baseline", response_model=Read)
async def baseline(
    project_id: UUID,
    body: schemas.BaselineCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Set the baseline (re-baselining once underway needs a reason)."""

    def command(p: Project) -> None:
        p.set_baseline(
            budget_at_completion=body.budget_at_completion,
            planned_start=body.planned_start,
            planned_finish=body.planned_finish,
            planned_values=tuple(body.planned_values),
            reason=body.reason,
        )

    return (await run_command(service, caller, project_id, if_match, response, command))[0]


@router.post("/approve", response_model=Read)
async def approve(
    project_id: UUID,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    body: schemas.Empty | None = None,
) -> Read:
    """Approve a baselined proposal."""

    def command(p: Project) -> None:
        p.approve(approved_by=caller.principal.subject)

    return (await run_command(service, caller, project_id, if_match, response, command))[0]


@router.post("/start", response_model=Read)
async def start(
    project_id: UUID,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    body: schemas.StartRequest | None = None,
) -> Read:
    """Start approved work."""
    today = service.today()
    when = (body.actual_start if body else None) or today
    return (
        await run_command(
            service,
            caller,
            project_id,
            if_match,
            response,
            lambda p: p.start(actual_start=when, today=today),
        )
    )[0]


@router.post("/hold", response_model=Read)
async def hold(
    project_id: UUID,
    body: schemas.ReasonRequest,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Pause active work."""
    return (
        await run_command(
            service, caller, project_id, if_match, response, lambda p: p.hold(reason=body.reason)
        )
    )[0]


@router.post("/resume", response_model=Read)
async def resume(
    project_id: UUID,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    body: schemas.Empty | None = None,
) -> Read:
    """Resume paused work."""
    return (
        await run_command(service, caller, project_id, if_match, response, lambda p: p.resume())
    )[0]


@router.post("/complete", response_model=Read)
async def complete(
    project_id: UUID,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    body: schemas.CompleteRequest | None = None,
) -> Read:
    """Finish active work; its Project Office is disbanded in the same transaction."""
    today = service.today()
    when = (body.actual_finish if body else None) or today
    return (
        await run_command(
            service,
            caller,
            project_id,
            if_match,
            response,
            lambda p: p.complete(actual_finish=when, today=today),
        )
    )[0]


@router.post("/cancel", response_model=Read)
async def cancel(
    project_id: UUID,
    body: schemas.ReasonRequest,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Stop the project; its Project Office is disbanded in the same transaction."""
    return (
        await run_command(
            service, caller, project_id, if_match, response, lambda p: p.cancel(reason=body.reason)
        )
    )[0]


@router.post("/close", response_model=Read)
async def close(
    project_id: UUID,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    body: schemas.CloseRequest | None = None,
) -> Read:
    """Close a finished project (needs a lesson learned or a no_lessons_reason)."""
    reason = body.no_lessons_reason if body else None
    return (
        await run_command(
            service,
            caller,
            project_id,
            if_match,
            response,
            lambda p: p.close(no_lessons_reason=reason),
        )
    )[0]


@router.post("/progress", response_model=Read)
async def progress(
    project_id: UUID,
    body: schemas.ProgressCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Report percent complete as of a date (default today)."""
    today = service.today()
    return (
        await run_command(
            service,
            caller,
            project_id,
            if_match,
            response,
            lambda p: p.report_progress(
                percent_complete=body.percent_complete, as_of=body.as_of or today, today=today
            ),
        )
    )[0]


@router.post("/costs", status_code=CREATED, response_model=schemas.Created)
async def record_cost(
    project_id: UUID,
    body: schemas.CostCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> schemas.Created:
    """Record an actual cost."""
    today = service.today()
    read, cost_id = await run_command(
        service,
        caller,
        project_id,
        if_match,
        response,
        lambda p: p.record_cost(
            amount=body.amount,
            incurred_on=body.incurred_on,
            category=body.category,
            description=body.description,
            today=today,
        ),
    )
    return schemas.Created(id=cost_id, version=read.version)


@router.post("/milestones", status_code=CREATED, response_model=schemas.Created)
async def add_milestone(
    project_id: UUID,
    body: schemas.MilestoneCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> schemas.Created:
    """Plan a milestone."""
    read, mid = await run_command(
        service,
        caller,
        project_id,
        if_match,
        response,
        lambda p: p.add_milestone(name=body.name, due_date=body.due_date),
    )
    return schemas.Created(id=mid, version=read.version)


@router.post("/milestones/{milestone_id}/achieve", response_model=Read)
async def achieve_milestone(
    project_id: UUID,
    milestone_id: UUID,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    body: schemas.MilestoneAchieve | None = None,
) -> Read:
    """Mark a milestone achieved (once)."""
    today = service.today()
    when = (body.achieved_on if body else None) or today
    return (
        await run_command(
            service,
            caller,
            project_id,
            if_match,
            response,
            lambda p: p.achieve_milestone(milestone_id, achieved_on=when, today=today),
        )
    )[0]


@router.post("/risks", status_code=CREATED, response_model=schemas.Created)
async def raise_risk(
    project_id: UUID,
    body: schemas.RiskCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> schemas.Created:
    """Raise a risk."""
    read, rid = await run_command(
        service,
        caller,
        project_id,
        if_match,
        response,
        lambda p: p.raise_risk(
            title=body.title, probability=body.probability, impact=body.impact, owner=body.owner
        ),
    )
    return schemas.Created(id=rid, version=read.version)


@router.post("/risks/{risk_id}/close", response_model=Read)
async def close_risk(
    project_id: UUID,
    risk_id: UUID,
    body: schemas.RiskClose,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> Read:
    """Close a risk with its resolution."""
    return (
        await run_command(
            service,
            caller,
            project_id,
            if_match,
            response,
            lambda p: p.close_risk(risk_id, resolution=body.resolution),
        )
    )[0]


@router.post("/status-reports", status_code=CREATED, response_model=schemas.Created)
async def submit_status_report(
    project_id: UUID,
    body: schemas.StatusReportCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> schemas.Created:
    """Submit a status report (schedule, cost and scope RAG with a summary)."""
    read, rid = await run_command(
        service,
        caller,
        project_id,
        if_match,
        response,
        lambda p: p.submit_status_report(
            schedule=body.schedule, cost=body.cost, scope=body.scope, summary=body.summary
        ),
    )
    return schemas.Created(id=rid, version=read.version)


@router.post("/lessons", status_code=CREATED, response_model=schemas.Created)
async def learn_lesson(
    project_id: UUID,
    body: schemas.LessonCreate,
    service: Service,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
) -> schemas.Created:
    """Record a lesson learned."""
    read, lid = await run_command(
        service,
        caller,
        project_id,
        if_match,
        response,
        lambda p: p.learn_lesson(
            category=body.category,
            what_happened=body.what_happened,
            recommendation=body.recommendation,
        ),
    )
    return schemas.Created(id=lid, version=read.version)
