"""HTTP routes of programs: propose, read, list, audit trail."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from pmo_shared.domain.values import BUSINESS_DATE_RANGE, RecordInstant
from pmo_shared.web.commands import CallerDep, Idempotency
from pmo_shared.web.cursors import decode_cursor_number, encode_cursor_number, page_response
from pmo_shared.web.requests import QueryText
from program_svc.api import schemas
from program_svc.api.deps import Bus, answer
from program_svc.application import commands as c
from program_svc.application import queries
from program_svc.domain.values import ProgramStatus

router = APIRouter(prefix="/v1/programs", tags=["programs"])
CURSOR = "g"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.ProgramRead)
async def propose_program(
    body: schemas.ProgramCreate,
    bus: Bus,
    caller: CallerDep,
    response: Response,
    idempotency: Idempotency,
) -> schemas.ProgramRead:
    """Propose a program (the PMO, or a program manager for a program they manage; honours
    Idempotency-Key)."""
    command = c.ProposeProgram(
        code=body.code,
        name=body.name,
        area=body.area,
        description=body.description,
        manager=body.manager,
        sponsor=body.sponsor,
        currency=body.currency,
        proposed_on=body.proposed_on,
    )
    proposal = await bus.run(command, caller, idempotency=idempotency)
    response.headers["Location"] = f"/v1/programs/{proposal.result.id}"
    if proposal.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return answer(proposal.result, response)


@router.get("", response_model=schemas.ProgramPage)
async def list_programs(
    bus: Bus,
    caller: CallerDep,
    status_: Annotated[ProgramStatus | None, Query(alias="status")] = None,
    manager: Annotated[QueryText | None, Query(description="the manager's user id")] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The tenant's programs, filtered, in creation order, a page at a time."""
    rows = await queries.list_programs(
        bus,
        caller,
        status=status_,
        manager=manager,
        after=decode_cursor_number(cursor, CURSOR),
        limit=limit,
    )
    more = len(rows) == limit
    next_cursor = encode_cursor_number(CURSOR, rows[-1].seq) if more else None
    return page_response(schemas.ProgramPage, rows, next_cursor)


@router.get("/{program_id}", response_model=schemas.ProgramRead)
async def get_program(
    program_id: UUID,
    bus: Bus,
    caller: CallerDep,
    response: Response,
    known_at: Annotated[
        RecordInstant | None,
        Query(
            description=(
                "record time: the program as the system knew it at this instant (ISO 8601 "
                f"with its offset, within {BUSINESS_DATE_RANGE} in UTC), from the events "
                "recorded by then; default now"
            )
        ),
    ] = None,
) -> schemas.ProgramRead:
    """A program now (with its ETag), or as it was known at `known_at`: its members and their
    allocations, the funding pool, resources and their bookings, assignments, benefits and
    dependencies."""
    program = await queries.get_program(bus, caller, program_id, known_at=known_at)
    return answer(program, response)


@router.get("/{program_id}/events", response_model=list[schemas.EventRead])
async def program_events(program_id: UUID, bus: Bus, caller: CallerDep) -> list[schemas.EventRead]:
    """The program's audit trail: every event, oldest first."""
    envelopes = await queries.program_history(bus, caller, program_id)
    return [schemas.EventRead.model_validate(e.model_dump()) for e in envelopes]
