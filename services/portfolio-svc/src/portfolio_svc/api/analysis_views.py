"""The analyses of a portfolio to response bodies: every figure exact (values and weights as
plain decimals, money canonical in the portfolio's currency), component ids as UUIDs."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pmo_shared.domain.values import canonical
from portfolio_svc.api import reads
from portfolio_svc.api.figures import plain
from portfolio_svc.application.analysis import Analysed, Asked, Comparison, Frontier
from portfolio_svc.domain import ranking as rk
from portfolio_svc.domain import selection


def _analysis(at: Analysed, asked: Asked) -> dict[str, object]:
    return {
        "portfolio_id": at.portfolio.id,
        "version": at.portfolio.version,
        "as_of": at.as_of,
        "known_at": asked.known_at,
        "scenario": asked.scenario,
    }


def ranking_read(at: Analysed, asked: Asked, ranked: list[rk.Ranked[UUID]]) -> reads.RankingRead:
    """The ranking, best first, every term of each value visible."""
    return reads.RankingRead.model_validate(
        {
            **_analysis(at, asked),
            "items": [
                reads.RankedRead(
                    component_id=r.component_id,
                    rank=r.rank,
                    value=plain(r.value),
                    terms=[
                        reads.TermRead(
                            objective=t.objective,
                            weight=plain(t.weight),
                            score=plain(t.score),
                            product=plain(t.product),
                            rationale=t.rationale,
                        )
                        for t in r.terms
                    ],
                )
                for r in ranked
            ],
        }
    )


def selection_read(at: Analysed, asked: Asked, chosen: selection.Selection) -> reads.SelectionRead:
    """The optimal selection, why each component is in or out, and each constraint's slack
    (the budget's first: its limit is the budget solved under)."""
    money = at.portfolio.currency
    budget = chosen.slacks[0].limit
    return reads.SelectionRead.model_validate(
        {
            **_analysis(at, asked),
            "budget": canonical(budget, money),
            "selected": [UUID(cid) for cid in chosen.selected],
            "value": plain(chosen.value),
            "cost": canonical(chosen.cost, money),
            "reasons": [
                _reason(cid, chosen.reasons[cid], cid in chosen.selected)
                for cid in sorted(chosen.reasons)
            ],
            "slacks": [_slack(s, money) for s in chosen.slacks],
        }
    )


def _slack(s: selection.Slack, money: str) -> reads.SlackRead:
    """A constraint's slack: the budget's in money (canonical), a capacity's as a plain decimal."""

    def figure(x: Decimal) -> str:
        return plain(x) if s.role is not None else canonical(x, money)

    return reads.SlackRead(
        constraint="budget" if s.role is None else "capacity",
        role=s.role,
        limit=figure(s.limit),
        used=figure(s.used),
        slack=figure(s.slack),
        binding=s.binding,
    )


def _reason(cid: str, reason: selection.Reason, selected: bool) -> reads.ReasonRead:
    return reads.ReasonRead(
        component_id=UUID(cid),
        selected=selected,
        kind=reason.kind.value,
        role=reason.role,
        needs=None if reason.needs is None else UUID(reason.needs),
        group=None if reason.group is None else [UUID(g) for g in reason.group],
        chosen=None if reason.chosen is None else UUID(reason.chosen),
    )


def frontier_read(at: Analysed, asked: Asked, curve: Frontier) -> reads.FrontierRead:
    """The efficient frontier, the current budget's point marked."""
    money = at.portfolio.currency
    return reads.FrontierRead.model_validate(
        {
            **_analysis(at, asked),
            "budget": canonical(curve.budget, money),
            "points": [
                reads.FrontierPointRead(
                    budget=canonical(p.budget, money),
                    feasible=p.feasible,
                    value=None if p.value is None else plain(p.value),
                    cost=None if p.cost is None else canonical(p.cost, money),
                    current=p.current,
                    selected=[UUID(cid) for cid in p.selected],
                )
                for p in curve.points
            ],
        }
    )


def comparison_read(
    at: Analysed, asked: Asked, compared: Comparison, *, name: str
) -> reads.ComparisonRead:
    """A scenario against the baseline on the same date."""
    money = at.portfolio.currency
    return reads.ComparisonRead.model_validate(
        {
            **_analysis(at, asked),
            "scenario": name,
            "baseline": _selected(compared.baseline, money),
            "with_scenario": _selected(compared.scenario, money),
            "value_delta": plain(compared.value_delta),
            "cost_delta": canonical(compared.cost_delta, money),
            "selected_in": [UUID(cid) for cid in compared.selected_in],
            "selected_out": [UUID(cid) for cid in compared.selected_out],
        }
    )


def _selected(chosen: selection.Selection, money: str) -> reads.SelectedRead:
    return reads.SelectedRead(
        selected=[UUID(cid) for cid in chosen.selected],
        value=plain(chosen.value),
        cost=canonical(chosen.cost, money),
    )
