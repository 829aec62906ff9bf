"""Portfolios, the PMO's standards and its verdicts on suggested lessons to response bodies.
Every amount is the canonical string of its currency (`pmo_shared.domain.values.canonical`);
every timeline is listed by effective date, oldest first, so a client sees what was in force
when."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pmo_shared.domain.values import canonical
from portfolio_svc.api import reads
from portfolio_svc.api.figures import plain, plains
from portfolio_svc.domain import events as ev
from portfolio_svc.domain.portfolio import Portfolio
from portfolio_svc.domain.portfolio_state import ComponentFacts
from portfolio_svc.domain.standards import PmoStandards, Suggestion
from portfolio_svc.domain.standards_events import HealthBand, PmoStandardsSet


def portfolio_read(p: Portfolio) -> reads.PortfolioRead:
    """The full representation of a portfolio: every dated fact it holds."""
    money = p.currency
    return reads.PortfolioRead(
        portfolio_id=p.id,
        version=p.version,
        code=p.code,
        name=p.name,
        manager=p.manager,
        currency=money,
        created_on=p.created_on,
        weights=[
            reads.WeightingRead(
                effective_on=on,
                method=w.method,
                weights=plains(dict(w.weights)),
                cr=None if w.cr is None else plain(w.cr),
            )
            for on, w in p.weighting.entries
        ],
        budget=[
            reads.DatedAmountRead(effective_on=on, amount=canonical(amount, money))
            for on, amount in p.budget.entries
        ],
        capacities=[
            reads.CapacityRead(
                role=role,
                timeline=[
                    reads.DatedQuantityRead(effective_on=on, amount=plain(amount))
                    for on, amount in timeline.entries
                ],
            )
            for role, timeline in sorted(p.capacity.items())
        ],
        components=[
            _component(cid, facts, money)
            for cid, facts in sorted(p.components.items(), key=lambda item: str(item[0]))
        ],
        dependencies=[
            reads.DependencyRead(component_id=cid, needs=needs, effective_on=on)
            for on, cid, needs in p.dependencies
        ],
        exclusive_groups=[
            reads.ExclusiveGroupRead(
                name=name, components=sorted(members, key=str), effective_on=on
            )
            for on, name, members in p.exclusive_groups
        ],
        scenarios=[
            reads.ScenarioRead(
                name=s.name,
                effective_on=on,
                budget=None if s.budget is None else canonical(s.budget, money),
                capacities=plains(dict(s.capacities)),
                weights=None if s.weights is None else plains(dict(s.weights)),
                forced_in=sorted(s.forced_in, key=str),
                forced_out=sorted(s.forced_out, key=str),
            )
            for _name, timeline in sorted(p.scenarios.items())
            for on, s in timeline.entries
        ],
        adopted_selections=[_adopted(e, money) for _on, e in p.adopted.entries],
    )


def _component(cid: UUID, f: ComponentFacts, money: str) -> reads.ComponentRead:
    return reads.ComponentRead(
        component_id=cid,
        kind="program" if f.kind == "program" else "project",
        added_on=f.added_on,
        removed_on=f.removed_on,
        risk_score=plain(f.risk_score),
        demand=plains(dict(f.demand)),
        costs=[
            reads.CostRead(
                effective_on=on, amount=canonical(c.amount, money), is_estimate=c.is_estimate
            )
            for on, c in f.cost.entries
        ],
        scores=[
            reads.ScoreRead(
                objective=objective, effective_on=on, score=plain(s.value), rationale=s.rationale
            )
            for objective, timeline in sorted(f.scores.items())
            for on, s in timeline.entries
        ],
        decisions=[
            reads.DecisionRead(
                decided_on=d.decided_on,
                decision=_decision(d.decision),
                rationale=d.rationale,
                decided_by=d.decided_by,
                covers=list(d.covers),
            )
            for _on, d in f.decisions.entries
        ],
    )


def _decision(text: str) -> ev.Decision:
    if text == "approve":
        return "approve"
    return "defer" if text == "defer" else "terminate"


def _adopted(e: ev.SelectionAdopted, money: str) -> reads.AdoptedSelectionRead:
    return reads.AdoptedSelectionRead(
        adopted_on=e.adopted_on,
        adopted_by=e.adopted_by,
        as_of=e.as_of,
        scenario=e.scenario,
        budget=canonical(e.budget, money),
        value=plain(e.value),
        cost=canonical(e.cost, money),
        selected=list(e.selected),
        excluded=list(e.excluded),
        frontier=[
            reads.FrontierPointRead(
                budget=canonical(point.budget, money),
                feasible=point.feasible,
                value=None if point.value is None else plain(point.value),
                cost=None if point.cost is None else canonical(point.cost, money),
                current=point.current,
            )
            for point in e.frontier
        ],
    )


def standards_read(
    s: PmoStandardsSet, *, version: int, recorded_at: datetime | None = None
) -> reads.StandardsRead:
    """A set of the PMO's standards, with the version of the stream that holds it."""
    return reads.StandardsRead(
        version=version,
        effective_on=s.effective_on,
        recorded_at=recorded_at,
        spi=_band(s.spi),
        cpi=_band(s.cpi),
        large_project_threshold=_per_currency(s.large_project_threshold),
        portfolio_approval_threshold=_per_currency(s.portfolio_approval_threshold),
        reporting_cadence_days=s.reporting_cadence_days,
        required_gates=list(s.required_gates),
        size_classes={
            currency: [
                reads.SizeClassRead(
                    name=c.name, up_to=None if c.up_to is None else canonical(c.up_to, currency)
                )
                for c in classes
            ]
            for currency, classes in sorted(s.size_classes.items())
        },
        benchmark_min_group=s.benchmark_min_group,
        reference_class_min=s.reference_class_min,
        fiscal_year_start_month=s.fiscal_year_start_month,
        time_zone=s.time_zone,
    )


def verdict_read(standards: PmoStandards, suggestion: Suggestion) -> reads.LessonVerdictRead:
    """The verdict on a suggestion recorded last, with the version of the tenant's PMO stream
    that holds it and the date of the one it replaces."""
    timeline = standards.verdicts[suggestion]
    (_on, verdict), earlier = timeline.entries[-1], timeline.entries[:-1]
    return reads.LessonVerdictRead(
        version=standards.version,
        project_id=verdict.project_id,
        lesson_id=verdict.lesson_id,
        useful=verdict.useful,
        note=verdict.note,
        judged_on=verdict.judged_on,
        judged_by=verdict.judged_by,
        replaces=earlier[-1][0] if earlier else None,
    )


def _band(band: HealthBand) -> reads.BandRead:
    return reads.BandRead(green=plain(band.green), amber=plain(band.amber))


def _per_currency(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {currency: canonical(amount, currency) for currency, amount in sorted(amounts.items())}
