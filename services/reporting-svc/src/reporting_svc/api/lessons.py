"""Lessons that find new projects: `GET /v1/reports/projects/{id}/suggested-lessons`, the
lessons of the tenant's closed projects ranked by their relevance to a project, every term of
the score shown with its reason (`application.lessons` says how it is scored). Answers at a
status date (`as_of`, business time) as known at an instant (`known_at`, record time), for any
role of the caller's tenant; another tenant's project is a 404. The PMO marks a suggestion
useful or not on portfolio-svc (`POST /v1/pmo/lesson-verdicts`); those verdicts rank here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from pmo_shared.web.auth import TenantPrincipal
from reporting_svc.api.reports import AskedWhen
from reporting_svc.api.schemas import PERSON
from reporting_svc.application.lessons import (
    MIN_SIMILARITY,
    WEIGHTS,
    LessonSuggestionService,
    Suggestion,
    Suggestions,
    Term,
)

router = APIRouter(prefix="/v1/reports", tags=["lessons"])

Points = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+\.[0-9]{4}$",
        description="a decimal string with 4 decimal places",
        examples=["0.2381"],
    ),
]


class TermRead(BaseModel):
    term: str = Field(
        description="full_text, trigram, methodology, verdict, useful_elsewhere or "
        "not_useful_elsewhere"
    )
    measure: Points = Field(
        description="the rank, the similarity, 1 or 0 (same methodology; verdict useful for "
        "this project), or a number of other projects"
    )
    weight: str = Field(description="what the measure is multiplied by (a decimal string)")
    points: Points = Field(description="measure x weight: what the term adds to the score")
    reason: str


class VerdictRead(BaseModel):
    useful: bool
    note: str
    judged_on: date
    judged_by: str = Field(description=f"who judged: {PERSON}")


class LessonProjectRead(BaseModel):
    project_id: UUID
    code: str
    name: str
    methodology: str
    status: str = Field(description="completed, cancelled or closed at the status date")


class SuggestedLessonRead(BaseModel):
    lesson_id: UUID
    category: str
    what_happened: str
    recommendation: str
    recorded_at: datetime
    project: LessonProjectRead = Field(description="the closed project the lesson is from")
    score: Points = Field(description="the sum of the terms' points")
    reason: str = Field(description="why it is suggested: the reasons of the terms that scored")
    shared_words: list[str] = Field(description="the project's words the lesson shares")
    terms: list[TermRead]
    verdict: VerdictRead | None = Field(
        description="the PMO's verdict in force for this project (only a useful one: a lesson "
        "judged not useful for it is not suggested)"
    )


class SuggestedLessonsRead(BaseModel):
    project_id: UUID
    code: str
    name: str
    methodology: str
    as_of: date
    known_at: datetime
    words: list[str] = Field(
        description="the project's words (name, description, methodology) the full-text "
        "query is made of, English stop words dropped"
    )
    weights: dict[str, str] = Field(description="the weight of each term of the score")
    min_similarity: str = Field(
        description="the trigram similarity from which a lesson sharing no word is relevant"
    )
    considered: int = Field(description="how many lessons of closed projects were weighed")
    items: list[SuggestedLessonRead] = Field(description="best first")


async def get_lessons(request: Request) -> LessonSuggestionService:
    """The lesson suggestion service built by the composition root."""
    service: LessonSuggestionService = request.app.state.lessons
    return service


Lessons = Annotated[LessonSuggestionService, Depends(get_lessons)]
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "The tenant has (or knew at `known_at`) no such project",
        "content": _PROBLEM,
    }
}


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _term(t: Term) -> TermRead:
    return TermRead(
        term=t.name,
        measure=str(t.measure),
        weight=_plain(t.weight),
        points=str(t.points),
        reason=t.reason,
    )


def _item(s: Suggestion) -> SuggestedLessonRead:
    r, v = s.row, s.verdict
    return SuggestedLessonRead(
        lesson_id=r.lesson_id,
        category=r.category,
        what_happened=r.what_happened,
        recommendation=r.recommendation,
        recorded_at=r.occurred_at,
        project=LessonProjectRead(
            project_id=r.project_id,
            code=r.code,
            name=r.name,
            methodology=r.methodology,
            status=r.status,
        ),
        score=str(s.score),
        reason=s.reason,
        shared_words=list(s.shared_words),
        terms=[_term(t) for t in s.terms],
        verdict=None
        if v is None
        else VerdictRead(
            useful=v.useful, note=v.note, judged_on=v.judged_on, judged_by=str(v.judged_by)
        ),
    )


def suggestions_read(found: Suggestions) -> SuggestedLessonsRead:
    """The suggestions as a response body."""
    p = found.project
    return SuggestedLessonsRead(
        project_id=p.project_id,
        code=p.code,
        name=p.name,
        methodology=p.methodology,
        as_of=found.as_of,
        known_at=found.known_at,
        words=list(found.words),
        weights={name: _plain(weight) for name, weight in WEIGHTS.items()},
        min_similarity=_plain(MIN_SIMILARITY),
        considered=found.considered,
        items=[_item(s) for s in found.items],
    )


@router.get(
    "/projects/{project_id}/suggested-lessons",
    response_model=SuggestedLessonsRead,
    responses=NOT_FOUND,
)
async def suggested_lessons(
    project_id: UUID,
    service: Lessons,
    principal: TenantPrincipal,
    when: AskedWhen,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SuggestedLessonsRead:
    """The lessons of the tenant's closed projects (completed or cancelled, or closed after
    one of those, at the status date; never the project's own) most relevant to the project,
    best first: full text (ts_rank of the lesson's category, what happened and recommendation
    against the words of the project's name, description and methodology), trigram similarity
    of the two texts, a boost for the same methodology, and the PMO's verdicts in force (useful
    for this project: a boost; not useful: not suggested again; useful or not for other
    projects: up or down), every term with its reason."""
    found = await service.suggestions(principal.tenant, project_id, when=when, limit=limit)
    return suggestions_read(found)
