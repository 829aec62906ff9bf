"""The handlers of a portfolio's charter, objectives, budget, capacities, scenarios, the
constraints between its components, and its adopted selection."""

from __future__ import annotations

from fractions import Fraction
from uuid import uuid4

from pmo_shared.application.caller import Role
from pmo_shared.application.errors import ForbiddenError
from portfolio_svc.application import commands as c
from portfolio_svc.application.handlers.base import Context, changed_portfolio, handles, on_day
from portfolio_svc.domain.errors import InvalidComparisonMatrixError
from portfolio_svc.domain.portfolio import Portfolio


@handles(c.CreatePortfolio)
async def create_portfolio(cmd: c.CreatePortfolio, ctx: Context) -> Portfolio:
    """Create a portfolio: the PMO, or a portfolio manager for a portfolio they manage."""
    ctx.caller.require_role(Role.PMO, Role.PORTFOLIO_MANAGER)
    if not ctx.caller.has_role(Role.PMO) and cmd.manager != ctx.caller.subject:
        raise ForbiddenError("a portfolio manager may only create portfolios they manage")
    portfolio = Portfolio.create(
        uuid4(),
        code=cmd.code,
        name=cmd.name,
        manager=cmd.manager,
        currency=cmd.currency,
        on=on_day(cmd.created_on, ctx, what="created_on"),
    )
    await ctx.save(portfolio)
    return portfolio


@handles(c.WeighObjectives)
async def weigh_objectives(cmd: c.WeighObjectives, ctx: Context) -> Portfolio:
    """Weigh the strategic objectives directly (normalised to sum 1)."""
    return await changed_portfolio(
        cmd, ctx, lambda p: p.weigh_objectives(cmd.weights, on=on_day(cmd.effective_on, ctx))
    )


@handles(c.WeighObjectivesByAhp)
async def weigh_objectives_by_ahp(cmd: c.WeighObjectivesByAhp, ctx: Context) -> Portfolio:
    """Derive the weights from an AHP pairwise comparison matrix (CR above 0.10: 422)."""
    matrix = [
        [_entry(text, i, j) for j, text in enumerate(row)] for i, row in enumerate(cmd.matrix)
    ]
    return await changed_portfolio(
        cmd,
        ctx,
        lambda p: p.weigh_objectives_by_ahp(
            cmd.objectives, matrix, on=on_day(cmd.effective_on, ctx)
        ),
    )


def _entry(text: str, row: int, column: int) -> Fraction:
    """A matrix entry as written ("3", "0.2", "1/3") as an exact fraction."""
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidComparisonMatrixError(
            f"a[{row}][{column}] must be a positive number or fraction, got {text!r}",
            row=row,
            column=column,
        ) from None


@handles(c.SetBudget)
async def set_budget(cmd: c.SetBudget, ctx: Context) -> Portfolio:
    """Set the budget the selection is made under."""
    return await changed_portfolio(
        cmd, ctx, lambda p: p.set_budget(cmd.amount, on=on_day(cmd.effective_on, ctx))
    )


@handles(c.SetCapacity)
async def set_capacity(cmd: c.SetCapacity, ctx: Context) -> Portfolio:
    """Set one role's capacity."""
    return await changed_portfolio(
        cmd, ctx, lambda p: p.set_capacity(cmd.role, cmd.amount, on=on_day(cmd.effective_on, ctx))
    )


@handles(c.SaveScenario)
async def save_scenario(cmd: c.SaveScenario, ctx: Context) -> Portfolio:
    """Save a named what-if (a later save of the name replaces it from its date)."""
    return await changed_portfolio(
        cmd,
        ctx,
        lambda p: p.save_scenario(
            cmd.name,
            budget=cmd.budget,
            capacities=cmd.capacities,
            weights=cmd.weights,
            forced_in=cmd.forced_in,
            forced_out=cmd.forced_out,
            on=on_day(cmd.effective_on, ctx),
        ),
    )


@handles(c.DeclareDependency)
async def declare_dependency(cmd: c.DeclareDependency, ctx: Context) -> Portfolio:
    """Declare that a component is selected only with another."""
    return await changed_portfolio(
        cmd,
        ctx,
        lambda p: p.declare_dependency(
            cmd.component_id, needs=cmd.needs, on=on_day(cmd.effective_on, ctx)
        ),
    )


@handles(c.DeclareExclusiveGroup)
async def declare_exclusive_group(cmd: c.DeclareExclusiveGroup, ctx: Context) -> Portfolio:
    """Declare that at most one of some components may be selected."""
    return await changed_portfolio(
        cmd,
        ctx,
        lambda p: p.declare_exclusive_group(
            cmd.name, cmd.components, on=on_day(cmd.effective_on, ctx)
        ),
    )


@handles(c.AdoptSelection)
async def adopt_selection(cmd: c.AdoptSelection, ctx: Context) -> Portfolio:
    """Adopt the optimal selection on `as_of` (under a scenario if named) as the current one,
    with its frontier; it funds nothing by itself."""
    return await changed_portfolio(
        cmd,
        ctx,
        lambda p: p.adopt_selection(
            as_of=on_day(cmd.as_of, ctx, what="as_of"),
            scenario=cmd.scenario,
            points=cmd.points,
            by=ctx.caller.subject,
            on=ctx.today,
        ),
    )
