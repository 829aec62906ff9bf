"""What a program or project is as a candidate component, from what portfolio-svc knows of it
(its services' events, in the reference tables) and from the PMO's standards: its currency,
its known cost (a program's funding pool, a project's latest BAC), whether a project is large,
and whether the portfolio would count it twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from portfolio_svc.application.errors import (
    ComponentInAnotherPortfolioError,
    CostKnownError,
    CostUnknownError,
    CountedThroughProgramError,
    EndedReferenceError,
    MemberIsComponentError,
    NotLargeProjectError,
    UnknownReferenceError,
)
from portfolio_svc.application.handlers.base import Context
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.portfolio_state import Cost
from portfolio_svc.domain.standards import PmoStandards
from portfolio_svc.domain.standards_events import standards_id
from portfolio_svc.references.model import ProgramRef, ProjectRef


@dataclass(frozen=True, slots=True)
class Candidate:
    """A program or project of the tenant as portfolio-svc knows it."""

    kind: str
    ref: ProgramRef | ProjectRef

    @property
    def id(self) -> UUID:
        """The program's or project's id."""
        return self.ref.program_id if isinstance(self.ref, ProgramRef) else self.ref.project_id

    @property
    def known_cost(self) -> Decimal | None:
        """The funding pool of a program, the BAC of a project; None while unknown."""
        if isinstance(self.ref, ProgramRef):
            return self.ref.pool
        return self.ref.budget_at_completion

    def cost(self, estimate: Decimal | None) -> Cost:
        """Its cost as a component: the known cost, else the estimate given (422 when there is
        neither, or both)."""
        known = self.known_cost
        if known is None:
            if estimate is None:
                raise CostUnknownError(kind=self.kind, component_id=self.id)
            return Cost(estimate, is_estimate=True)
        if estimate is not None:
            raise CostKnownError(component_id=self.id, cost=str(known))
        return Cost(known, is_estimate=False)


async def candidate(ctx: Context, *, kind: str, component_id: UUID) -> Candidate:
    """The tenant's program or project (422 while portfolio-svc knows none by that id)."""
    tenant = ctx.caller.tenant
    ref: ProgramRef | ProjectRef | None
    if kind == "program":
        ref = await ctx.uow.rows.program_ref(tenant_id=tenant, program_id=component_id)
    else:
        ref = await ctx.uow.rows.project_ref(tenant_id=tenant, project_id=component_id)
    if ref is None:
        raise UnknownReferenceError(kind=kind, component_id=component_id)
    return Candidate(kind, ref)


def require_open(found: Candidate) -> None:
    """Refuse (409) a program or project that has ended."""
    if found.ref.ended:
        raise EndedReferenceError(kind=found.kind, component_id=found.id, status=found.ref.status)


async def require_large(ctx: Context, project: ProjectRef, *, on: date) -> None:
    """Refuse (422) a project that is not large on `on`: neither flagged large nor with a BAC
    at or above the large-project threshold in its currency of the PMO standards in force then
    (a currency they do not list has none); without standards in force, the service's
    default threshold (in any currency)."""
    if project.flagged_large:
        return
    standards = await ctx.uow.load(PmoStandards, standards_id(ctx.caller.tenant))
    in_force = standards.sets.at(on) if standards is not None else None
    if in_force is None:
        threshold: Decimal | None = ctx.config.large_project_threshold
    else:
        threshold = in_force.large_project_threshold.get(project.currency)
    bac = project.budget_at_completion
    if bac is not None and threshold is not None and bac >= threshold:
        return
    raise NotLargeProjectError(
        project_id=project.project_id, bac=bac, threshold=threshold, currency=project.currency
    )


async def require_counted_once(ctx: Context, portfolio: Portfolio, found: Candidate) -> None:
    """Refuse (409) a project counted through a program that is a component of the portfolio,
    and a program one of whose members is a component of it already."""
    present = portfolio.present_at(ctx.today)
    if isinstance(found.ref, ProgramRef):
        twice = sorted((m for m in found.ref.members if m in present), key=str)
        if twice:
            raise MemberIsComponentError(program_id=found.id, project_ids=twice)
        return
    holders = await ctx.uow.rows.programs_with_member(
        tenant_id=ctx.caller.tenant, project_id=found.id
    )
    for program_id in sorted(holders, key=str):
        if program_id in present:
            raise CountedThroughProgramError(project_id=found.id, program_id=program_id)


async def require_free(ctx: Context, portfolio: Portfolio, component_id: UUID) -> None:
    """Refuse (409, naming the holder) a component of another portfolio. The query rows refuse
    it again when saving, against a concurrent add to another portfolio."""
    holder = await ctx.uow.rows.portfolio_of_component(
        tenant_id=ctx.caller.tenant, component_id=component_id
    )
    if holder is not None and holder != portfolio.id:
        raise ComponentInAnotherPortfolioError(component_id=component_id, portfolio_id=holder)
