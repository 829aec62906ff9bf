"""HTTP routes of portfolios: create, read, list, audit trail."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from pmo_shared.web.commands import CallerDep, Idempotency
from pmo_shared.web.cursors import decode_cursor_number, encode_cursor_number, page_response
from pmo_shared.web.requests import QueryText
from portfolio_svc.api import reads, schemas
from portfolio_svc.api.deps import Bus, KnownAt, answer
from portfolio_svc.application import commands as c
from portfolio_svc.application import queries

router = APIRouter(prefix="/v1/portfolios", tags=["portfolios"])
CURSOR = "f"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=reads.PortfolioRead)
async def create_portfolio(
    body: schemas.PortfolioCreate,
    bus: Bus,
    caller: CallerDep,
    response: Response,
    idempotency: Idempotency,
) -> reads.PortfolioRead:
    """Create a portfolio (the PMO, or a portfolio manager for a portfolio they manage;
    honours Idempotency-Key)."""
    command = c.CreatePortfolio(
        code=body.code,
        name=body.name,
        manager=body.manager,
        currency=body.currency,
        created_on=body.created_on,
    )
    created = await bus.run(command, caller, idempotency=idempotency)
    response.headers["Location"] = f"/v1/portfolios/{created.result.id}"
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return answer(created.result, response)


@router.get("", response_model=reads.PortfolioPage)
async def list_portfolios(
    bus: Bus,
    caller: CallerDep,
    manager: Annotated[QueryText | None, Query(description="the manager's user id")] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The tenant's portfolios in creation order, a page at a time."""
    rows = await queries.list_portfolios(
        bus, caller, manager=manager, after=decode_cursor_number(cursor, CURSOR), limit=limit
    )
    more = len(rows) == limit
    next_cursor = encode_cursor_number(CURSOR, rows[-1].seq) if more else None
    return page_response(reads.PortfolioPage, rows, next_cursor)


@router.get("/{portfolio_id}", response_model=reads.PortfolioRead)
async def get_portfolio(
    portfolio_id: UUID, bus: Bus, caller: CallerDep, response: Response, known_at: KnownAt = None
) -> reads.PortfolioRead:
    """A portfolio now (with its ETag), or as it was known at `known_at`: its weights, its
    components with their costs, scores and decisions, budget, capacities, dependencies,
    exclusive groups, scenarios and adopted selections, each by effective date."""
    portfolio = await queries.get_portfolio(bus, caller, portfolio_id, known_at=known_at)
    return answer(portfolio, response)


@router.get("/{portfolio_id}/events", response_model=list[reads.EventRead])
async def portfolio_events(
    portfolio_id: UUID, bus: Bus, caller: CallerDep
) -> list[reads.EventRead]:
    """The portfolio's audit trail: every event, oldest first."""
    envelopes = await queries.portfolio_history(bus, caller, portfolio_id)
    return [reads.EventRead.model_validate(e.model_dump()) for e in envelopes]
