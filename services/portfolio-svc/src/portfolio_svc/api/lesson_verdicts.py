"""HTTP route of the PMO's verdicts on the lessons reporting-svc suggests to a project: each on
the tenant's PMO stream (the standards' stream), in force from its date; the PMO alone judges."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from pmo_shared.web.commands import CallerDep, Idempotency, etag
from portfolio_svc.api import reads, schemas
from portfolio_svc.api.deps import Bus
from portfolio_svc.api.views import verdict_read
from portfolio_svc.application import commands as c
from portfolio_svc.domain.standards import Suggestion

router = APIRouter(prefix="/v1/pmo/lesson-verdicts", tags=["PMO standards"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=reads.LessonVerdictRead)
async def judge_suggested_lesson(
    body: schemas.LessonVerdictCreate,
    bus: Bus,
    caller: CallerDep,
    response: Response,
    idempotency: Idempotency,
) -> reads.LessonVerdictRead:
    """Record whether a lesson suggested for a project is useful for it, from `judged_on`
    (the PMO only; honours Idempotency-Key): a later verdict on the same project and lesson
    replaces it from its own date. Useful lessons rank higher for the project; one judged not
    useful is not suggested for it again, and sinks for others the more projects judge it so
    (GET /v1/reports/projects/{id}/suggested-lessons on reporting-svc)."""
    suggestion = Suggestion(body.project_id, body.lesson_id)
    command = c.JudgeLessonSuggestion(
        suggestion=suggestion, useful=body.useful, note=body.note, judged_on=body.judged_on
    )
    outcome = await bus.run(command, caller, idempotency=idempotency)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["ETag"] = etag(outcome.result.version)
    return verdict_read(outcome.result, suggestion)
