"""The handlers of a portfolio's components: adding a program or a large project of the tenant
(read from the reference tables, with the PMO's standards, in the same unit of work), its cost,
its scores, its removal, and the decisions on it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from portfolio_svc.application import commands as c
from portfolio_svc.application.handlers.base import (
    Context,
    changed_portfolio,
    handles,
    managed_portfolio,
    on_day,
)
from portfolio_svc.application.handlers.candidates import (
    candidate,
    require_counted_once,
    require_free,
    require_large,
    require_open,
)
from portfolio_svc.domain.errors import UnknownComponentError
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.portfolio_state import ComponentFacts
from portfolio_svc.references.model import ProjectRef


@handles(c.AddComponent)
async def add_component(cmd: c.AddComponent, ctx: Context) -> Portfolio:
    """Take a program or a large project of the tenant, in the portfolio's currency, that no
    other portfolio has and that the portfolio would not count twice, as a component."""
    portfolio = await managed_portfolio(cmd, ctx)
    on = on_day(cmd.effective_on, ctx)
    found = await candidate(ctx, kind=cmd.kind, component_id=cmd.component_id)
    require_open(found)
    if isinstance(found.ref, ProjectRef):
        await require_large(ctx, found.ref, on=on)
    await require_counted_once(ctx, portfolio, found)
    await require_free(ctx, portfolio, cmd.component_id)
    cost = found.cost(cmd.estimate)
    portfolio.add_component(
        cmd.component_id,
        kind=cmd.kind,
        cost=cost.amount,
        cost_is_estimate=cost.is_estimate,
        risk_score=cmd.risk_score,
        demand=cmd.demand,
        currency=found.ref.currency,
        on=on,
    )
    await ctx.save(portfolio)
    return portfolio


@handles(c.ChangeComponentCost)
async def change_component_cost(cmd: c.ChangeComponentCost, ctx: Context) -> Portfolio:
    """Refresh a component's cost from what portfolio-svc knows now (its pool or BAC), or
    record a new estimate while none is known."""
    portfolio = await managed_portfolio(cmd, ctx)
    on = on_day(cmd.effective_on, ctx)
    facts = _component(portfolio, cmd.component_id, on=on)
    found = await candidate(ctx, kind=facts.kind, component_id=cmd.component_id)
    cost = found.cost(cmd.estimate)
    portfolio.change_cost(
        cmd.component_id, cost=cost.amount, cost_is_estimate=cost.is_estimate, on=on
    )
    await ctx.save(portfolio)
    return portfolio


@handles(c.ScoreComponent)
async def score_component(cmd: c.ScoreComponent, ctx: Context) -> Portfolio:
    """Score a component 0..5 on a weighted objective, with the rationale."""
    return await changed_portfolio(
        cmd,
        ctx,
        lambda p: p.score(
            cmd.component_id,
            objective=cmd.objective,
            score=cmd.score,
            rationale=cmd.rationale,
            on=on_day(cmd.effective_on, ctx),
        ),
    )


@handles(c.RemoveComponent)
async def remove_component(cmd: c.RemoveComponent, ctx: Context) -> Portfolio:
    """Remove a component; it may then join another portfolio."""
    return await changed_portfolio(
        cmd,
        ctx,
        lambda p: p.remove_component(
            cmd.component_id, reason=cmd.reason, on=on_day(cmd.effective_on, ctx)
        ),
    )


@handles(c.DecideOnComponent)
async def decide_on_component(cmd: c.DecideOnComponent, ctx: Context) -> Portfolio:
    """Approve (fund), defer or terminate a component; a decision on a program covers its
    member projects as portfolio-svc knows them."""
    portfolio = await managed_portfolio(cmd, ctx)
    on = on_day(cmd.decided_on, ctx, what="decided_on")
    facts = _component(portfolio, cmd.component_id, on=on)
    covers: frozenset[UUID] = frozenset()
    if facts.kind == "program":
        ref = await ctx.uow.rows.program_ref(
            tenant_id=ctx.caller.tenant, program_id=cmd.component_id
        )
        covers = ref.members if ref is not None else frozenset()
    portfolio.decide(
        cmd.component_id,
        decision=cmd.decision,
        rationale=cmd.rationale,
        by=ctx.caller.subject,
        on=on,
        covers=covers,
    )
    await ctx.save(portfolio)
    return portfolio


def _component(portfolio: Portfolio, component_id: UUID, *, on: date) -> ComponentFacts:
    """The component's facts (404 when the portfolio never had it)."""
    facts = portfolio.components.get(component_id)
    if facts is None:
        raise UnknownComponentError(str(component_id), on=on.isoformat())
    return facts
