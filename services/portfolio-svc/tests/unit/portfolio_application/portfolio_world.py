"""Given-when-then helpers for the handler tests: a command bus on the in-memory event store and
rows, callers of every role, the programs and projects portfolio-svc knows, and short ways to
bring a portfolio to a state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

from pmo_shared.application.caller import Caller, Principal, Role
from pmo_shared.application.handlers import Command, CommandBus, Outcome
from pmo_shared.application.idempotency import IdempotentRequest
from pmo_shared.application.unit_of_work import InMemoryUnitsOfWork
from pmo_shared.domain.events import EventEnvelope
from portfolio_svc.application import commands as c
from portfolio_svc.application.handlers import HANDLERS
from portfolio_svc.application.ports import PortfolioConfig, PortfolioRows
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.standards import PmoStandards, StandardsInput
from portfolio_svc.domain.standards_events import HealthBand
from portfolio_svc.references.model import ProgramRef, ProjectRef

from .memory_portfolio_rows import MemoryPortfolioRows, ObservedEventStore, portfolio_units

R = TypeVar("R")

TODAY = date(2026, 6, 15)
TENANT = "acme"
OTHER_TENANT = "globex"
DEFAULT_THRESHOLD = Decimal(1_000_000)


def caller(subject: str, *roles: Role, tenant: str = TENANT) -> Caller:
    """A signed-in user of `tenant` with `roles`; the correlation id names them."""
    return Caller(Principal(subject, tenant, frozenset(roles)), correlation_id=f"corr-{subject}")


PMO = caller("pmo-carol", Role.PMO)
PIA = caller("pf-pia", Role.PORTFOLIO_MANAGER)  # manages the portfolios made by `created`
PAUL = caller("pf-paul", Role.PORTFOLIO_MANAGER)  # another portfolio manager
VIEWER = caller("viewer-vic", Role.VIEWER)
PROGRAM_MANAGER = caller("pgm-mia", Role.PROGRAM_MANAGER)
OUTSIDER = caller("pmo-olga", Role.PMO, tenant=OTHER_TENANT)


@dataclass
class World:
    """portfolio-svc's write side with no servers: the bus, its units and what they stored."""

    bus: CommandBus[PortfolioRows, PortfolioConfig]
    units: InMemoryUnitsOfWork[MemoryPortfolioRows]

    @classmethod
    def new(cls) -> World:
        units = portfolio_units()
        bus: CommandBus[Any, PortfolioConfig] = CommandBus(
            HANDLERS,
            units,
            config=PortfolioConfig(large_project_threshold=DEFAULT_THRESHOLD),
            clock=lambda _tenant: TODAY,
            aggregates=(Portfolio, PmoStandards),
        )
        return cls(bus, units)

    @property
    def store(self) -> ObservedEventStore:
        assert isinstance(self.units.store, ObservedEventStore)
        return self.units.store

    @property
    def rows(self) -> MemoryPortfolioRows:
        return self.units.rows

    async def run(self, command: Command[R], by: Caller = PMO) -> R:
        """When `by` sends `command`."""
        return await self.bus.execute(command, by)

    async def create(
        self, command: c.CreatePortfolio, by: Caller = PMO, *, key: str | None = None
    ) -> Outcome[Portfolio]:
        """When `by` creates (with an Idempotency-Key, as `POST /v1/portfolios` sends it)."""
        request = None if key is None else IdempotentRequest(key=key, route="POST /v1/portfolios")
        return await self.bus.run(command, by, idempotency=request)

    def know_program(
        self,
        *,
        tenant: str = TENANT,
        currency: str = "EUR",
        status: str = "active",
        pool: str | None = "500000",
        members: frozenset[UUID] = frozenset(),
        program_id: UUID | None = None,
    ) -> UUID:
        """Given program-svc's events of a program have reached portfolio-svc."""
        program_id = program_id or uuid4()
        self.rows.know(
            ProgramRef(
                program_id=program_id,
                tenant_id=tenant,
                code=f"G-{program_id.hex[:6]}",
                name="A program",
                status=status,
                currency=currency,
                pool=None if pool is None else Decimal(pool),
                members=members,
                last_version=1,
                updated_at=datetime(2026, 6, 1, tzinfo=UTC),
            )
        )
        return program_id

    def know_project(
        self,
        *,
        tenant: str = TENANT,
        currency: str = "EUR",
        status: str = "active",
        bac: str | None = "2000000",
        flagged_large: bool = False,
        project_id: UUID | None = None,
    ) -> UUID:
        """Given project-svc's events of a project have reached portfolio-svc (by default a
        large one: its BAC is above the default threshold)."""
        project_id = project_id or uuid4()
        self.rows.know(
            ProjectRef(
                project_id=project_id,
                tenant_id=tenant,
                code=f"P-{project_id.hex[:6]}",
                name="A project",
                status=status,
                currency=currency,
                flagged_large=flagged_large,
                budget_at_completion=None if bac is None else Decimal(bac),
                last_version=1,
                updated_at=datetime(2026, 6, 1, tzinfo=UTC),
            )
        )
        return project_id

    def events(self, stream_id: UUID | None = None) -> list[EventEnvelope]:
        """The committed events (of one stream), in position order."""
        return [
            r.envelope
            for r in self.store.events()
            if stream_id is None or r.envelope.stream_id == stream_id
        ]

    def types(self, stream_id: UUID | None = None) -> list[str]:
        """The committed events' types (of one stream), in position order."""
        return [e.event_type for e in self.events(stream_id)]


def create_command(**overrides: Any) -> c.CreatePortfolio:
    details: dict[str, Any] = {
        "code": "STRAT",
        "name": "Strategic portfolio",
        "manager": PIA.subject,
        "currency": "EUR",
        "created_on": date(2026, 1, 1),
    }
    return c.CreatePortfolio(**{**details, **overrides})


async def created(world: World, **overrides: Any) -> Portfolio:
    """Given a portfolio created by the PMO on 2026-01-01, managed by Pia unless `manager` says
    otherwise."""
    return (await world.create(create_command(**overrides))).result


def standards(**overrides: Any) -> StandardsInput:
    """A set of PMO standards (large from 100 000 EUR unless `large_project_threshold` says
    otherwise)."""
    details: dict[str, Any] = {
        "spi": HealthBand(green=Decimal("0.95"), amber=Decimal("0.85")),
        "cpi": HealthBand(green=Decimal("0.95"), amber=Decimal("0.85")),
        "reporting_cadence_days": 14,
        "time_zone": "Europe/Berlin",
        "large_project_threshold": {"EUR": Decimal(100_000)},
        "portfolio_approval_threshold": {"EUR": Decimal(5_000_000)},
    }
    return StandardsInput(**{**details, **overrides})
