"""Dependencies of the routes: the command bus, the context every command route shares (the
kernel's `pmo_shared.web.commands` has the caller, If-Match and the ETag), and the two time
axes a read takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import Depends, Query, Request, Response

from pmo_shared.application.caller import Caller
from pmo_shared.application.handlers import Command, CommandBus
from pmo_shared.application.idempotency import IdempotentRequest
from pmo_shared.domain.values import BUSINESS_DATE_RANGE, BusinessDate, RecordInstant
from pmo_shared.web.commands import CallerDep, Idempotency, IfMatch, etag
from portfolio_svc.api import reads
from portfolio_svc.api.views import portfolio_read
from portfolio_svc.application.ports import PortfolioConfig, PortfolioRows
from portfolio_svc.domain.portfolio import Portfolio

R = TypeVar("R")
PortfolioBus = CommandBus[PortfolioRows, PortfolioConfig]

KnownAt = Annotated[
    RecordInstant | None,
    Query(
        description=(
            "record time: as the system knew it at this instant (ISO 8601 with its offset, "
            f"within {BUSINESS_DATE_RANGE} in UTC), from the events recorded by then; default now"
        )
    ),
]
AsOf = Annotated[
    BusinessDate | None,
    Query(
        description=(
            "business date: the facts in force on this day (weights, scores, costs, budget, "
            f"capacities, decisions ...), within {BUSINESS_DATE_RANGE}; default the tenant's today"
        )
    ),
]


async def get_bus(request: Request) -> PortfolioBus:
    """The command bus built by the composition root."""
    bus: PortfolioBus = request.app.state.commands
    return bus


Bus = Annotated[PortfolioBus, Depends(get_bus)]


@dataclass(frozen=True, slots=True)
class On:
    """What a command route needs besides its body: which portfolio, who asks, at which
    version; sends the command and answers with the new state and its ETag."""

    portfolio_id: UUID
    bus: PortfolioBus
    caller: Caller
    if_match: int | None
    response: Response
    idempotency: IdempotentRequest | None = None

    async def send(self, command: Command[R]) -> R:
        """Handle the command for the caller, once per Idempotency-Key (a retry gets the first
        result, marked `Idempotent-Replayed`)."""
        outcome = await self.bus.run(command, self.caller, idempotency=self.idempotency)
        if outcome.replayed:
            self.response.headers["Idempotent-Replayed"] = "true"
        return outcome.result

    async def portfolio(self, command: Command[Portfolio]) -> reads.PortfolioRead:
        """Send the command; answer with the portfolio and its ETag."""
        return answer(await self.send(command), self.response)


def answer(portfolio: Portfolio, response: Response) -> reads.PortfolioRead:
    """The portfolio's representation, its ETag on the response."""
    response.headers["ETag"] = etag(portfolio.version)
    return portfolio_read(portfolio)


async def on(
    portfolio_id: UUID,
    bus: Bus,
    caller: CallerDep,
    if_match: IfMatch,
    response: Response,
    idempotency: Idempotency,
) -> On:
    """The command context of a portfolio route."""
    return On(portfolio_id, bus, caller, if_match, response, idempotency)


OnRoute = Annotated[On, Depends(on)]
