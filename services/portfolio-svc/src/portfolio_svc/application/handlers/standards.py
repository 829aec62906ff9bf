"""The handler of the PMO's standards: one stream per tenant, begun by its first set."""

from __future__ import annotations

from pmo_shared.application.caller import Role
from portfolio_svc.application import commands as c
from portfolio_svc.application.handlers.base import Context, handles, on_day
from portfolio_svc.domain.standards import PmoStandards
from portfolio_svc.domain.standards_events import standards_id


@handles(c.SetPmoStandards)
async def set_pmo_standards(cmd: c.SetPmoStandards, ctx: Context) -> PmoStandards:
    """Put a whole new set of the tenant's standards in force from a date (the PMO only)."""
    ctx.caller.require_role(Role.PMO)
    tenant = ctx.caller.tenant
    standards = await ctx.uow.load(PmoStandards, standards_id(tenant))
    if standards is None:
        standards = PmoStandards.of_tenant(tenant)
    ctx.uow.expect(standards, cmd.expected_version)
    standards.set(cmd.standards, on=on_day(cmd.effective_on, ctx))
    await ctx.save(standards)
    return standards
