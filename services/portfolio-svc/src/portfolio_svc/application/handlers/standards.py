"""The handlers of the PMO's stream of a tenant: its standards and its verdicts on suggested
lessons (one stream per tenant, begun by its first set or verdict)."""

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
    standards = await _tenants(ctx)
    ctx.uow.expect(standards, cmd.expected_version)
    standards.set(cmd.standards, on=on_day(cmd.effective_on, ctx))
    await ctx.save(standards)
    return standards


@handles(c.JudgeLessonSuggestion)
async def judge_lesson_suggestion(cmd: c.JudgeLessonSuggestion, ctx: Context) -> PmoStandards:
    """Record the PMO's verdict on a lesson suggested for a project (the PMO only)."""
    ctx.caller.require_role(Role.PMO)
    standards = await _tenants(ctx)
    on = on_day(cmd.judged_on, ctx, what="judged_on")
    standards.judge(cmd.suggestion, useful=cmd.useful, note=cmd.note, on=on, by=ctx.caller.subject)
    await ctx.save(standards)
    return standards


async def _tenants(ctx: Context) -> PmoStandards:
    """The caller's tenant's PMO stream (empty before its first event)."""
    tenant = ctx.caller.tenant
    standards = await ctx.uow.load(PmoStandards, standards_id(tenant))
    return standards if standards is not None else PmoStandards.of_tenant(tenant)
