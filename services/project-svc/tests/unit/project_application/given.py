"""Given-when-then helpers for the handler tests: a command bus on the in-memory event store and
rows, callers of every role, and short ways to bring a project to a state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from pmo_shared.application.caller import Caller, Principal, Role
from pmo_shared.application.handlers import Command, CommandBus, Outcome
from pmo_shared.application.idempotency import IdempotentRequest
from pmo_shared.application.unit_of_work import InMemoryUnitsOfWork
from pmo_shared.domain.events import EventEnvelope
from project_svc.application import commands as c
from project_svc.application.handlers import HANDLERS, ProjectPolicy
from project_svc.application.ports import ProjectRows
from project_svc.domain.project import Project
from project_svc.domain.project_office import ProjectOffice
from project_svc.domain.values import Methodology
from project_svc.references.events import registry as portfolio_registry

from .memory_rows import MemoryProjectRows, ObservedEventStore, project_units

R = TypeVar("R")

TODAY = date(2026, 6, 15)
THRESHOLD = Decimal(1_000_000)
TENANT = "acme"
OTHER_TENANT = "globex"


def caller(subject: str, *roles: Role, tenant: str = TENANT) -> Caller:
    """A signed-in user of `tenant` with `roles`; the correlation id names them."""
    return Caller(Principal(subject, tenant, frozenset(roles)), correlation_id=f"corr-{subject}")


PMO = caller("pmo-carol", Role.PMO)  # approves the projects made by `proposed`
PROPOSER = caller("pmo-paula", Role.PMO)  # proposes them: nobody approves their own proposal
ANN = caller("pm-ann", Role.PROJECT_MANAGER)  # manages the projects made by `propose`
DAN = caller("pm-dan", Role.PROJECT_MANAGER)  # another project manager
VIEWER = caller("viewer-vic", Role.VIEWER)
LEAD = caller("po-lead", Role.VIEWER)  # leads the offices made by `establish_office`
OUTSIDER = caller("pmo-olga", Role.PMO, tenant=OTHER_TENANT)
OUTSIDE_PROPOSER = caller("pmo-oscar", Role.PMO, tenant=OTHER_TENANT)  # proposes for Olga


@dataclass
class World:
    """project-svc's write side with no servers: the bus, its units and what they stored."""

    bus: CommandBus[ProjectRows, ProjectPolicy]
    units: InMemoryUnitsOfWork[MemoryProjectRows]

    @classmethod
    def new(cls) -> World:
        units = project_units()
        bus: CommandBus[Any, ProjectPolicy] = CommandBus(
            HANDLERS,
            units,
            config=ProjectPolicy(THRESHOLD),
            clock=lambda _tenant: TODAY,
            aggregates=(Project, ProjectOffice),
        )
        return cls(bus, units)

    @property
    def store(self) -> ObservedEventStore:
        assert isinstance(self.units.store, ObservedEventStore)
        return self.units.store

    @property
    def rows(self) -> MemoryProjectRows:
        return self.units.rows

    async def run(self, command: Command[R], by: Caller = PMO) -> R:
        """When `by` sends `command`."""
        return await self.bus.execute(command, by)

    async def propose(
        self, command: c.ProposeProject, by: Caller = PMO, *, key: str | None = None
    ) -> Outcome[Project]:
        """When `by` proposes (with an Idempotency-Key, as `POST /v1/projects` sends it)."""
        request = None if key is None else IdempotentRequest(key=key, route="POST /v1/projects")
        return await self.bus.run(command, by, idempotency=request)

    def published(self, *envelopes: EventEnvelope) -> None:
        """Given portfolio-svc published these events, and project-svc's consumer took them."""
        for envelope in envelopes:
            self.rows.take(envelope, portfolio_registry.decode_envelope(envelope))

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

    def count(self) -> int:
        """How many events are committed."""
        return len(self.store.events())


def propose_command(**overrides: Any) -> c.ProposeProject:
    details: dict[str, Any] = {
        "code": "PAY-1",
        "name": "Payroll upgrade",
        "description": "Upgrade the payroll application",
        "manager": ANN.subject,
        "sponsor": "cfo-bob",
        "methodology": Methodology.HYBRID,
        "currency": "EUR",
    }
    return c.ProposeProject(**{**details, **overrides})


def baseline_command(project_id: UUID, bac: str = "100000", **more: Any) -> c.BaselineProject:
    return c.BaselineProject(
        project_id=project_id,
        budget_at_completion=Decimal(bac),
        planned_start=date(2026, 1, 1),
        planned_finish=date(2026, 12, 31),
        **more,
    )


async def proposed(world: World, **overrides: Any) -> Project:
    """Given a project proposed by the PMO's Paula (managed by Ann unless `manager` says
    otherwise), so that the PMO's Carol may approve it."""
    return await world.run(propose_command(**overrides), by=PROPOSER)


async def active(world: World, *, bac: str = "100000", **overrides: Any) -> Project:
    """Given a project proposed, baselined at `bac`, approved and started today."""
    project = await proposed(world, **overrides)
    await world.run(baseline_command(project.id, bac))
    await world.run(c.ApproveProject(project_id=project.id))
    return await world.run(c.StartProject(project_id=project.id))


async def establish_office(
    world: World, project_id: UUID, lead: str = LEAD.subject
) -> ProjectOffice:
    """Given an office led by `lead`, established by the PMO."""
    return await world.run(
        c.EstablishOffice(
            project_id=project_id,
            lead=lead,
            reporting_cadence_days=14,
            charter="Report fortnightly on the payroll programme",
        )
    )


async def large_with_office(world: World, **overrides: Any) -> tuple[Project, ProjectOffice]:
    """Given an active large project with a live office."""
    project = await active(world, bac="2500000", **overrides)
    return project, await establish_office(world, project.id)
