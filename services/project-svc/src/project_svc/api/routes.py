"""HTTP routes of projects: create, read, list, audit trail."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from pmo_shared.application.caller import Caller
from pmo_shared.domain.values import BUSINESS_DATE_RANGE, RecordInstant
from pmo_shared.web.commands import CallerDep, Idempotency, etag
from pmo_shared.web.cursors import decode_cursor_number, encode_cursor_number, page_response
from pmo_shared.web.problems import Problem
from pmo_shared.web.requests import QueryText
from project_svc.api import schemas
from project_svc.api.deps import Bus, ProjectBus
from project_svc.api.views import project_read
from project_svc.application import commands as c
from project_svc.application import queries
from project_svc.domain.project import Project
from project_svc.domain.values import ProjectStatus

router = APIRouter(prefix="/v1/projects", tags=["projects"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.ProjectRead)
async def propose_project(
    body: schemas.ProjectCreate,
    bus: Bus,
    caller: CallerDep,
    response: Response,
    idempotency: Idempotency,
) -> schemas.ProjectRead:
    """Propose a project (honours Idempotency-Key)."""
    command = c.ProposeProject(
        code=body.code,
        name=body.name,
        description=body.description,
        manager=body.manager,
        sponsor=body.sponsor,
        methodology=body.methodology,
        currency=body.currency,
        flagged_large=body.flagged_large,
    )
    proposal = await bus.run(command, caller, idempotency=idempotency)
    response.headers["Location"] = f"/v1/projects/{proposal.result.id}"
    if proposal.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return await _read(bus, caller, proposal.result, response)


@router.get("", response_model=schemas.ProjectPage)
async def list_projects(
    bus: Bus,
    caller: CallerDep,
    status_: Annotated[ProjectStatus | None, Query(alias="status")] = None,
    manager: Annotated[QueryText | None, Query()] = None,
    large: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The tenant's projects, filtered, in creation order, a page at a time."""
    rows = await queries.list_projects(
        bus,
        caller,
        status=status_,
        manager=manager,
        large=large,
        after=_cursor(cursor),
        limit=limit,
    )
    more = len(rows) == limit
    return page_response(schemas.ProjectPage, rows, _encode(rows[-1].seq) if more else None)


@router.get("/{project_id}", response_model=schemas.ProjectRead)
async def get_project(
    project_id: UUID,
    bus: Bus,
    caller: CallerDep,
    response: Response,
    known_at: Annotated[
        RecordInstant | None,
        Query(
            description=(
                "record time: the project as the system knew it at this instant (ISO 8601 "
                f"with its offset, within {BUSINESS_DATE_RANGE} in UTC), from the events "
                "recorded by then; default now"
            )
        ),
    ] = None,
    as_of: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> schemas.ProjectRead:
    """A project now (with its ETag), or as it was known at `known_at`."""
    if as_of is not None:
        raise _renamed_as_of()
    project = await queries.get_project(bus, caller, project_id, known_at=known_at)
    return await _read(bus, caller, project, response)


def _renamed_as_of() -> Problem:
    """`as_of` is a business date in the reports; here record time is `known_at` (400)."""
    return Problem(
        400,
        slug="renamed-parameter",
        detail=(
            "as_of is no parameter of a project: use known_at=<timestamp> for the project as "
            "it was known then (as_of is the business date of reporting-svc's reports)"
        ),
    )


@router.get("/{project_id}/events", response_model=list[schemas.EventRead])
async def project_events(project_id: UUID, bus: Bus, caller: CallerDep) -> list[schemas.EventRead]:
    """The project's audit trail: every event, oldest first."""
    envelopes = await queries.project_history(bus, caller, project_id)
    return [schemas.EventRead.model_validate(e.model_dump()) for e in envelopes]


async def _read(
    bus: ProjectBus, caller: Caller, project: Project, response: Response
) -> schemas.ProjectRead:
    response.headers["ETag"] = etag(project.version)
    return project_read(project, large=await queries.is_large(bus, caller, project))


def _encode(seq: int) -> str:
    return encode_cursor_number("p", seq)


def _cursor(cursor: str | None) -> int | None:
    return decode_cursor_number(cursor, "p")
