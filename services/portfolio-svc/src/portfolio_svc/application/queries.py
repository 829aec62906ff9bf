"""The reads of portfolio-svc: a portfolio now or as it was known, the list, the audit trail,
and the PMO's standards. Each runs in a read-only unit of work of the caller's tenant. The
analyses of a portfolio (ranking, selection, frontier, scenarios) are in `analysis`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from pmo_shared.application.caller import Caller
from pmo_shared.application.errors import AggregateNotFoundError
from pmo_shared.application.handlers import CommandBus
from pmo_shared.domain.events import EventEnvelope
from portfolio_svc.application.errors import NoStandardsError
from portfolio_svc.application.ports import PortfolioConfig, PortfolioListing, PortfolioRows
from portfolio_svc.domain.events import registry
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards
from portfolio_svc.domain.standards_events import PmoStandardsSet, standards_id

Bus = CommandBus[PortfolioRows, PortfolioConfig]


def today(bus: Bus, caller: Caller) -> date:
    """The tenant's today: the business date a read answers by default."""
    return bus.clock(caller.tenant)


async def get_portfolio(
    bus: Bus, caller: Caller, portfolio_id: UUID, *, known_at: datetime | None = None
) -> Portfolio:
    """The portfolio now, or as the system knew it at `known_at` (from the events recorded by
    then: record time); 404 if the tenant has none (then)."""
    async with bus.reading(caller) as uow:
        return await uow.get(Portfolio, portfolio_id, as_of=known_at)


async def list_portfolios(
    bus: Bus, caller: Caller, *, manager: str | None, after: int | None, limit: int
) -> Sequence[PortfolioListing]:
    """One page of the caller's tenant's portfolios; `after` is the last row's `seq`."""
    async with bus.reading(caller) as uow:
        return await uow.rows.list_portfolios(
            tenant_id=caller.tenant, manager=manager, after=after, limit=limit
        )


async def portfolio_history(bus: Bus, caller: Caller, portfolio_id: UUID) -> list[EventEnvelope]:
    """The portfolio's events: its audit trail."""
    async with bus.reading(caller) as uow:
        recorded = await uow.events.read_stream(stream_id=portfolio_id, tenant_id=caller.tenant)
    if not recorded or recorded[0].envelope.stream_type != Portfolio.stream_type:
        raise AggregateNotFoundError("portfolio", portfolio_id)
    return [r.envelope for r in recorded]


@dataclass(frozen=True, slots=True)
class StandardsInForce:
    """A set of the PMO's standards, the version of the tenant's standards stream that holds
    it, and when it was recorded."""

    standards: PmoStandardsSet
    version: int
    recorded_at: datetime | None = None


async def standards_in_force(
    bus: Bus, caller: Caller, *, as_of: date | None = None, known_at: datetime | None = None
) -> StandardsInForce:
    """The tenant's standards in force on `as_of` (default today), as known at `known_at`
    (default now); 404 when none is."""
    day = as_of or today(bus, caller)
    async with bus.reading(caller) as uow:
        standards = await uow.load(PmoStandards, standards_id(caller.tenant), as_of=known_at)
    found = standards.sets.at(day) if standards is not None else None
    if standards is None or found is None:
        raise NoStandardsError(on=day)
    return StandardsInForce(found, standards.version)


async def standards_history(bus: Bus, caller: Caller) -> list[StandardsInForce]:
    """Every set of the tenant's standards in the order recorded, with the version it made and
    its record time (empty before the first)."""
    async with bus.reading(caller) as uow:
        recorded = await uow.events.read_stream(
            stream_id=standards_id(caller.tenant), tenant_id=caller.tenant
        )
    history: list[StandardsInForce] = []
    for r in recorded:
        event = registry.decode_envelope(r.envelope)
        if isinstance(event, PmoStandardsSet):
            history.append(
                StandardsInForce(event, r.envelope.stream_version, r.envelope.occurred_at)
            )
    return history
