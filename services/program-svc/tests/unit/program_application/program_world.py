"""Given-when-then helpers for the handler tests: a command bus on the in-memory event store and
rows, callers of every role, the projects program-svc knows, and short ways to bring a program
to a state."""

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
from program_svc.application import commands as c
from program_svc.application.handlers import HANDLERS
from program_svc.application.ports import ProgramRows
from program_svc.domain.program import Program
from program_svc.references.model import ProjectRef

from .memory_program_rows import MemoryProgramRows, ObservedEventStore, program_units

R = TypeVar("R")

TODAY = date(2026, 6, 15)
TENANT = "acme"
OTHER_TENANT = "globex"


def caller(subject: str, *roles: Role, tenant: str = TENANT) -> Caller:
    """A signed-in user of `tenant` with `roles`; the correlation id names them."""
    return Caller(Principal(subject, tenant, frozenset(roles)), correlation_id=f"corr-{subject}")


PMO = caller("pmo-carol", Role.PMO)  # activates the programs made by `proposed`
PROPOSER = caller("pmo-paula", Role.PMO)  # proposes them: nobody approves their own proposal
MIA = caller("pgm-mia", Role.PROGRAM_MANAGER)  # manages the programs made by `proposed`
MAX = caller("pgm-max", Role.PROGRAM_MANAGER)  # another program manager
SPONSOR = caller("cfo-bob", Role.PORTFOLIO_MANAGER)  # sponsors them
VIEWER = caller("viewer-vic", Role.VIEWER)
PORTFOLIO = caller("pf-pia", Role.PORTFOLIO_MANAGER)
PROJECT_MANAGER = caller("pm-ann", Role.PROJECT_MANAGER)
OUTSIDER = caller("pmo-olga", Role.PMO, tenant=OTHER_TENANT)


@dataclass
class World:
    """program-svc's write side with no servers: the bus, its units and what they stored."""

    bus: CommandBus[ProgramRows, None]
    units: InMemoryUnitsOfWork[MemoryProgramRows]

    @classmethod
    def new(cls) -> World:
        units = program_units()
        bus: CommandBus[Any, None] = CommandBus(
            HANDLERS, units, config=None, clock=lambda _tenant: TODAY, aggregates=(Program,)
        )
        return cls(bus, units)

    @property
    def store(self) -> ObservedEventStore:
        assert isinstance(self.units.store, ObservedEventStore)
        return self.units.store

    @property
    def rows(self) -> MemoryProgramRows:
        return self.units.rows

    async def run(self, command: Command[R], by: Caller = PMO) -> R:
        """When `by` sends `command`."""
        return await self.bus.execute(command, by)

    async def propose(
        self, command: c.ProposeProgram, by: Caller = PMO, *, key: str | None = None
    ) -> Outcome[Program]:
        """When `by` proposes (with an Idempotency-Key, as `POST /v1/programs` sends it)."""
        request = None if key is None else IdempotentRequest(key=key, route="POST /v1/programs")
        return await self.bus.run(command, by, idempotency=request)

    def know_project(
        self,
        *,
        tenant: str = TENANT,
        currency: str = "EUR",
        status: str = "active",
        actual_cost: str = "0",
        project_id: UUID | None = None,
    ) -> UUID:
        """Given project-svc's events of a project have reached program-svc."""
        project_id = project_id or uuid4()
        self.rows.know(
            ProjectRef(
                project_id=project_id,
                tenant_id=tenant,
                code=f"P-{project_id.hex[:6]}",
                name="A project",
                status=status,
                currency=currency,
                budget_at_completion=None,
                actual_cost=Decimal(actual_cost),
                planned_start=None,
                planned_finish=None,
                percent_complete=None,
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


def propose_command(**overrides: Any) -> c.ProposeProgram:
    details: dict[str, Any] = {
        "code": "PAYROLL",
        "name": "Payroll improvement",
        "area": "the Payroll application",
        "description": "Make payroll faster and cheaper",
        "manager": MIA.subject,
        "sponsor": SPONSOR.subject,
        "currency": "EUR",
    }
    return c.ProposeProgram(**{**details, **overrides})


async def proposed(world: World, **overrides: Any) -> Program:
    """Given a program proposed by the PMO's Paula, managed by Mia unless `manager` says
    otherwise, so that the PMO's Carol may activate it."""
    return await world.run(propose_command(**overrides), by=PROPOSER)


async def active(world: World, **overrides: Any) -> Program:
    """Given a program proposed and activated by the PMO."""
    program = await proposed(world, **overrides)
    return await world.run(c.ActivateProgram(program_id=program.id))


async def with_members(
    world: World, count: int = 2, *, pool: str = "1000", currency: str = "EUR", **overrides: Any
) -> tuple[Program, list[UUID]]:
    """Given an active program with a pool and `count` member projects program-svc knows."""
    program = await active(world, currency=currency, **overrides)
    members = [world.know_project(currency=currency) for _ in range(count)]
    for project_id in members:
        await world.run(c.AddMemberProject(program_id=program.id, project_id=project_id))
    program = await world.run(c.SetFundingPool(program_id=program.id, amount=Decimal(pool)))
    return program, members
