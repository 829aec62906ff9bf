"""What portfolio-svc's handlers share: the map they register in, a command's business date,
loading and authorising a portfolio, running a decision on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pmo_shared.application.caller import Caller, Role
from pmo_shared.application.errors import ForbiddenError
from pmo_shared.application.handlers import CommandContext, CommandHandlers
from portfolio_svc.application import commands as c
from portfolio_svc.application.errors import FutureDateError
from portfolio_svc.application.ports import PortfolioConfig, PortfolioRows
from portfolio_svc.domain.portfolio import Portfolio

Context = CommandContext[PortfolioRows, PortfolioConfig]
HANDLERS: CommandHandlers[PortfolioRows, PortfolioConfig] = CommandHandlers()
handles = HANDLERS.handles


def on_day(day: date | None, ctx: Context, *, what: str = "effective_on") -> date:
    """The business date of a command: the tenant's today when left out; never after it."""
    if day is None:
        return ctx.today
    if day > ctx.today:
        raise FutureDateError(what=what, day=day, today=ctx.today)
    return day


def require_manager(caller: Caller, portfolio: Portfolio) -> None:
    """Only the PMO and the portfolio's own manager (as portfolio manager) change a
    portfolio."""
    if caller.has_role(Role.PMO):
        return
    if portfolio.manager == caller.subject and caller.has_role(Role.PORTFOLIO_MANAGER):
        return
    raise ForbiddenError("only the PMO and the portfolio's manager may change this portfolio")


async def managed_portfolio(cmd: c.OnPortfolio, ctx: Context) -> Portfolio:
    """The portfolio at the version the caller expects (404, 412), if the caller may change it
    (403)."""
    portfolio = await ctx.uow.get(
        Portfolio, cmd.portfolio_id, expected_version=cmd.expected_version
    )
    require_manager(ctx.caller, portfolio)
    return portfolio


async def changed_portfolio(
    cmd: c.OnPortfolio, ctx: Context, decide: Callable[[Portfolio], object]
) -> Portfolio:
    """Run a decision on a portfolio the caller manages (or as PMO) and save it."""
    portfolio = await managed_portfolio(cmd, ctx)
    decide(portfolio)
    await ctx.save(portfolio)
    return portfolio
